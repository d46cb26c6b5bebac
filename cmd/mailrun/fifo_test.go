//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// TestSendFromANamedPipe gives --data as a named pipe: every row must be
// sent once, though the pipe can be read only once.
func TestSendFromANamedPipe(t *testing.T) {
	const rows = 5000
	srv := smtptest.Start(t)
	_, tmpl := sendCampaign(t, 0)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "list.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	var b strings.Builder
	b.WriteString("email,name\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "r%d@example.com,R %d\n", i, i)
	}
	// A second reader of the pipe (a count of the rows for the progress
	// line) would take rows from the run's own reading.
	done := make(chan struct{})
	go func() {
		defer close(done)
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		_, _ = f.WriteString(b.String())
		f.Close()
	}()
	r := mailrun(t, "", "send", "--data", fifo, "--template", tmpl, "--smtp", "smtp://"+srv.Addr(), "--state", filepath.Join(dir, "s.state"), "--workers", "8")
	wantCode(t, r, 0)
	if n := len(srv.Messages()); n != rows {
		t.Errorf("the server received %d messages, want %d", n, rows)
	}
	<-done
}

func TestValidateRefusesAWorkbookThatIsNotAFile(t *testing.T) {
	_, tmpl := sendCampaign(t, 0)
	fifo := filepath.Join(t.TempDir(), "list.xlsx")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	r := mailrun(t, "", "validate", "--data", fifo, "--template", tmpl)
	wantCode(t, r, 3)
	wantOneError(t, r, "regular file")
}

// TestAttachANamedPipeFailsTheRow names a FIFO in Attach: validate and send
// must fail that row with the reason, not wait for a writer.
func TestAttachANamedPipeFailsTheRow(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.pdf"), 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	writeFile(t, filepath.Join(dir, "ok.pdf"), "%PDF-1.4\n")
	data, tmpl := filepath.Join(dir, "list.csv"), filepath.Join(dir, "t.html")
	writeFile(t, data, "email,file\nr1@example.com,pipe.pdf\nr2@example.com,ok.pdf\n")
	writeFile(t, tmpl, "From: a@example.com\nTo: {{.email}}\nSubject: hi\nAttach: {{.file}}\n\n<p>Hi</p>\n")
	r := mailrun(t, "", "validate", "--data", data, "--template", tmpl)
	wantCode(t, r, 3)
	if !strings.Contains(r.stdout, `row 1 (r1@example.com): column "file": render: Attach: "pipe.pdf": not a regular file`) {
		t.Errorf("validate does not name the row and the reason:\n%s", r.stdout)
	}
	srv := smtptest.Start(t)
	wantCode(t, mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+srv.Addr(), "-q"), 4)
	if got := srv.PerRecipient(); got["r2@example.com"] != 1 || got["r1@example.com"] != 0 {
		t.Errorf("the server received %v, want r2's message only", got)
	}
}
