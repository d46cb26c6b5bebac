package mailbox

import (
	"context"
	"fmt"
	"os"
)

// Files is a Mailbox of message files (.eml), one message each, read in the
// order given.
type Files struct {
	paths []string
}

// NewFiles returns the Mailbox of the message files at paths.
func NewFiles(paths ...string) *Files { return &Files{paths: paths} }

// Each calls fn with each file's message. A file that cannot be read
// ends Each with an error that names it.
func (f *Files) Each(ctx context.Context, fn func(*Message) error) error {
	for _, p := range f.paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		m, err := readFile(p)
		if err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// readFile reads the message file at path.
func readFile(path string) (*Message, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mailbox: %w", err)
	}
	defer fh.Close()
	data, truncated, err := readMessage(fh)
	if err != nil {
		return nil, fmt.Errorf("mailbox: read %s: %w", path, err)
	}
	return &Message{Source: path, Data: data, Truncated: truncated}, nil
}

// Done does nothing: files are only read.
func (f *Files) Done(context.Context, []*Message) error { return nil }

// Close does nothing.
func (f *Files) Close() error { return nil }
