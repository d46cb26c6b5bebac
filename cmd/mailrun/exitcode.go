package main

import (
	"context"
	"errors"
	"strconv"

	"github.com/mailrun/mailrun/campaign"
	"github.com/urfave/cli/v2"
)

// The exit codes of DESIGN §3. Codes 4 and 5 only come from send, through an
// *exitError.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInput       = 3
	exitFatalSMTP   = 6
	exitStateLocked = 7
	exitInterrupted = 130
)

// exitError is an error that carries the exit code the command must end
// with. Commands return it when the code follows from the outcome rather
// than from the kind of error (send uses it for 4 and 5, validate for 3).
// It wraps err, so the message the user sees is err's.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return "exit status " + strconv.Itoa(e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr is a usage or configuration error: an unknown flag, a missing
// required flag, a bad flag value, an unreadable config file. It exits 2.
type usageErr struct{ err error }

func (e *usageErr) Error() string { return e.err.Error() }
func (e *usageErr) Unwrap() error { return e.err }

// usageError returns a usage error (exit 2) with the message msg, for
// example usageError("--rate: want 10/s, 600/m or 20000/h").
func usageError(msg string) error { return &usageErr{err: errors.New(msg)} }

// asUsageError marks err as a usage or configuration error (exit 2). It
// returns nil for a nil err.
func asUsageError(err error) error {
	if err == nil {
		return nil
	}
	var u *usageErr
	if errors.As(err, &u) {
		return err
	}
	return &usageErr{err: err}
}

// exitCode maps the error a command returned to the process exit code of
// DESIGN §3. It is the one place that knows the codes; everything else
// returns errors that say what went wrong, classified by type:
//
//   - nil: 0
//   - an *exitError anywhere in the chain: its code
//   - a usage or configuration error (usageError, asUsageError): 2
//   - context.Canceled: 130
//   - a campaign.LockedError or campaign.TemplateChangedError: 7
//   - a *campaign.DeliveryError of Class Fatal: 6
//   - a *campaign.InputError: 3
//   - a cli.ExitCoder (cli.Exit) with a non-zero code: that code
//   - anything else: 1
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ue *usageErr
	if errors.As(err, &ue) {
		return exitUsage
	}
	if errors.Is(err, context.Canceled) {
		return exitInterrupted
	}
	if isStateConflict(err) {
		return exitStateLocked
	}
	if campaign.ClassOf(err) == campaign.Fatal {
		return exitFatalSMTP
	}
	var ie *campaign.InputError
	if errors.As(err, &ie) {
		return exitInput
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) && ec.ExitCode() != 0 {
		return ec.ExitCode()
	}
	return exitFailure
}

// isStateConflict reports whether err says the state file is locked by
// another run or belongs to a different campaign.
func isStateConflict(err error) bool {
	var le *campaign.LockedError
	var me *campaign.TemplateChangedError
	return errors.As(err, &le) || errors.As(err, &me)
}
