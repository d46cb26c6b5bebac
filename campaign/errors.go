package campaign

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Class says what a delivery failure means for the campaign.
type Class int

const (
	// Temporary failures (4xx replies, timeouts, dropped connections) are
	// retried.
	Temporary Class = iota + 1
	// Permanent failures (5xx replies) are recorded and not retried.
	Permanent
	// Fatal failures (authentication, TLS, not an SMTP server) stop the run.
	Fatal
)

// String returns "temporary", "permanent" or "fatal".
func (c Class) String() string {
	switch c {
	case Temporary:
		return "temporary"
	case Permanent:
		return "permanent"
	case Fatal:
		return "fatal"
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// Scope says what a refusal concerns, hence who must act on it.
type Scope int

const (
	// ScopeNone: no reply says (a lost connection, a timeout, a local
	// check), or the reply concerns none of the below.
	ScopeNone Scope = iota
	// ScopeRecipient: one envelope recipient (DeliveryError.Recipient).
	ScopeRecipient
	// ScopeMessage: this message, such as its size or its content.
	ScopeMessage
	// ScopeSession: the relay or mailrun's configuration, such as the
	// greeting, EHLO, TLS, AUTH, the sender address or the client host.
	// It never counts against a recipient.
	ScopeSession
)

// DeliveryError is a failed delivery attempt, classified by meaning.
type DeliveryError struct {
	Class Class
	// Scope says what the refusal concerns; Throttle that the server asked
	// the client to slow down (the only failures that lower the rate).
	Scope    Scope
	Throttle bool
	// Code is the SMTP reply code, 0 when there was none (dropped
	// connection, timeout, TLS failure).
	Code int
	// Enhanced is the enhanced status code (RFC 3463) such as "5.1.1".
	Enhanced string
	// Text is the server's reply text, or a description of the failure.
	Text string
	// Recipient is the envelope recipient the server refused, if the
	// failure was a refused RCPT.
	Recipient string
	// Ambiguous is true when the failure came after the final "." of DATA
	// without a reply: the server may have accepted the message.
	Ambiguous bool
	// Err is the underlying error, if any.
	Err error
}

func (e *DeliveryError) Error() string {
	s := e.label()
	if e.Code != 0 {
		s += " " + strconv.Itoa(e.Code)
		if e.Enhanced != "" {
			s += " " + e.Enhanced
		}
	}
	if e.Recipient != "" {
		s += " for <" + e.Recipient + ">"
	}
	if e.Text != "" {
		s += ": " + e.Text
	} else if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.Ambiguous {
		s += " (after the final dot: the server may have taken the message)"
	}
	return s
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// label names the failure's kind for Error: "throttled", "recipient
// refused", "message refused", "session refused" (with "temporarily" when
// not permanent), else its Class.
func (e *DeliveryError) label() string {
	var s string
	switch {
	case e.Throttle:
		return "throttled"
	case e.Scope == ScopeRecipient:
		s = "recipient refused"
	case e.Scope == ScopeMessage:
		s = "message refused"
	case e.Scope == ScopeSession:
		s = "session refused"
	default:
		return e.Class.String()
	}
	if e.Class == Temporary {
		s += " temporarily"
	}
	return s
}

// IsEnhancedCode reports whether s is an enhanced status code (RFC 3463)
// such as "5.1.1": class 2, 4 or 5, then subject and detail of one to three
// digits each.
func IsEnhancedCode(s string) bool {
	if len(s) < 2 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' {
		return false
	}
	subject, detail, ok := strings.Cut(s[2:], ".")
	return ok && shortNumber(subject) && shortNumber(detail)
}

// shortNumber reports whether s is one to three decimal digits.
func shortNumber(s string) bool {
	if len(s) < 1 || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// asDeliveryError returns the *DeliveryError in err's chain, or nil.
func asDeliveryError(err error) *DeliveryError {
	var de *DeliveryError
	if errors.As(err, &de) {
		return de
	}
	return nil
}

// ErrNoRelay is the error (inside a Fatal *DeliveryError) of a sender that
// spreads messages over several relays when none of them may take a message
// now: each is out of rotation after failures, or has reached its daily
// cap. The run stops; running the same command later resumes it.
var ErrNoRelay = errors.New("campaign: every relay is out of rotation")

// ClassOf returns the Class of err: the Class of a *DeliveryError in its
// chain, else 0.
func ClassOf(err error) Class {
	if de := asDeliveryError(err); de != nil {
		return de.Class
	}
	return 0
}

// RowError is a problem confined to one row: the row fails, the rest go on.
type RowError struct {
	// Row is the data-row number (1 = first row under the header).
	Row int
	// Key is the recipient key, when known.
	Key string
	// Column names the column at fault, when one is.
	Column string
	Err    error
}

func (e *RowError) Error() string {
	s := "row " + strconv.Itoa(e.Row)
	if e.Key != "" {
		s += " (" + e.Key + ")"
	}
	s += ": "
	if e.Column != "" {
		s += fmt.Sprintf("column %q: ", e.Column)
	}
	return s + e.Err.Error()
}

func (e *RowError) Unwrap() error { return e.Err }

// InputError is a problem with the input as a whole (data file, template):
// nothing can be sent. The command exits 3.
type InputError struct {
	// File names the file at fault; Line is its line number when known.
	File string
	Line int
	Err  error
}

func (e *InputError) Error() string {
	s := ""
	if e.File != "" {
		s = e.File
		if e.Line > 0 {
			s += ":" + strconv.Itoa(e.Line)
		}
		s += ": "
	}
	return s + e.Err.Error()
}

func (e *InputError) Unwrap() error { return e.Err }

// LockedError means a state file is in use: another run holds its lock.
type LockedError struct {
	// Path is the state file.
	Path string
	// PID is the process holding the lock, 0 if it could not be told.
	PID int
}

func (e *LockedError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = "another mailrun (pid " + strconv.Itoa(e.PID) + ")"
	}
	return "campaign: state file " + e.Path + " is in use by " + who
}

// TemplateChangedError means the state file belongs to a campaign sent with
// a different template, and resuming it with this one was not allowed.
type TemplateChangedError struct {
	// Path is the state file.
	Path string
	// Recorded is the template hash the state file records; Template is the
	// hash of the template given now.
	Recorded, Template string
}

func (e *TemplateChangedError) Error() string {
	return fmt.Sprintf("campaign: state file %s belongs to a campaign sent with a different template (recorded %s, now %s)",
		e.Path, shortHash(e.Recorded), shortHash(e.Template))
}

func shortHash(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

// DataChangedError means the state file belongs to a campaign sent from
// another data file, and resuming it with this one was not allowed: its
// recipients would be taken for this list's.
type DataChangedError struct {
	// Path is the state file.
	Path string
	// Recorded is the data file the state file records; Data is the one
	// given now.
	Recorded, Data string
}

func (e *DataChangedError) Error() string {
	return fmt.Sprintf("campaign: state file %s belongs to a campaign sent from another data file (%s, not %s)", e.Path, e.Recorded, e.Data)
}
