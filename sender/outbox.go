package sender

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/mailrun/mailrun/campaign"
)

// Outbox writes messages to a directory as .eml files instead of sending
// them, and never opens a network connection: it is the Sender of dry runs,
// and preview writes its messages through it.
//
// A message becomes "<row>-<key>.eml" (the row zero-padded to 6 digits, the
// key reduced to letters, digits and ._@+-; see Name), holding msg.Data
// unchanged, and a sidecar "<row>-<key>.envelope" holding the SMTP envelope
// as the commands a real send would use ("MAIL FROM:<...>" and one "RCPT
// TO:<...>" line per recipient), so that Bcc recipients can be checked.
// Files are written atomically with mode 0600; a file from an earlier run is
// replaced.
type Outbox struct {
	dir string
}

var _ campaign.Sender = (*Outbox)(nil)

// NewOutbox returns an Outbox writing into dir, which it creates (mode
// 0700) if needed.
func NewOutbox(dir string) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sender: outbox: %w", err)
	}
	return &Outbox{dir: dir}, nil
}

// Send writes msg and its envelope and returns "dry-run: wrote <file>". A
// failure to write is a Fatal *campaign.DeliveryError (the disk is full or
// the directory unusable: no later message would fare better). It returns
// ctx.Err() if ctx has ended, and calls begin before it writes.
func (o *Outbox) Send(ctx context.Context, msg *campaign.Message, begin func() error) (string, error) {
	if err := start(ctx, begin); err != nil {
		return "", err
	}
	base := filepath.Join(o.dir, strings.TrimSuffix(Name(msg), ".eml"))
	var env strings.Builder
	fmt.Fprintf(&env, "MAIL FROM:<%s>\r\n", msg.Envelope.From)
	for _, to := range msg.Envelope.To {
		fmt.Fprintf(&env, "RCPT TO:<%s>\r\n", to)
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{base + ".eml", msg.Data}, {base + ".envelope", []byte(env.String())}} {
		if err := writeFile(f.path, f.data); err != nil {
			return "", &campaign.DeliveryError{Class: campaign.Fatal, Text: "dry-run: " + err.Error(), Err: err}
		}
	}
	return "dry-run: wrote " + base + ".eml", nil
}

// Name returns the file name Send gives msg: "000042-ann@example.com.eml".
func Name(msg *campaign.Message) string {
	return fmt.Sprintf("%06d-%s.eml", msg.Row, fileKey(msg.Key))
}

// outboxFile matches the names of the files Send writes.
var outboxFile = regexp.MustCompile(`^[0-9]{6,}-.*\.(eml|envelope)$`)

// Clear removes from the directory the files that an Outbox writes (the
// .eml and .envelope files of an earlier run) and nothing else.
func (o *Outbox) Clear() error {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return fmt.Errorf("sender: outbox: %w", err)
	}
	for _, de := range entries {
		if de.Type().IsRegular() && outboxFile.MatchString(de.Name()) {
			if err := os.Remove(filepath.Join(o.dir, de.Name())); err != nil {
				return fmt.Errorf("sender: outbox: %w", err)
			}
		}
	}
	return nil
}

// WriteFile writes data to the file name in the directory, atomically
// and with mode 0600, replacing any file of that name.
func (o *Outbox) WriteFile(name string, data []byte) error {
	if err := writeFile(filepath.Join(o.dir, name), data); err != nil {
		return fmt.Errorf("sender: outbox: %w", err)
	}
	return nil
}

// Close does nothing and returns nil.
func (o *Outbox) Close() error { return nil }

// writeFile writes data to path atomically with mode 0600.
func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".outbox-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// fileKey reduces a recipient key to a safe file name part: letters,
// digits and ._@+- kept, anything else "_", at most 100 bytes, never
// starting with a dot, "nokey" when empty.
func fileKey(key string) string {
	var b strings.Builder
	for _, r := range key {
		if b.Len() >= 100 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("._@+-", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" {
		return "nokey"
	}
	if s[0] == '.' {
		s = "_" + s[1:]
	}
	return s
}
