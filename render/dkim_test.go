package render_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
	"github.com/mailrun/mailrun/sender"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// testKey is a DKIM key written as a PEM file, with its DNS record.
type testKey struct {
	name   string
	path   string // PEM file
	record string // the TXT record of selector._domainkey.domain
	signer crypto.Signer
}

var (
	rsaKeyOnce sync.Once
	rsaKey     *rsa.PrivateKey
)

// newTestKeys generates an RSA-2048 key (once per test binary: it takes a
// while) and an Ed25519 key and writes them as PEM files in a temporary
// folder: PKCS #1 for RSA, PKCS #8 for Ed25519.
func newTestKeys(t testing.TB) []testKey {
	t.Helper()
	rsaKeyOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rsaPub, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ed8, err := x509.MarshalPKCS8PrivateKey(edKey)
	if err != nil {
		t.Fatal(err)
	}
	keys := []testKey{
		{name: "rsa", signer: rsaKey, record: "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(rsaPub),
			path: writePEM(t, dir, "rsa.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey))},
		{name: "ed25519", signer: edKey, record: "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(edKey.Public().(ed25519.PublicKey)),
			path: writePEM(t, dir, "ed25519.pem", "PRIVATE KEY", ed8)},
	}
	return keys
}

func writePEM(t testing.TB, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// verifyDKIM verifies the one DKIM signature of data against record, the
// key of sel._domainkey.example.com, and returns it.
func verifyDKIM(data []byte, record string) (*dkim.Verification, error) {
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(data), &dkim.VerifyOptions{
		LookupTXT: func(domain string) ([]string, error) {
			if domain != "sel._domainkey.example.com" {
				return nil, errors.New("no such record: " + domain)
			}
			return []string{record}, nil
		},
	})
	if err != nil {
		return nil, err
	}
	if len(vs) != 1 {
		return nil, errors.New("want exactly one signature")
	}
	return vs[0], vs[0].Err
}

// deliver sends msgs through a real SMTP conversation over loopback and
// returns the messages as the server received them.
func deliver(t *testing.T, msgs []*campaign.Message) []smtptest.Message {
	t.Helper()
	srv := smtptest.Start(t)
	pool, err := sender.NewPool(sender.Config{URL: srv.URL(), Workers: 2, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if _, err := pool.Send(context.Background(), m, nil); err != nil {
			t.Fatalf("row %d: %v", m.Row, err)
		}
	}
	if err := pool.Close(); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != len(msgs) {
		t.Fatalf("the server received %d messages, want %d", len(got), len(msgs))
	}
	return got
}

func TestDKIMSignaturesVerifyAfterSMTP(t *testing.T) {
	examples := []struct {
		dir, data string
		opts      render.Options
		unsubPost bool
	}{
		// The newsletter sets List-Unsubscribe in its template.
		{"newsletter", "recipients.csv", newsletterOptions(), false},
		{"invoices", "recipients.xlsx", render.Options{UnsubscribeURL: "https://billing.example.com/unsubscribe?invoice={{.invoice_no | urlquery}}"}, true},
	}
	for _, key := range newTestKeys(t) {
		for _, ex := range examples {
			t.Run(key.name+"/"+ex.dir, func(t *testing.T) {
				signer, err := render.LoadDKIMKey(key.path)
				if err != nil {
					t.Fatal(err)
				}
				opts := ex.opts
				opts.CampaignID, opts.Now = campaignID, now
				opts.DKIM = &render.DKIM{Selector: "sel", Key: signer} // domain: the From domain
				tmpl, err := render.New(exampleTemplate(ex.dir), opts)
				if err != nil {
					t.Fatal(err)
				}
				cols, rows := readRows(t, filepath.Join("..", "examples", ex.dir, ex.data))
				if err := tmpl.Check(cols); err != nil {
					t.Fatal(err)
				}
				var msgs []*campaign.Message
				for _, row := range rows {
					msg, err := tmpl.Render(row)
					if err != nil {
						t.Fatalf("row %d: %v", row.Num, err)
					}
					checkSignatureLines(t, msg.Data)
					msgs = append(msgs, msg)
				}
				want := []string{"from", "to", "subject", "date", "message-id", "list-unsubscribe", "mime-version", "content-type"}
				if ex.unsubPost {
					want = append(want, "list-unsubscribe-post")
				}
				for i, m := range deliver(t, msgs) {
					v, err := verifyDKIM(m.Data, key.record)
					if err != nil {
						t.Fatalf("message %d does not verify: %v\n%s", i, err, head(m.Data))
					}
					if v.Domain != "example.com" {
						t.Errorf("message %d: d=%s, want example.com", i, v.Domain)
					}
					signed := strings.ToLower(strings.Join(v.HeaderKeys, ":"))
					for _, h := range want {
						if !slices.Contains(strings.Split(signed, ":"), h) {
							t.Errorf("message %d: the signature does not cover %s (h=%s)", i, h, signed)
						}
					}
					if ex.unsubPost && !bytes.Contains(m.Data, []byte("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")) {
						t.Errorf("message %d has no List-Unsubscribe-Post header", i)
					}
					for name, tampered := range map[string][]byte{
						"body":    tamper(m.Data, "\r\n\r\n", "Dear", "Deer"),
						"subject": tamper(m.Data, "\r\nSubject: ", "", "x"),
					} {
						if _, err := verifyDKIM(tampered, key.record); err == nil {
							t.Errorf("message %d with a tampered %s verifies", i, name)
						}
					}
				}
			})
		}
	}
}

// tamper returns a copy of data changed after the first after: old
// replaced by new, or (old empty) new inserted. Without old in the rest it
// changes the last letter before the final line break.
func tamper(data []byte, after, old, new string) []byte {
	out := bytes.Clone(data)
	i := bytes.Index(out, []byte(after)) + len(after)
	rest := out[i:]
	switch j := bytes.Index(rest, []byte(old)); {
	case old == "":
		return append(out[:i:i], append([]byte(new), rest...)...)
	case j >= 0:
		return append(out[:i+j:i+j], append([]byte(new), rest[j+len(old):]...)...)
	}
	k := bytes.LastIndexAny(out, "abcdefghijklmnopqrstuvwxyz")
	out[k] ^= 0x20
	return out
}

// head returns the header block of data, for failure messages.
func head(data []byte) []byte {
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		return data[:i]
	}
	return data
}

// checkSignatureLines checks that data starts with a DKIM-Signature header
// whose lines are at most 78 octets long, but for the h= tag (which cannot
// be folded without breaking the signature), and that the rest of the
// message keeps to 78 octets too.
func checkSignatureLines(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("DKIM-Signature: v=1; ")) {
		t.Fatalf("the message does not start with a DKIM-Signature header:\n%s", head(data))
	}
	end := 0
	for {
		n := bytes.Index(data[end:], []byte("\r\n"))
		line := data[end : end+n]
		if len(line) > 78 && !bytes.HasPrefix(line, []byte(" h=")) {
			t.Errorf("DKIM-Signature line %q is %d octets long", line, len(line))
		}
		end += n + 2
		if data[end] != ' ' && data[end] != '\t' {
			break
		}
	}
	checkLines(t, data[end:], 78)
}

// BenchmarkRenderDKIM renders the 5 KB newsletter of BenchmarkRender
// unsigned, then signed with an RSA-2048 and an Ed25519 key: the difference
// is the cost of a signature per message.
func BenchmarkRenderDKIM(b *testing.B) {
	keys := newTestKeys(b)
	row := campaign.Row{Num: 1, Fields: map[string]string{"email": "minji.kim@example.com", "name": "김민지", "id": "1001"}}
	for _, bc := range []struct {
		name string
		dkim *render.DKIM
	}{
		{"unsigned", nil},
		{"rsa-2048", &render.DKIM{Selector: "sel", Key: keys[0].signer}},
		{"ed25519", &render.DKIM{Selector: "sel", Key: keys[1].signer}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tmpl := mustTemplate(b, b.TempDir(), benchTemplate(), render.Options{DKIM: bc.dkim})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tmpl.Render(row); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
