//go:build unix

package render_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

func TestAttachmentsMustBeRegularFilesUnderTheLimit(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big.pdf"), make([]byte, 2<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.pdf"), 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	cases := map[string]string{
		"fifo.pdf": `Attach: "fifo.pdf": not a regular file`,
		"big.pdf":  `Attach: "big.pdf" holds more than 1 KiB`,
	}
	if err := syscall.Mknod(filepath.Join(dir, "zero"), syscall.S_IFCHR|0o600, 1<<8|5); err == nil {
		cases["zero"] = `Attach: "zero": not a regular file`
	}
	tmpl := mustTemplate(t, dir, "From: a@example.com\nTo: b@example.com\nAttach: {{.f}}\n\nx\n", render.Options{MaxAttachmentSize: 1 << 10})
	for f, want := range cases {
		done := make(chan error, 1)
		go func() {
			_, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{"f": f}})
			done <- err
		}()
		select {
		case err := <-done:
			var re *campaign.RowError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), want) {
				t.Errorf("Attach: %s: %v, want a row error with %q", f, err, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Attach: %s: Render hangs", f)
		}
	}
}
