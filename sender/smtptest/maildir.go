package smtptest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Token returns a new unique token ("mrt" and 16 hex digits) to put in a
// message's Subject, Message-ID or recipient local part, so that the
// test finds its own messages among everyone else's.
func Token(t testing.TB) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("smtptest: token: %v", err)
	}
	return "mrt" + hex.EncodeToString(b)
}

// Delivery is one message file in a Maildir.
type Delivery struct {
	// Path is the file; Name is its unique Maildir name, the same in new/
	// and cur/.
	Path, Name string
	// Data is the file's content as Postfix stored it: the message with
	// Return-Path, Delivered-To and Received headers added and LF line
	// ends.
	Data []byte
}

// Header returns the first header field called key, or "".
func (d Delivery) Header(key string) string {
	m, err := mail.ReadMessage(bytes.NewReader(d.Data))
	if err != nil {
		return ""
	}
	return m.Header.Get(key)
}

// readMaildir returns the messages of a Maildir (new/ and cur/) in name
// order. A file that moves from new/ to cur/ while it reads (an IMAP
// client saw it) is read again.
func readMaildir(dir string) ([]Delivery, error) {
	for attempt := 0; ; attempt++ {
		var paths []string
		for _, sub := range []string{"new", "cur"} {
			ents, err := os.ReadDir(filepath.Join(dir, sub))
			if err != nil {
				return nil, err
			}
			for _, e := range ents {
				if e.Type().IsRegular() {
					paths = append(paths, filepath.Join(dir, sub, e.Name()))
				}
			}
		}
		seen := map[string]bool{}
		var out []Delivery
		moved := false
		for _, path := range paths {
			name, _, _ := strings.Cut(filepath.Base(path), ":")
			if seen[name] {
				continue
			}
			data, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				moved = true
				continue
			}
			if err != nil {
				return nil, err
			}
			seen[name] = true
			out = append(out, Delivery{Path: path, Name: name, Data: data})
		}
		if !moved || attempt == 4 {
			slices.SortFunc(out, func(a, b Delivery) int { return strings.Compare(a.Name, b.Name) })
			return out, nil
		}
	}
}

// containing returns the messages of dir whose text contains token.
func containing(t testing.TB, dir, token string) []Delivery {
	t.Helper()
	all, err := readMaildir(dir)
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	var out []Delivery
	for _, d := range all {
		if bytes.Contains(d.Data, []byte(token)) {
			out = append(out, d)
		}
	}
	return out
}

// poll calls f every 50 ms until it returns true, and fails the test with
// the message of what() after RealWait.
func poll(t testing.TB, f func() bool, what func() string) {
	t.Helper()
	if f() {
		return
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(RealWait)
	defer deadline.Stop()
	for {
		select {
		case <-tick.C:
			if f() {
				return
			}
		case <-deadline.C:
			t.Fatalf("smtptest: after %v: %s", RealWait, what())
		}
	}
}

// Delivered returns the paths of all messages in Maildir (new/ and cur/),
// everyone's. Prefer Messages when other tests may use the server.
func (p *PostfixServer) Delivered(t testing.TB) []string {
	t.Helper()
	all, err := readMaildir(p.Maildir)
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	paths := make([]string, len(all))
	for i, d := range all {
		paths[i] = d.Path
	}
	return paths
}

// WaitDelivered waits until Maildir holds at least n messages (Postfix
// delivers through its queue, after its reply to the final dot) and
// returns their paths. It counts everyone's messages: prefer WaitMessages.
func (p *PostfixServer) WaitDelivered(t testing.TB, n int) []string {
	t.Helper()
	var got []string
	poll(t, func() bool {
		got = p.Delivered(t)
		return len(got) >= n
	}, func() string { return fmt.Sprintf("%d messages in %s, want %d", len(got), p.Maildir, n) })
	return got
}

// ClearMaildir deletes every delivered message: those in Maildir and the
// DSNs in BounceMaildir. Only for a test that has the instance to itself.
func (p *PostfixServer) ClearMaildir(t testing.TB) {
	t.Helper()
	for _, dir := range []string{p.Maildir, p.BounceMaildir} {
		for _, sub := range []string{"new", "cur"} {
			ents, err := os.ReadDir(filepath.Join(dir, sub))
			if err != nil {
				t.Fatalf("smtptest: %v", err)
			}
			for _, e := range ents {
				err := os.Remove(filepath.Join(dir, sub, e.Name()))
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("smtptest: %v", err)
				}
			}
		}
	}
}

// Messages returns the delivered messages (in Maildir) whose text
// contains token, in delivery order.
func (p *PostfixServer) Messages(t testing.TB, token string) []Delivery {
	t.Helper()
	return containing(t, p.Maildir, token)
}

// WaitMessages waits until at least n delivered messages contain token and
// returns them. To check that no more arrive later, wait for the queue ids
// with WaitRemoved first, then count again with Messages.
func (p *PostfixServer) WaitMessages(t testing.TB, token string, n int) []Delivery {
	t.Helper()
	return waitContaining(t, p.Maildir, token, n)
}

// Bounces returns the messages in BounceMaildir (User's mailbox: the DSNs
// of the bounce scenario, which quote the bounced message) that contain
// token.
func (p *PostfixServer) Bounces(t testing.TB, token string) []Delivery {
	t.Helper()
	return containing(t, p.BounceMaildir, token)
}

// WaitBounces waits until at least n messages in BounceMaildir contain
// token and returns them.
func (p *PostfixServer) WaitBounces(t testing.TB, token string, n int) []Delivery {
	t.Helper()
	return waitContaining(t, p.BounceMaildir, token, n)
}

// waitContaining waits until at least n messages in the Maildir dir
// contain token and returns them.
func waitContaining(t testing.TB, dir, token string, n int) []Delivery {
	t.Helper()
	var got []Delivery
	poll(t, func() bool {
		got = containing(t, dir, token)
		return len(got) >= n
	}, func() string {
		return fmt.Sprintf("%d messages containing %q in %s, want %d", len(got), token, dir, n)
	})
	return got
}
