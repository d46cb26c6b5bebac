package mailbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailrun/mailrun/campaign/mailbox"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// appendMessage stores a message holding token in the Dovecot folder
// name, over IMAP.
func appendMessage(t *testing.T, d *smtptest.DovecotServer, folder, token string) {
	t.Helper()
	c := dialDovecot(t, d)
	defer c.Close()
	msg := fmt.Sprintf("From: a@example.test\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@example.test>\r\n\r\nbody %s\r\n", d.User, token, token, token)
	cmd := c.Append(folder, int64(len(msg)), nil)
	if _, err := cmd.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("append: %v", err)
	}
}

// newFolder creates a folder of the test's own on the Dovecot, so that a
// test never reads or marks the shared INBOX, where other tests' bounces
// land.
func newFolder(t *testing.T, d *smtptest.DovecotServer, name string) string {
	t.Helper()
	c := dialDovecot(t, d)
	defer c.Close()
	if err := c.Create(name, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	return name
}

func dialDovecot(t *testing.T, d *smtptest.DovecotServer) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialTLS(d.IMAPS, &imapclient.Options{TLSConfig: d.TLSConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(d.User, d.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// mine reads the mailbox and returns the messages that hold token.
func mine(t *testing.T, mb mailbox.Mailbox, token string) []*mailbox.Message {
	t.Helper()
	var out []*mailbox.Message
	err := mb.Each(context.Background(), func(m *mailbox.Message) error {
		if bytes.Contains(m.Data, []byte(token)) {
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func imapURL(d *smtptest.DovecotServer, folder string) mailbox.IMAPEndpoint {
	ep, err := mailbox.ParseIMAPURL("imaps://" + d.User + "@" + d.IMAPS + "/" + folder)
	if err != nil {
		panic(err)
	}
	return ep
}

func TestIMAPMarksProcessedMessages(t *testing.T) {
	d := smtptest.Dovecot(t)
	token := smtptest.Token(t)
	box := newFolder(t, d, "Test-"+token)
	appendMessage(t, d, box, token)
	appendMessage(t, d, box, token+"b")

	ctx := context.Background()
	mb, err := mailbox.DialIMAP(ctx, imapURL(d, box), mailbox.IMAPOptions{Password: d.Password, RootCAs: d.RootCAs(t), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	got := mine(t, mb, token)
	if len(got) != 2 {
		t.Fatalf("read %d messages with the token, want 2", len(got))
	}
	for _, m := range got {
		if !strings.HasPrefix(m.Source, "imap:"+box+";UID=") {
			t.Errorf("source %q, want imap:%s;UID=N", m.Source, box)
		}
	}
	if err := mb.Done(ctx, got[:1]); err != nil {
		t.Fatal(err)
	}
	again := mine(t, mb, token)
	if len(again) != 1 || again[0].Source != got[1].Source {
		t.Fatalf("second read: %d messages, want only the unmarked one %s", len(again), got[1].Source)
	}

	// --all reads marked ones too, and nothing was deleted or moved.
	all, err := mailbox.DialIMAP(ctx, imapURL(d, box), mailbox.IMAPOptions{Password: d.Password, RootCAs: d.RootCAs(t), All: true})
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	if n := len(mine(t, all, token)); n != 2 {
		t.Errorf("with All: %d messages, want 2", n)
	}
}

func TestIMAPMovesReports(t *testing.T) {
	d := smtptest.Dovecot(t)
	token := smtptest.Token(t)
	box := newFolder(t, d, "Test-"+token)
	folder := newFolder(t, d, "Bounces-"+token)
	appendMessage(t, d, box, token)
	appendMessage(t, d, box, token+"human")

	ctx := context.Background()
	opts := mailbox.IMAPOptions{Password: d.Password, RootCAs: d.RootCAs(t), MoveTo: folder}
	mb, err := mailbox.DialIMAP(ctx, imapURL(d, box), opts)
	if err != nil {
		t.Fatal(err)
	}
	got := mine(t, mb, token)
	if len(got) != 2 {
		t.Fatalf("read %d, want 2", len(got))
	}
	for _, m := range got {
		m.Report = !bytes.Contains(m.Data, []byte("human"))
	}
	if err := mb.Done(ctx, got); err != nil {
		t.Fatal(err)
	}
	mb.Close()

	moved, err := mailbox.DialIMAP(ctx, imapURL(d, folder), mailbox.IMAPOptions{Password: d.Password, RootCAs: d.RootCAs(t), All: true})
	if err != nil {
		t.Fatal(err)
	}
	defer moved.Close()
	in := mine(t, moved, token)
	if len(in) != 1 || bytes.Contains(in[0].Data, []byte("human")) {
		t.Fatalf("%s holds %d messages, want the report only", folder, len(in))
	}
	src, err := mailbox.DialIMAP(ctx, imapURL(d, box), mailbox.IMAPOptions{Password: d.Password, RootCAs: d.RootCAs(t), All: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	left := mine(t, src, token)
	if len(left) != 1 || !bytes.Contains(left[0].Data, []byte("human")) {
		t.Fatalf("%s keeps %d of the messages, want the other mail only", box, len(left))
	}
}

func TestIMAPRefusals(t *testing.T) {
	d := smtptest.Dovecot(t)
	ctx := context.Background()
	_, err := mailbox.DialIMAP(ctx, imapURL(d, d.Mailbox), mailbox.IMAPOptions{Password: "wrong", RootCAs: d.RootCAs(t)})
	var ae *mailbox.AuthError
	if !errors.As(err, &ae) || strings.Contains(err.Error(), "wrong") {
		t.Errorf("bad password: %v, want an *AuthError without the password", err)
	}
	// The system's roots do not know the test CA: TLS is verified.
	_, err = mailbox.DialIMAP(ctx, imapURL(d, d.Mailbox), mailbox.IMAPOptions{Password: d.Password})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("unknown CA: %v, want a certificate error", err)
	}
	_, err = mailbox.DialIMAP(ctx, imapURL(d, d.Mailbox), mailbox.IMAPOptions{Password: d.Password, RootCAs: d.RootCAs(t), MoveTo: "NoSuchFolder-" + smtptest.Token(t)})
	if err == nil || !strings.Contains(err.Error(), "NoSuchFolder") {
		t.Errorf("missing move folder: %v, want an error naming it", err)
	}
	_, err = mailbox.DialIMAP(ctx, imapURL(d, "NoSuchBox"), mailbox.IMAPOptions{Password: d.Password, RootCAs: d.RootCAs(t)})
	if err == nil || !strings.Contains(err.Error(), "NoSuchBox") {
		t.Errorf("missing mailbox: %v, want an error naming it", err)
	}
}
