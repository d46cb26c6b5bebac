package sender_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender"
)

func TestOutbox(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := sender.NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	msg := message(42, "to@example.com", "bcc@example.com")
	msg.Key = "../Tö@example.com"
	reply, err := o.Send(context.Background(), msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "000042-_._T_@example.com")
	if want := "dry-run: wrote " + base + ".eml"; reply != want {
		t.Errorf("reply %q, want %q", reply, want)
	}
	tests := []struct{ path, want string }{
		{base + ".eml", testData},
		{base + ".envelope", "MAIL FROM:<news@example.com>\r\nRCPT TO:<to@example.com>\r\nRCPT TO:<bcc@example.com>\r\n"},
	}
	for _, tt := range tests {
		got, err := os.ReadFile(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("%s = %q, want %q", tt.path, got, tt.want)
		}
		if fi, _ := os.Stat(tt.path); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", tt.path, fi.Mode().Perm())
		}
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("outbox mode %v, want 0700", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("outbox holds %d files, want 2", len(entries))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := o.Send(ctx, msg, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context: %v", err)
	}
}

func TestOutboxUnwritable(t *testing.T) {
	dir := t.TempDir()
	o, err := sender.NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	_, err = o.Send(context.Background(), message(1), nil)
	if campaign.ClassOf(err) != campaign.Fatal {
		t.Errorf("Send into a removed directory: %v, want a fatal error", err)
	}
}
