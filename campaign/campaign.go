// Package campaign holds mailrun's domain: the rows a campaign is made of, the
// messages rendered from them, the outcomes of delivering them, and the small
// interfaces (Source, Renderer, Sender, Journal) that the Runner consumes.
//
// Implementations live elsewhere: render implements Renderer, sender
// implements Sender. Sources, the journal and the runner live here. This
// package imports neither render nor sender.
package campaign

import (
	"context"
	"time"
)

// Row is one recipient row of the data file.
type Row struct {
	// Num is the data-row number: 1 is the first row under the header.
	// Blank rows that were skipped still count, so Num points at the row an
	// operator sees in a spreadsheet (spreadsheet line = Num + 1).
	Num int
	// Fields holds the row's values by column name. Every column of the
	// header is present; a short row gets empty strings.
	Fields map[string]string
}

// Source streams the rows of a data file. Calls must come in this order:
// Columns (any number of times), then Next until it returns io.EOF or a
// non-row error, then Close. Memory does not grow with the number of rows.
type Source interface {
	// Columns returns the column names of the header row, in file order.
	Columns() []string
	// Next returns the next non-blank row. At the end of the data it returns
	// io.EOF. A problem confined to one row is returned as a *RowError and
	// the caller may call Next again; any other error is fatal to the source.
	Next() (Row, error)
	// Close releases the source's resources. It is safe to call twice.
	Close() error
}

// Envelope is the SMTP envelope of a message.
type Envelope struct {
	// From is the bare reverse-path address (MAIL FROM).
	From string
	// To holds every envelope recipient, bare and de-duplicated: the To, Cc
	// and Bcc addresses of the message, in that order.
	To []string
	// Primary is how many leading entries of To come from the message's To
	// header; the rest are Cc and Bcc recipients. Zero means all of them
	// count as To recipients.
	Primary int
}

// Attachment describes one file attached to (or embedded in) a message.
type Attachment struct {
	// Name is the file name as the recipient sees it.
	Name string
	// Path is the file's path on disk.
	Path string
	// Size is the file's size in bytes.
	Size int64
	// Inline is true for an Embed: image referenced from the HTML as cid:Name.
	Inline bool
}

// Message is one rendered message, ready to be sent.
type Message struct {
	// Row is the data-row number the message was rendered from.
	Row int
	// Key identifies the recipient across runs (see Renderer.Key).
	Key string
	// ID is the Message-ID without angle brackets. It is derived from the
	// campaign id and Key, so a message sent again carries the same ID.
	ID string
	// Envelope is the SMTP envelope; Bcc recipients appear only here.
	Envelope Envelope
	// Data is the complete RFC 5322 message with CRLF line endings, headers
	// and body, as it goes after DATA (not dot-stuffed).
	Data []byte
	// Attachments lists the files attached or embedded.
	Attachments []Attachment
	// Relay is set by a sender that spreads messages over several relays,
	// during Send: the name of the relay of the last attempt. It is empty
	// otherwise.
	Relay string
	// Sent and Refused record, across the attempts of the message, what
	// the servers said of each envelope recipient; see Pending, MarkSent
	// and Refuse. Both are nil until an attempt reports something.
	Sent    []string
	Refused []Refusal
}

// Renderer turns rows into messages. A Renderer is safe for concurrent use.
type Renderer interface {
	// Check reports, before any row is rendered, an error for each column
	// the template refers to that columns lacks. A non-nil error is an
	// *InputError and means the run must not start.
	Check(columns []string) error
	// Key returns the recipient key of row: the value of the key column if
	// one was configured, else the lower-cased bare address of the first To
	// recipient. It is cheaper than Render. Errors are *RowError.
	Key(row Row) (string, error)
	// Render builds the message for row. Errors are *RowError: the row
	// fails, the campaign goes on.
	Render(row Row) (*Message, error)
}

// Sender delivers messages. Send is safe for concurrent use; the runner calls
// it from Workers goroutines at most.
type Sender interface {
	// Send makes one delivery attempt of msg to its pending recipients
	// (msg.Pending) and returns the server's final reply to the message
	// data (for example "250 2.0.0 Ok: queued as 4Bx1"; the replies of
	// every transaction, joined by "; ", when the attempt needed several).
	//
	// Send records in msg what the server said of each recipient: MarkSent
	// for those it took the message for, Refuse for those it refused. A nil
	// error means the message reached every pending recipient that Send did
	// not refuse. An error means the attempt failed for the pending
	// recipients not marked sent (an attempt of several transactions may
	// have reached some).
	//
	// Send first waits for what the attempt needs (the sender's rate limit,
	// a connection); if ctx ends meanwhile it returns ctx.Err() and nothing
	// was sent. Just before the first byte of the transaction it calls begin
	// (when not nil): an error from begin ends Send with that error, with
	// nothing sent. From then on the transaction runs to its end, whatever
	// ctx does, bounded by the sender's timeouts; an attempt that tries
	// several servers in turn calls begin before each.
	//
	// A failure is returned as a *DeliveryError whose Class says whether to
	// retry (Temporary), record a failure (Permanent) or stop the run
	// (Fatal). Send does not retry; the runner does.
	Send(ctx context.Context, msg *Message, begin func() error) (reply string, err error)
	// Close ends every connection politely (QUIT) and waits for them.
	Close() error
}

// Journal records what happened to each message, durably. Methods are safe
// for concurrent use.
type Journal interface {
	// Sending records that the first byte of an attempt of msg is about to
	// leave (the Sender's begin). It returns once the record has reached
	// the operating system, so that a crash after this point leaves the
	// message recorded as unknown.
	Sending(msg *Message) error
	// Record appends the outcome o.
	Record(o Outcome) error
	// Previous returns the last recorded status of the recipient key, and
	// false when the key has no record.
	Previous(key string) (Status, bool)
	// Close flushes and syncs what is pending and releases the file.
	Close() error
}

// Status is what is known of a recipient.
type Status string

// The statuses a recipient can have.
const (
	// StatusSending is recorded before an attempt. Left without an outcome
	// after it, it means the outcome is unknown.
	StatusSending Status = "sending"
	// StatusDelivered: the server accepted the message.
	StatusDelivered Status = "delivered"
	// StatusFailed: the server refused the message permanently (5xx), or the
	// row could not be rendered.
	StatusFailed Status = "failed"
	// StatusDeferred: temporary failures remained after every retry.
	StatusDeferred Status = "deferred"
	// StatusDuplicate: the key already appeared earlier in the data.
	StatusDuplicate Status = "duplicate"
	// StatusSuppressed: not sent because a To recipient is on a
	// suppression list (see Suppression).
	StatusSuppressed Status = "suppressed"
	// StatusBounced: a bounce came back after delivery and the address is
	// suppressed (a hard bounce, or the soft bounce that reached the soft
	// limit: see BouncePolicy).
	StatusBounced Status = "bounced"
	// StatusComplained: the recipient reported the message as spam (or
	// fraud, or a virus); the address is suppressed.
	StatusComplained Status = "complained"
	// StatusSoftBounced: a soft bounce below the soft limit. It is
	// counted towards the limit and changes nothing else: it is never a
	// recipient's status (see MergeStatus).
	StatusSoftBounced Status = "soft-bounced"
)

// Outcome is the result of delivering (or not delivering) one row.
type Outcome struct {
	Row       int
	Key       string
	MessageID string
	Status    Status
	// Reply is the server's final reply on delivery, or the error text.
	Reply string
	// Code and Enhanced are the SMTP reply code and enhanced status code of
	// a failure (0 and "" when there was no reply).
	Code     int
	Enhanced string
	// Recipient is the envelope recipient the server refused, if any.
	Recipient string
	// Refused lists the envelope recipients the message did not reach, each
	// with its last refusal: a Cc or Bcc that the server refused while the
	// message went to the others (Status delivered), or the To recipients of
	// a row that failed. Class Temporary means it may be tried again.
	Refused []Refusal
	// Attempts counts the delivery attempts made this run.
	Attempts int
	// Ambiguous is true when an attempt of this run failed after the final
	// "." of DATA: the server may have taken the message (see RecordStatus).
	Ambiguous bool
	// Relay names the relay of the last attempt (Message.Relay), empty
	// when the sender has a single server.
	Relay string
	// Interim is true for the record of an attempt whose message goes on
	// (a retry, or another relay, follows): it settles nothing, and no
	// count of a run's outcomes includes it. It is not recorded.
	Interim bool
	// Kind and Notice are set on the outcomes that bounces and complaints
	// bring later (StatusBounced, StatusSoftBounced, StatusComplained):
	// the kind of the report, and the id of the notice it came from
	// (Notice.ID), by which the same notice read twice is booked once.
	Kind   BounceKind
	Notice string
	Time   time.Time
}
