package bounce

import (
	"regexp"
	"strings"
)

// verdict is what identify concludes about a message that has no
// machine-readable report.
type verdict struct {
	bounce bool   // the message is a bounce (from a mailer, or says so)
	name   string // the format family, for Report.Format
	class  byte   // the status class the format implies, or 0
	useTo  bool   // the format names no recipient: take the original's To
	report bool   // the message has a delivery-status part (with no recipient)
}

// bounceSubjects are lower-case phrases of bounce subjects.
var bounceSubjects = []string{
	"undeliver", "delivery status notification", "returned mail", "failure notice", "mail delivery failed",
	"delivery failure", "non-delivery", "nondelivery", "non delivery", "failed delivery", "delivery has failed",
	"could not be delivered", "mail system error", "undelivered mail", "delayed mail", "warning: message",
	"delivery problem", "permanent delivery failure", "failure delivery", "returned to sender",
	"delivery notification", "mail delivery system", "delivery failed", "message not delivered",
	"not delivered", "delivery delayed", "メールエラー",
}

// daemonNames are lower-case local parts and display-name words of the
// senders of bounces.
var daemonNames = []string{"mailer-daemon", "mailer_daemon", "mailerdaemon", "postmaster", "mail delivery",
	"mail.delivery", "maildelivery", "mmsc ndr", "ndr administrator", "mail administrator"}

// families maps a phrase of a bounce's text (lower-case) to the name of the
// software that writes it.
var families = []struct{ phrase, name string }{
	{"qmail-send program", "qmail"},
	{"this message was created automatically by mail delivery software", "exim"},
	{"dragonfly mail agent", "dragonfly"},
	{"this is the mail system at host", "postfix"},
	{"transcript of session follows", "sendmail"},
	{"following addresses had permanent fatal errors", "sendmail"},
	{"google groups", "googlegroups"},
	{"delivery to the following recipient", "gmail"},
	{"please do not reply to this e-mail", "opensmtpd"},
	{"sorry, we were unable to deliver your message", "yahoo"},
	{"unable to deliver message to the following address", "x2"},
	{"not listed in domino directory", "domino"},
	{"failure reasons", "notes"},
	{"did not reach the following recipient", "exchange"},
	{"each of the following recipients was rejected", "ezweb"},
	{"message could not be delivered to mobile", "verizon"},
	{"you are not a member of this mailing list", "fml"},
}

// identify decides whether a message without a machine-readable report is a
// bounce and which format it is in.
func identify(h header, rep *Report, ts textScan, returned bool) verdict {
	var v verdict
	from := strings.ToLower(h.get("From"))
	subject := strings.ToLower(rep.Subject)
	for _, d := range daemonNames {
		if strings.Contains(from, d) {
			v.bounce = true
		}
	}
	for _, s := range bounceSubjects {
		if strings.Contains(subject, s) {
			v.bounce = true
		}
	}
	ct, params := parseContentType(h.get("Content-Type"))
	if ct == "multipart/report" && strings.Contains(strings.ToLower(params["report-type"]), "delivery-status") {
		v.bounce = true
	}
	if h.has("X-Failed-Recipients") {
		v.bounce = true
	}
	if returned && strings.TrimSpace(strings.Trim(h.get("Return-Path"), "<> ")) == "" && h.has("Return-Path") {
		// From the null sender, with the original message attached.
		v.bounce = true
	}
	section := strings.ToLower(ts.section)
	v.name = "text"
	for _, f := range families {
		if strings.Contains(section, f.phrase) {
			v.name = f.name
			break
		}
	}
	switch v.name {
	case "googlegroups", "verizon":
		v.useTo = true
	case "fml":
		// fml's rejection of a non-member comes from the list's -admin
		// address with an ordinary subject.
		v.useTo = true
		v.bounce = true
	case "exim":
		// Exim reports a retry timeout as a permanent error, but the cause
		// was temporary: Sisimai (and RFC 3463's X.4.7) call it 4.x.x.
		if h.has("X-Failed-Recipients") &&
			(strings.Contains(section, "retry timeout exceeded") || strings.Contains(section, "failing for a long time")) {
			v.class = '4'
		}
	}
	return v
}

// defaultClass returns '4' when a bounce says it is a warning about a delay,
// and '5' otherwise.
func defaultClass(subject, section string) byte {
	s := strings.ToLower(subject)
	t := strings.ToLower(section)
	for _, p := range []string{"delay", "warning", "still being retried", "not yet delivered", "temporary"} {
		if strings.Contains(s, p) {
			return '4'
		}
	}
	for _, p := range []string{"this is a warning", "warning message only", "will be retried",
		"has not yet been delivered", "delivery attempts will continue", "only a temporary failure",
		"you do not need to resend", "will continue to try"} {
		if strings.Contains(t, p) {
			return '4'
		}
	}
	return '5'
}

// textResults turns the recipients named in a text bounce into Results.
// When the bounce lists its failed recipients in X-Failed-Recipients
// (Exim), other addresses named in the text are left out.
func textResults(h header, ts textScan) []Result {
	failed := map[string]bool{}
	for _, x := range h.values("X-Failed-Recipients") {
		for _, a := range addressList(x, MaxRecipients) {
			failed[a] = true
		}
	}
	var out, listed []Result
	for i := range ts.blocks {
		res := Result{Recipient: ts.blocks[i].rcpt, Diagnostic: ts.blocks[i].text()}
		out = append(out, res)
		if failed[res.Recipient] {
			listed = append(listed, res)
		}
	}
	if len(listed) > 0 {
		return listed
	}
	return out
}

// fallbackResults finds the recipients of a bounce whose text names none:
// the X-Failed-Recipients header (Exim), or, for the formats that name none
// and for bounces that quote an SMTP error, the To of the returned message.
func fallbackResults(h header, rep *Report, ts textScan, v verdict) []Result {
	var rcpts []string
	for _, x := range h.values("X-Failed-Recipients") {
		rcpts = appendAddrs(rcpts, addressList(x, MaxRecipients))
	}
	if len(rcpts) == 0 && (v.useTo || v.report || findStatus(ts.section) != "" || findReply(ts.section) != 0) {
		rcpts = rep.OriginalTo
	}
	reason := ""
	if v.name == "googlegroups" {
		reason = "rejected" // the group does not exist or refuses the sender
	}
	var out []Result
	for _, a := range rcpts {
		out = append(out, Result{Recipient: a, Diagnostic: ts.context(), Reason: reason})
	}
	return out
}

// block returns the text block about rcpt, or nil.
func (ts *textScan) block(rcpt string) *textBlock {
	for i := range ts.blocks {
		if ts.blocks[i].rcpt == rcpt {
			return &ts.blocks[i]
		}
	}
	return nil
}

// context returns the text before the first named recipient, which often
// says why delivery failed.
func (ts *textScan) context() string {
	return truncate(strings.Join(ts.intro, " "), 2048)
}

// text returns the explanation lines of a block as one string.
func (b *textBlock) text() string {
	return truncate(strings.Join(b.lines, " "), 4096)
}

// remotePattern finds the remote host in a diagnostic: "host mx.example.org
// [192.0.2.1]", "host: mx.example.org", "mx.example.org[192.0.2.1] said",
// "192.0.2.1 does not like recipient".
var remotePattern = regexp.MustCompile(`(?i)(?:\bhost:?|\bserver)\s+([a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+)|([a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+)\s?\[[0-9a-f.:]+\]:?\s+(?:said|did not like)|\b((?:\d{1,3}\.){3}\d{1,3})\s+(?:does not like|said)`)

// remoteFromText returns the remote host named in a diagnostic, or "".
func remoteFromText(diag string) string {
	m := remotePattern.FindStringSubmatch(diag)
	if m == nil {
		return ""
	}
	for _, host := range m[1:] {
		if host != "" {
			return strings.ToLower(strings.TrimSuffix(host, "."))
		}
	}
	return ""
}
