package mailbox_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign/mailbox"
)

// collect returns the sources and data of every message mb yields.
func collect(t *testing.T, mb mailbox.Mailbox) (sources, data []string) {
	t.Helper()
	err := mb.Each(context.Background(), func(m *mailbox.Message) error {
		sources = append(sources, m.Source)
		data = append(data, string(m.Data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sources, data
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestMbox(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mbox")
	write(t, path, "From MAILER-DAEMON Mon Jan  1 00:00:00 2026\n"+
		"Subject: one\n\nFrom the start\n>From quoted\n>>From twice\n\n"+
		"From someone@example.com Mon Jan  1 00:00:01 2026\n"+
		"Subject: two\n\nbody\n")
	mb, err := mailbox.OpenMbox(path)
	if err != nil {
		t.Fatal(err)
	}
	sources, data := collect(t, mb)
	want := []string{
		"Subject: one\n\nFrom the start\nFrom quoted\n>From twice\n",
		"Subject: two\n\nbody",
	}
	if len(data) != 2 || data[0] != want[0] || data[1] != want[1] {
		t.Fatalf("messages %q, want %q", data, want)
	}
	if sources[0] != path+"#1" || sources[1] != path+"#2" {
		t.Errorf("sources %q, want %s#1 and #2", sources, path)
	}
	if _, err := mailbox.OpenMbox(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing mbox opened")
	}
}

func TestMaildirAndFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "new", "1700000002.M1.host"), "Subject: b\n\nb")
	write(t, filepath.Join(dir, "cur", "1700000001.M1.host:2,S"), "Subject: a\n\na")
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "tmp", "1700000003.M1.host"), "Subject: being delivered\n\nc")
	md, err := mailbox.OpenMaildir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, data := collect(t, md)
	if strings.Join(data, "|") != "Subject: a\n\na|Subject: b\n\nb" {
		t.Errorf("maildir messages %q, want a then b (name order, tmp/ left alone)", data)
	}
	if _, err := mailbox.OpenMaildir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a Maildir") {
		t.Errorf("empty folder: %v, want 'not a Maildir'", err)
	}

	eml := filepath.Join(t.TempDir(), "x.eml")
	write(t, eml, "Subject: x\n\nx")
	sources, data := collect(t, mailbox.NewFiles(eml))
	if len(data) != 1 || sources[0] != eml || data[0] != "Subject: x\n\nx" {
		t.Errorf("eml: %q %q", sources, data)
	}
	err = mailbox.NewFiles(eml+".missing").Each(context.Background(), func(*mailbox.Message) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "x.eml.missing") {
		t.Errorf("missing file: %v, want an error naming it", err)
	}
}

func TestParseIMAPURL(t *testing.T) {
	tests := []struct {
		in, addr, user, box string
		starttls            bool
		err                 string
	}{
		{in: "imaps://bounces@imap.example.com/INBOX", addr: "imap.example.com:993", user: "bounces", box: "INBOX"},
		{in: "imaps://me@example.com@127.0.0.1:2611/Archive/Bounces", addr: "127.0.0.1:2611", user: "me@example.com", box: "Archive/Bounces"},
		{in: "imap://me%40example.com@mail.example.com", addr: "mail.example.com:143", user: "me@example.com", box: "INBOX", starttls: true},
		{in: "imaps://me:secret@example.com/INBOX", err: "password"},
		{in: "imaps://example.com/INBOX", err: "no user"},
		{in: "pop3://me@example.com", err: "scheme"},
	}
	for _, tt := range tests {
		ep, err := mailbox.ParseIMAPURL(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "secret") {
				t.Errorf("%s: error %v, want one about %q without the password", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || ep.Addr != tt.addr || ep.User != tt.user || ep.Mailbox != tt.box || ep.StartTLS != tt.starttls {
			t.Errorf("%s: %+v, %v", tt.in, ep, err)
		}
	}
}
