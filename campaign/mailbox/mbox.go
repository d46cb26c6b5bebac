package mailbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
)

// Mbox is a Mailbox of the messages of an mbox file: each starts at a
// "From SENDER DATE" line at the start of the file or after an empty line.
// Lines quoted as ">From " (one or more '>') lose one '>' (mboxrd), and
// the "From " line itself is not part of the message. The file is only
// read.
type Mbox struct {
	path string
}

// OpenMbox returns the mbox file at path; it must exist.
func OpenMbox(path string) (*Mbox, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("mailbox: %w", err)
	}
	return &Mbox{path: path}, nil
}

// Each calls fn with each message, its Source "PATH#N" (N from 1).
func (m *Mbox) Each(ctx context.Context, fn func(*Message) error) error {
	f, err := os.Open(m.path)
	if err != nil {
		return fmt.Errorf("mailbox: %w", err)
	}
	defer f.Close()
	return splitMbox(ctx, f, m.path, fn)
}

// splitMbox reads the mbox r, naming messages after name.
func splitMbox(ctx context.Context, r io.Reader, name string, fn func(*Message) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		cur       *Message
		n         int
		prevBlank = true
	)
	flush := func() error {
		if cur == nil {
			return nil
		}
		msg := cur
		cur = nil
		// The empty line before the next "From " belongs to the format.
		msg.Data = bytes.TrimSuffix(msg.Data, []byte("\n"))
		msg.Data = bytes.TrimSuffix(msg.Data, []byte("\r"))
		return fn(msg)
	}
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			switch {
			case prevBlank && fromLine.Match(line):
				if ferr := flush(); ferr != nil {
					return ferr
				}
				if cerr := ctx.Err(); cerr != nil {
					return cerr
				}
				n++
				cur = &Message{Source: name + "#" + strconv.Itoa(n)}
			case cur == nil:
				// Text before the first "From " line is not a message.
			default:
				if quotedFrom(line) {
					line = line[1:]
				}
				if len(cur.Data)+len(line) > MaxSize {
					cur.Data = append(cur.Data, line[:MaxSize-len(cur.Data)]...)
					cur.Truncated = true
				} else if !cur.Truncated {
					cur.Data = append(cur.Data, line...)
				}
			}
			prevBlank = len(bytes.TrimRight(line, "\r\n")) == 0
		}
		if errors.Is(err, io.EOF) {
			return flush()
		}
		if err != nil {
			return fmt.Errorf("mailbox: read %s: %w", name, err)
		}
	}
}

// fromLine matches the line that starts a message: "From ", the envelope
// sender and a date (a digit somewhere), so that an unquoted "From the
// start" in a body does not split it.
var fromLine = regexp.MustCompile(`^From \S+ .*[0-9]`)

// quotedFrom reports whether line is ">From " behind one or more '>'.
func quotedFrom(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return i > 0 && bytes.HasPrefix(line[i:], []byte("From "))
}

// Done does nothing: the file is only read.
func (m *Mbox) Done(context.Context, []*Message) error { return nil }

// Close does nothing.
func (m *Mbox) Close() error { return nil }
