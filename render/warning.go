package render

import (
	"fmt"
	"strings"

	"github.com/mailrun/mailrun/campaign"
)

// Warning is something about a template that works but is probably not
// what its author meant, such as a misspelt header name. File and Line say
// where.
type Warning struct {
	File string
	Line int
	Text string
}

// String returns "file:line: text".
func (w Warning) String() string { return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Text) }

// Warnings returns what New noticed about the template, in file order.
func (t *Template) Warnings() []Warning { return t.warnings }

// wellKnownHeaders are header names that mail programs and receivers act
// on, beyond those of the known map, with the spelling suggestions use.
var wellKnownHeaders = []string{
	"From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Subject", "Attach", "Embed",
	"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "List-Help", "List-Subscribe", "List-Post",
	"List-Owner", "List-Archive", "In-Reply-To", "References", "Keywords", "Comments", "Precedence",
	"Auto-Submitted", "Importance", "Priority", "Sensitivity", "Organization", "Disposition-Notification-To",
	"Return-Receipt-To", "Feedback-ID", "Errors-To", "Thread-Topic", "Thread-Index", "Expires", "Archived-At",
	"Require-Recipient-Valid-Since", "TLS-Required", "Autocrypt", "OpenPGP", "Return-Path",
}

// checkHeaderNames warns of header names that are not well known and do
// not start with X- (a misspelt Subjet: would send every message without a
// subject), with the name probably meant, and of a template without a
// Subject. The Content-Type pseudo-header of a Markdown body is no header.
func (t *Template) checkHeaderNames() {
	subject := false
	for _, h := range t.headers {
		lower := strings.ToLower(h.name)
		subject = subject || lower == "subject"
		if strings.HasPrefix(lower, "x-") || isWellKnown(lower) || h.kind == kindMarkdown {
			continue
		}
		text := fmt.Sprintf("header %q is not one that mail programs know", h.name)
		if s, ok := campaign.Suggest(h.name, wellKnownHeaders); ok {
			text += fmt.Sprintf(": did you mean %q?", s)
		} else {
			text += " (a header of your own should start with X-)"
		}
		t.warnings = append(t.warnings, Warning{File: t.path, Line: h.line, Text: text})
	}
	if !subject {
		t.warnings = append(t.warnings, Warning{File: t.path, Line: 1, Text: "the template has no Subject header: the messages go out without a subject"})
	}
}

func isWellKnown(lower string) bool {
	for _, n := range wellKnownHeaders {
		if strings.ToLower(n) == lower {
			return true
		}
	}
	return false
}
