package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/mailbox"
	"github.com/mailrun/mailrun/campaign/source"
	"github.com/mailrun/mailrun/render"
	"github.com/mailrun/mailrun/sender"
	"github.com/mailrun/mailrun/sender/credential"
	"github.com/urfave/cli/v2"
)

// This file is the one place that knows mailrun's exit codes and the hints
// that go with errors. Everything else returns errors that say what went
// wrong, classified by type: the libraries' typed errors, and the outcomes
// of a run below.

// The exit codes.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInput       = 3
	exitRowsFailed  = 4
	exitPending     = 5
	exitFatalSMTP   = 6
	exitStateLocked = 7
	exitInterrupted = 130

	// exitOwnCode marks the rule of errors that carry their exit code.
	exitOwnCode = -1
)

// Outcomes of a send that finished without an error of its own but must not
// exit 0.
type (
	// rowsFailed: rows failed permanently, now or (earlier of them) in
	// an earlier run.
	rowsFailed struct {
		n, earlier int64
		state      string
	}
	// rowsPending: temporary failures remain after retries (n), or
	// unknown outcomes were left alone by --unknown skip (unknown).
	rowsPending struct{ n, unknown int64 }
	// limitReached: --limit stopped the run before the data ended, with
	// left rows for the next run. It exits 0: the run did what was asked.
	limitReached struct{ left int64 }
	// capReached: --max-per-day or --max-per-24h stopped the run until
	// resumeAt.
	capReached struct {
		limit    campaign.Limit
		resumeAt time.Time
	}
	// outsideWindow: --no-wait stopped the run outside the --window and
	// --days until opens.
	outsideWindow struct{ opens time.Time }
	// validateProblems: validate found problems in rows.
	validateProblems struct{ problems, rows int }
)

func (e *rowsFailed) Error() string {
	s := fmt.Sprintf("%d rows failed permanently", e.n)
	if e.earlier > 0 {
		s += fmt.Sprintf(" (%d in an earlier run, left alone now: once the cause is fixed, --retry-failed sends them again)", e.earlier)
	}
	return s + ": see mailrun status --state " + quoteArg(e.state)
}

func (e *rowsPending) Error() string {
	var parts []string
	if e.n > 0 {
		parts = append(parts, fmt.Sprintf("%d messages are still pending: run the same command again to retry them", e.n))
	}
	if e.unknown > 0 {
		verb := "were"
		if e.unknown == 1 {
			verb = "was"
		}
		parts = append(parts, fmt.Sprintf("%s whose outcome is unknown (the server may have taken them) %s left alone by "+
			"--unknown skip, and will be on every run with it; to send them again with the same Message-ID, run with --unknown send",
			plural(int(e.unknown), "message"), verb))
	}
	return strings.Join(parts, "; ")
}

func (e *limitReached) Error() string {
	return fmt.Sprintf("--limit reached: %s left; run the same command again to continue", plural(int(e.left), "row"))
}

func (e *capReached) Error() string {
	return fmt.Sprintf("%s is reached; run the same command again from %s to go on",
		capText(e.limit), e.resumeAt.Format("2006-01-02 15:04 MST"))
}

func (e *outsideWindow) Error() string {
	return fmt.Sprintf("outside the send window (--window, --days); it opens %s: run the same command again then, or leave out --no-wait to wait for it",
		e.opens.Format("Mon 2006-01-02 15:04 MST"))
}

func (e *validateProblems) Error() string {
	return fmt.Sprintf("validate: %s found in %s", plural(e.problems, "problem"), plural(e.rows, "row"))
}

// exitRule is one line of exitRules: errors that match end the command with
// code (exitOwnCode: the error's own, from cli.Exit), and the message the
// user sees is message(err) ("" keeps err's own).
type exitRule struct {
	name    string
	code    int
	match   func(error) bool
	message func(error) string
}

// exitRules maps errors to exit codes and messages. The first rule that
// matches wins; an error no rule matches exits 1 with its own message.
var exitRules = []exitRule{
	{"password in the SMTP URL", exitUsage, func(err error) bool { return errors.Is(err, sender.ErrPasswordInURL) }, func(err error) string {
		return err.Error() + "; use MAILRUN_SMTP_PASSWORD or --smtp-password-file"
	}},
	{"password in the IMAP URL", exitUsage, func(err error) bool { return errors.Is(err, mailbox.ErrPasswordInURL) }, func(err error) string {
		return err.Error() + "; use MAILRUN_IMAP_PASSWORD or --imap-password-file"
	}},
	{"usage or configuration error", exitUsage, isType[*usageErr], func(err error) string {
		if h := smtpHint(err); h != "" {
			return err.Error() + "; " + h
		}
		return ""
	}},
	{"interrupted", exitInterrupted, func(err error) bool {
		return errors.Is(err, campaign.ErrInterrupted) || errors.Is(err, context.Canceled)
	}, func(err error) string {
		if errors.Is(err, campaign.ErrInterrupted) {
			return "interrupted: the state is saved; run the same command again to resume"
		}
		return ""
	}},
	{"every relay out for now", exitPending, func(err error) bool { return errors.Is(err, campaign.ErrNoRelay) }, func(err error) string {
		why, de := err.Error(), (*campaign.DeliveryError)(nil)
		if errors.As(err, &de) && de.Text != "" {
			why = de.Text // without the "fatal: " of its class: nothing is wrong with the setup
		}
		return "stopped: " + why + "; run the same command again later to resume"
	}},
	{"OAuth2 refresh token refused", exitFatalSMTP, refreshTokenRefused, func(err error) string {
		var ee *credential.EndpointError
		errors.As(err, &ee)
		why := ee.Code
		if ee.Description != "" {
			why += ": " + ee.Description
		}
		return "stopped: the OAuth2 token endpoint refused the refresh token (" + why + "): it expired or was revoked. " +
			"Sign in again with your OAuth2 tool (the same application, with --oauth-client-id's id) to get a new one, " +
			"save it with --oauth-refresh-token-file FILE (or MAILRUN_OAUTH_REFRESH_TOKEN), and run the same command again to resume"
	}},
	{"relay unusable before the first message", exitFatalSMTP, isType[*sender.ProbeError], func(err error) string {
		if h := smtpHint(err); h != "" {
			return "stopped before any message was sent: " + err.Error() + "; " + h + ", then run the same command again"
		}
		return "stopped before any message was sent: " + err.Error() + "; fix it and run the same command again"
	}},
	{"fatal SMTP error", exitFatalSMTP, func(err error) bool { return campaign.ClassOf(err) == campaign.Fatal }, func(err error) string {
		if h := smtpHint(err); h != "" {
			return "stopped: " + err.Error() + "; " + h + ", then run the same command again to resume"
		}
		return "stopped: " + err.Error() + "; fix it and run the same command again to resume"
	}},
	{"IMAP login refused", exitFatalSMTP, isType[*mailbox.AuthError], func(err error) string {
		return err.Error() + "; check the user in --imap and MAILRUN_IMAP_PASSWORD, --imap-password-file or imap-password"
	}},
	{"state file in use", exitStateLocked, isType[*campaign.LockedError], func(err error) string {
		return err.Error() + "; wait for that run to finish, or give this one another --state file"
	}},
	{"state file of another template", exitStateLocked, isType[*campaign.TemplateChangedError], func(err error) string {
		return err.Error() + "; to resume it with this template anyway, add --allow-template-change " +
			"(rows already delivered stay delivered), or start a new campaign with another --state file"
	}},
	{"state file of another data file", exitStateLocked, isType[*campaign.DataChangedError], func(err error) string {
		return err.Error() + "; to resume it with this data file anyway, add --allow-data-change " +
			"(its recipients count as this list's), or start a new campaign with another --state file"
	}},
	{"input error", exitInput, isType[*campaign.InputError], inputMessage},
	{"rows failed", exitRowsFailed, isType[*rowsFailed], nil},
	{"proof copies failed", exitRowsFailed, isType[*proofsFailed], nil},
	{"rows pending", exitPending, isType[*rowsPending], nil},
	{"limit reached", exitOK, isType[*limitReached], nil},
	{"cap reached", exitPending, isType[*capReached], nil},
	{"outside the send window", exitPending, isType[*outsideWindow], nil},
	{"validate found problems", exitInput, isType[*validateProblems], nil},
	{"send not confirmed", exitFailure, func(err error) bool { return errors.Is(err, errNotConfirmed) }, nil},
	{"cli.Exit", exitOwnCode, func(err error) bool {
		var ec cli.ExitCoder
		return errors.As(err, &ec) && ec.ExitCode() != 0
	}, nil},
}

// refreshTokenRefused reports whether err is a token endpoint's refusal of
// the refresh token itself.
func refreshTokenRefused(err error) bool {
	var ee *credential.EndpointError
	return errors.As(err, &ee) && ee.RefreshTokenRefused()
}

// inputMessage adds to an input error the hint of the typed error inside.
func inputMessage(err error) string {
	var (
		de *source.DelimiterError
		ee *source.EncodingError
		me *render.MissingColumnsError
	)
	switch {
	case errors.As(err, &de):
		return err.Error() + "; if so, pass --delimiter " + strconv.QuoteRune(de.Guess)
	case errors.As(err, &ee):
		var others []string
		for _, e := range strings.Split(source.EncodingExamples, ", ") {
			if e != "cp949" {
				others = append(others, e)
			}
		}
		return err.Error() + ": if Excel saved it in a local encoding, pass it with --encoding, for example --encoding cp949 for Korean " +
			"(others: " + strings.Join(others, ", ") + "), or save it as \"CSV UTF-8\""
	case errors.As(err, &me) && len(me.Columns) == 1:
		if i := strings.IndexAny(me.Columns[0], ";\t|,"); i >= 0 {
			return err.Error() + "; the header was read as one column: if " + strconv.QuoteRune(rune(me.Columns[0][i])) +
				" separates the fields, pass --delimiter " + strconv.QuoteRune(rune(me.Columns[0][i]))
		}
	case errors.Is(err, render.ErrUnsubscribeHeader):
		return err.Error() + " (remove the header from the template, or leave out --unsubscribe-url)"
	}
	if hint := limitHint(err); hint != "" {
		return err.Error() + hint
	}
	return ""
}

// smtpHint returns what to do about a relay's setup error, "" when it has
// no advice.
func smtpHint(err error) string {
	var (
		te *sender.TLSError
		ae *sender.AuthMechanismError
	)
	switch {
	case errors.As(err, &te) && te.Verify():
		return "if the server uses a private certificate authority, pass its certificate with --tls-ca FILE " +
			"(tls-ca= for one relay), or skip the check with --tls-skip-verify (unsafe)"
	case errors.As(err, &ae):
		h := "choose a mechanism the server offers with --auth"
		if !ae.TLS {
			h += " (servers often offer PLAIN and LOGIN only after STARTTLS: use smtps:// or a server that offers STARTTLS)"
		}
		return h
	case errors.Is(err, sender.ErrCleartextAuth):
		return "use smtps:// or STARTTLS (--tls-policy mandatory), or --auth none if the server needs no login"
	case errors.Is(err, sender.ErrNoPassword):
		return "set MAILRUN_SMTP_PASSWORD (MAILRUN_SMTP_PASSWORD_<RELAY> for one relay), --smtp-password-file or the config file's " +
			"smtp-password, or pass --auth none to send without logging in"
	case errors.Is(err, sender.ErrHelloRefused):
		return "give this host's fully qualified domain name with --hello NAME"
	}
	return ""
}

// rule returns the rule that err matches, nil for none.
func rule(err error) *exitRule {
	for i := range exitRules {
		if exitRules[i].match(err) {
			return &exitRules[i]
		}
	}
	return nil
}

// exitCode maps the error a command returned to the process exit code: 0
// for nil, the code of the first rule that matches, else 1.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	r := rule(err)
	switch {
	case r == nil:
		return exitFailure
	case r.code == exitOwnCode:
		var ec cli.ExitCoder
		errors.As(err, &ec)
		return ec.ExitCode()
	}
	return r.code
}

// errorMessage returns what the user sees of err: its rule's message, or
// its own text.
func errorMessage(err error) string {
	if r := rule(err); r != nil && r.message != nil {
		if m := r.message(err); m != "" {
			return m
		}
	}
	return err.Error()
}

func isType[T error](err error) bool {
	var t T
	return errors.As(err, &t)
}

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
