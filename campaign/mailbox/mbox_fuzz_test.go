package mailbox

import (
	"bytes"
	"context"
	"strconv"
	"testing"
)

// FuzzSplitMbox checks that any input splits without panicking into
// messages numbered from 1, none longer than MaxSize, that together hold no
// more than the input (less the "From " lines).
func FuzzSplitMbox(f *testing.F) {
	f.Add([]byte("From a@b Mon Jan  1 00:00:00 2026\nSubject: x\n\n>From y\n\nFrom c@d Mon Jan  1 00:00:01 2026\n\nz\n"))
	f.Add([]byte("no separator\nFrom x 1\n"))
	f.Add([]byte("From x 1\r\n\r\nFrom y 2\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, total := 0, 0
		err := splitMbox(context.Background(), bytes.NewReader(data), "f", func(m *Message) error {
			n++
			if m.Source != "f#"+strconv.Itoa(n) {
				t.Fatalf("message %d: source %q", n, m.Source)
			}
			if len(m.Data) > MaxSize {
				t.Fatalf("message %d: %d bytes", n, len(m.Data))
			}
			total += len(m.Data)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if total > len(data) {
			t.Fatalf("%d bytes of messages from %d bytes of input", total, len(data))
		}
	})
}
