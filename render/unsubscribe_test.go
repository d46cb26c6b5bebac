package render_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

// unsubTemplate is a template over the columns email, id and url.
const unsubTemplate = "From: News <news@example.com>\nTo: <{{.email}}>\nSubject: News\n\n<p>Hello</p>\n"

func TestUnsubscribeHeaders(t *testing.T) {
	tmpl := mustTemplate(t, t.TempDir(), unsubTemplate, render.Options{UnsubscribeURL: "https://example.com/u/{{.id | urlquery}}?c=nov"})
	if err := tmpl.Check([]string{"email"}); err == nil {
		t.Error("Check passed without the id column the unsubscribe URL uses")
	}
	if err := tmpl.Check([]string{"email", "id"}); err != nil {
		t.Fatalf("Check: %v", err)
	}
	msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{"email": "ann@example.com", "id": "a b/1"}})
	if err != nil {
		t.Fatal(err)
	}
	m := parseMessage(t, msg.Data)
	if got, want := m.header.Get("List-Unsubscribe"), "<https://example.com/u/a+b%2F1?c=nov>"; got != want {
		t.Errorf("List-Unsubscribe = %q, want %q", got, want)
	}
	if got := m.header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q, want List-Unsubscribe=One-Click", got)
	}
	plain := mustTemplate(t, t.TempDir(), unsubTemplate, render.Options{})
	if plain.Hash() == tmpl.Hash() {
		t.Error("the unsubscribe URL does not change the template hash")
	}
}

func TestUnsubscribeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, url, template string
	}{
		{"http", "http://example.com/u/{{.id}}", unsubTemplate},
		{"no scheme", "example.com/u/{{.id}}", unsubTemplate},
		{"static mailto", "mailto:unsub@example.com", unsubTemplate},
		{"does not parse", "https://example.com/u/{{.id", unsubTemplate},
		{"set twice", "https://example.com/u/{{.id}}", strings.Replace(unsubTemplate, "Subject: News\n", "Subject: News\nList-Unsubscribe: <https://example.com/x>\n", 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newTemplate(t, t.TempDir(), tc.template, render.Options{UnsubscribeURL: tc.url})
			var ie *campaign.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("New: err = %v, want an *InputError", err)
			}
		})
	}

	tmpl := mustTemplate(t, t.TempDir(), unsubTemplate, render.Options{UnsubscribeURL: "{{.url}}"})
	for _, url := range []string{"http://example.com/u/1", "https://example.com/u/a b", "https://exa\u00e9mple.com/", "", "https://example.com/u/1>\r\nBcc: x@evil.test"} {
		_, err := tmpl.Render(campaign.Row{Num: 4, Fields: map[string]string{"email": "ann@example.com", "url": url}})
		var re *campaign.RowError
		if !errors.As(err, &re) || re.Row != 4 || re.Column != "url" {
			t.Errorf("url %q: err = %v, want a *RowError of row 4, column url", url, err)
		}
	}
}

func TestLoadDKIMKeyErrors(t *testing.T) {
	dir := t.TempDir()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec8, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END RSA PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"missing": filepath.Join(dir, "missing.pem"),
		"not PEM": writePEMText(t, dir, "text.pem", "secret-key-bytes"),
		"garbage": garbage,
		"ECDSA":   writePEM(t, dir, "ec.pem", "PRIVATE KEY", ec8),
	} {
		_, err := render.LoadDKIMKey(path)
		var ie *campaign.InputError
		if !errors.As(err, &ie) || ie.File != path {
			t.Errorf("%s: err = %v, want an *InputError naming the file", name, err)
			continue
		}
		if strings.Contains(err.Error(), "secret-key-bytes") || strings.Contains(err.Error(), "c2VjcmV0") {
			t.Errorf("%s: the error shows the key file's content: %v", name, err)
		}
	}
}

func writePEMText(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDKIMDomainAndSelector(t *testing.T) {
	key := newTestKeys(t)[1]
	for _, bad := range []render.DKIM{
		{Domain: "example.com", Selector: "", Key: key.signer},
		{Domain: "example.com", Selector: "a;b", Key: key.signer},
		{Domain: "exa mple.com", Selector: "sel", Key: key.signer},
		{Domain: "example.com", Selector: "sel"},
	} {
		_, err := newTemplate(t, t.TempDir(), unsubTemplate, render.Options{DKIM: &bad})
		var ie *campaign.InputError
		if !errors.As(err, &ie) {
			t.Errorf("DKIM %+v: err = %v, want an *InputError", bad, err)
		}
	}
	// An explicit domain wins over the From domain.
	tmpl := mustTemplate(t, t.TempDir(), unsubTemplate, render.Options{DKIM: &render.DKIM{Domain: "Mail.Example.com", Selector: "sel", Key: key.signer}})
	msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{"email": "ann@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(msg.Data[:200], []byte("d=mail.example.com;")) {
		t.Errorf("the signature does not name d=mail.example.com:\n%s", head(msg.Data))
	}
}
