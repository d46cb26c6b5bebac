// Package mailbox reads the messages of a mailbox: an IMAP folder, a
// Maildir, an mbox file, or single message files (.eml). It reads raw
// messages and knows nothing of what they say; mailrun's bounces command
// hands them to the bounce parser.
//
// An IMAP folder is never changed but for what Done asks: processed
// messages get a keyword, so that the next run reads only new ones, or are
// moved to another folder. Files are only read.
package mailbox

import (
	"context"
	"io"
)

// MaxSize is the most bytes of one message a Mailbox returns; a longer
// message is cut there and Message.Truncated is set.
const MaxSize = 10 << 20

// Message is one message read from a mailbox.
type Message struct {
	// Source says where the message is: a file path, "FILE#N" for the
	// Nth message of an mbox file, or "imap:MAILBOX;UID=N".
	Source string
	// Data is the raw message, at most MaxSize bytes.
	Data []byte
	// Truncated is set when the message was longer than MaxSize.
	Truncated bool
	// Report is set by the caller before Done for a bounce or complaint:
	// with a move folder, an IMAP mailbox moves reports there and only
	// marks other mail.
	Report bool

	uid uint32 // IMAP UID, 0 for files
}

// Mailbox is a source of messages. Call Each, then Done with the messages
// that were processed, then Close.
type Mailbox interface {
	// Each calls fn with each message that is not yet marked processed, in
	// mailbox order, and stops at fn's first error or when ctx ends,
	// returning that error.
	Each(ctx context.Context, fn func(*Message) error) error
	// Done marks msgs processed (see IMAPOptions); for files it does
	// nothing.
	Done(ctx context.Context, msgs []*Message) error
	// Close releases the mailbox. It is safe to call twice.
	Close() error
}

// readMessage reads at most MaxSize bytes of a message from r, reporting
// whether there was more.
func readMessage(r io.Reader) ([]byte, bool, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if len(data) > MaxSize {
		return data[:MaxSize], true, err
	}
	return data, false, err
}
