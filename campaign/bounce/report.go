package bounce

import "net/textproto"

// Limits on what Parse reads and returns.
const (
	// MaxMessageSize is how many bytes of a message Parse reads; the rest is
	// ignored and Report.Truncated is set.
	MaxMessageSize = 10 << 20
	// MaxRecipients is how many Results a Report holds at most.
	MaxRecipients = 500
	// MaxDiagnostic is the longest Result.Diagnostic, in bytes.
	MaxDiagnostic = 512
	// maxHeaderValues bounds the values kept per field in OriginalHeaders.
	maxHeaderValues = 8
	// maxHeaderFields bounds the fields kept in OriginalHeaders.
	maxHeaderFields = 200
)

// Type says what kind of message a Report describes.
type Type string

// The types of message Parse tells apart.
const (
	// TypeBounce is a delivery status notification: a failure or delay
	// report, or (rarely) a success report, in RFC 3464 form or in the
	// text of a mail server.
	TypeBounce Type = "bounce"
	// TypeComplaint is a feedback report (RFC 5965 ARF, or an Amazon SES
	// complaint notification): usually a spam complaint, see
	// Result.FeedbackType.
	TypeComplaint Type = "complaint"
	// TypeAutoReply is an automatic reply (RFC 3834 Auto-Submitted,
	// X-Autoreply, Precedence: auto_reply), an out-of-office message or a
	// challenge-response request. It says nothing about deliverability.
	TypeAutoReply Type = "autoreply"
	// TypeOther is a message that is none of the above, including a bounce
	// whose recipients could not be read (Format "unread-bounce").
	TypeOther Type = "other"
)

// Kind says what a Result means for the recipient's address.
type Kind string

// The kinds of Result.
const (
	// KindHard is a permanent failure that says the address itself is bad
	// (no such user, no such domain, moved, null MX): stop mailing it.
	KindHard Kind = "hard"
	// KindSoft is a failure that may pass: a delay, a temporary (4.x.x)
	// failure, or a permanent one caused by a full mailbox, a policy, a spam
	// filter, throttling or the message rather than the address.
	KindSoft Kind = "soft"
	// KindComplaint is a spam complaint (or a fraud or virus report) about a
	// message sent to the recipient.
	KindComplaint Kind = "complaint"
	// KindNone is a Result that reports no failure: a delivered, relayed or
	// expanded recipient, or a feedback report that is not a complaint
	// (Feedback-Type auth-failure or not-spam). Callers book nothing for it.
	KindNone Kind = ""
)

// Result is what a bounce or complaint says about one recipient.
type Result struct {
	// Recipient is the bare, lower-cased address the report is about
	// (Final-Recipient, or the address named in the text). It may lack a
	// domain when the reporting server gave only a local part.
	Recipient string
	// OriginalRecipient is the bare, lower-cased Original-Recipient of an
	// RFC 3464 report, when it differs from Recipient.
	OriginalRecipient string
	// Status is the enhanced status code, such as "5.1.1". When the message
	// gives none it is derived from the reply code and the text; X.0.9NN
	// codes stand for a reason read from the text. Empty for complaints.
	Status string
	// Action is the RFC 3464 action: "failed", "delayed", "delivered",
	// "relayed" or "expanded"; empty for complaints.
	Action string
	// Kind classifies the result: hard, soft, complaint or none.
	Kind Kind
	// Reason is a one-word classification of the failure, such as
	// "userunknown", "mailboxfull", "blocked", "expired" or "feedback"
	// (Sisimai's reason names); empty when nothing could be read.
	Reason string
	// Diagnostic is the server's explanation on one line, at most
	// MaxDiagnostic bytes.
	Diagnostic string
	// ReplyCode is the SMTP reply code, such as 550, or 0 when none is given.
	ReplyCode int
	// RemoteMTA is the host that rejected the message, when given.
	RemoteMTA string
	// FeedbackType is the ARF Feedback-Type of a complaint ("abuse",
	// "fraud", "auth-failure", ...); empty for bounces.
	FeedbackType string
}

// Report is what Parse reads from one message.
type Report struct {
	// Type says what kind of message this is.
	Type Type
	// Format names the reader that recognised the message: "dsn" (an RFC
	// 3464 part), "dsn-text" (its fields quoted in text), "arf", "ses", the
	// family of a text bounce ("exim", "qmail", "sendmail", "gmail", ... or
	// "text"), the signal of an auto-reply ("auto-submitted", "subject",
	// "challenge", ...), "unread-bounce" for a bounce whose recipients
	// could not be read, or "" for other mail. It is meant for logs and
	// tests; the set of values may grow.
	Format string
	// Results holds one entry per recipient, for bounces and complaints; at
	// most MaxRecipients.
	Results []Result

	// MessageID is the bounce's own Message-ID, without angle brackets.
	MessageID string
	// Subject is the bounce's own decoded Subject.
	Subject string
	// From is the bare, lower-cased address of the bounce's own From.
	From string
	// ReturnPath is the bounce's own Return-Path address; empty for the
	// null sender <>.
	ReturnPath string
	// To, DeliveredTo and XOriginalTo are the bounce's own To, Delivered-To
	// and X-Original-To (or Exim's Envelope-To) addresses, bare and
	// lower-cased: where a VERP return path such as
	// bounces+TOKEN@example.com shows up.
	To          []string
	DeliveredTo []string
	XOriginalTo []string
	// InReplyTo and References are the bounce's own In-Reply-To and
	// References message IDs, without angle brackets.
	InReplyTo  []string
	References []string

	// OriginalMessageID is the Message-ID of the message that bounced,
	// without angle brackets, from the returned message or headers, the
	// quoted headers of a text bounce, or SES's notification; empty when the
	// bounce does not carry it (see InReplyTo and References).
	OriginalMessageID string
	// OriginalFrom is the bare From address of the message that bounced.
	OriginalFrom string
	// OriginalTo lists the bare To addresses of the message that bounced.
	OriginalTo []string
	// OriginalReturnPath is the envelope sender of the message that
	// bounced: its Return-Path, or the DSN's X-Postfix-Sender or
	// Original-Mail-From field; where a VERP token would be.
	OriginalReturnPath string
	// OriginalEnvelopeID is the RFC 3461 ENVID from the DSN's
	// Original-Envelope-Id field.
	OriginalEnvelopeID string
	// OriginalHeaders holds the header fields of the returned message (keys
	// in canonical form, values decoded and unfolded, bounded in number and
	// size); nil when the bounce returns none.
	OriginalHeaders textproto.MIMEHeader

	// Truncated is set when the message was longer than MaxMessageSize or
	// listed more than MaxRecipients recipients.
	Truncated bool
}

// IsBounce reports whether the message is a delivery status notification.
func (r *Report) IsBounce() bool { return r != nil && r.Type == TypeBounce }

// IsComplaint reports whether the message is a feedback report.
func (r *Report) IsComplaint() bool { return r != nil && r.Type == TypeComplaint }

// EnvelopeAddresses returns the distinct addresses the bounce itself was
// delivered to, most specific first: X-Original-To, Delivered-To, then To.
// One of them carries the VERP token when the original was sent with a VERP
// return path.
func (r *Report) EnvelopeAddresses() []string {
	var out []string
	seen := map[string]bool{}
	for _, list := range [][]string{r.XOriginalTo, r.DeliveredTo, r.To} {
		for _, a := range list {
			if a != "" && !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// MessageIDs returns the candidate IDs of the message that bounced, most
// reliable first: OriginalMessageID, then the bounce's own In-Reply-To and
// References (which auto-replies and some bounces carry).
func (r *Report) MessageIDs() []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	add(r.OriginalMessageID)
	for _, id := range r.InReplyTo {
		add(id)
	}
	for _, id := range r.References {
		add(id)
	}
	return out
}

// add appends res unless the recipient is already listed or the report is
// full; it reports whether res was added.
func (r *Report) add(res Result) bool {
	for _, have := range r.Results {
		if have.Recipient == res.Recipient {
			return false
		}
	}
	if len(r.Results) >= MaxRecipients {
		r.Truncated = true
		return false
	}
	r.Results = append(r.Results, res)
	return true
}
