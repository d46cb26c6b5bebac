package statefile_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

// FuzzOpenJournal appends arbitrary bytes to a valid state file. Opening it
// must either fail, leaving the file as it was, or succeed; and after a
// record is appended the file must read back cleanly.
func FuzzOpenJournal(f *testing.F) {
	f.Add([]byte(`{"type":"sending","key":"a","row":1,"message_id":"m"}` + "\n"))
	f.Add([]byte(`{"type":"sending","key":"a","row":1}` + "\n" + `{"type":"delivered","key":"a","row":1,"reply":"250 ok"}`))
	f.Add([]byte(`{"type":"failed","key":"a\u00e9\n","row":2,"code":550,"text":"x\"y"}` + "\n{\"type\":\"fai"))
	f.Add([]byte(`{"type":"campaign","id":"c1","template_hash":"h2","previous_template_hash":"h","version":1}` + "\n"))
	f.Add([]byte("{}\n\x00\x00\x00"))
	f.Add([]byte(`{"type":"sending","key":{"nested":[1,"}"]},"row":1}` + "\n"))
	f.Fuzz(func(t *testing.T, tail []byte) {
		path := filepath.Join(t.TempDir(), "s.state")
		content := append([]byte(`{"type":"campaign","id":"c1","template_hash":"h","version":1}`+"\n"), tail...)
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		_, _ = statefile.Read(path)
		j, err := statefile.Open(path, header("h"))
		if err != nil {
			if b, _ := os.ReadFile(path); !bytes.Equal(b, content) {
				t.Fatalf("failed open (%v) changed the file", err)
			}
			return
		}
		if err := j.Sending(msg(99, "z@example.com")); err != nil {
			t.Fatal(err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		s, err := statefile.Read(path)
		if err != nil {
			t.Fatalf("ReadState after repair: %v", err)
		}
		if s.Recovered != "" {
			t.Fatalf("ReadState after repair: recovered %q", s.Recovered)
		}
		if st, ok := s.RowStatus(99); !ok || st != campaign.StatusSending {
			t.Fatalf("row 99: %q, %v", st, ok)
		}
	})
}
