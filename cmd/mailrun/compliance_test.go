package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// ed25519KeyFile writes a new Ed25519 key as a PKCS #8 PEM file and returns
// its path and its DNS TXT record.
func ed25519KeyFile(t *testing.T) (path, record string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "dkim.pem")
	writeFile(t, path, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	return path, "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
}

func TestSendSignsUnsubscribesAndSuppresses(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmpl := sendCampaign(t, 6)
	key, record := ed25519KeyFile(t)
	dir := filepath.Dir(data)
	unsub := filepath.Join(dir, "unsub.txt")
	writeFile(t, unsub, "# unsubscribed\nR2@example.com\n")
	bounces := filepath.Join(dir, "bounces.csv")
	writeFile(t, bounces, "email,reason\nr5@example.com,550 no such user\n")
	args := []string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://" + srv.Addr(), "-q",
		"--dkim-key", key, "--dkim-selector", "mail", "--unsubscribe-url", "https://example.com/u/{{.email | urlquery}}",
		"--suppress", unsub, "--suppress", bounces}
	r := mailrun(t, "", args...)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "suppressed") {
		t.Errorf("the summary does not count the suppressed rows:\n%s", r.stdout)
	}
	msgs := srv.Messages()
	if len(msgs) != 4 {
		t.Fatalf("the server received %d messages, want 4 (6 rows, 2 suppressed)", len(msgs))
	}
	lookup := func(domain string) ([]string, error) {
		if domain != "mail._domainkey.example.com" {
			return nil, errors.New("no such record " + domain)
		}
		return []string{record}, nil
	}
	for _, m := range msgs {
		if m.To[0] == "r2@example.com" || m.To[0] == "r5@example.com" {
			t.Errorf("suppressed %s was mailed", m.To[0])
		}
		want := fmt.Sprintf("\r\nList-Unsubscribe: <https://example.com/u/%s>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
			strings.ReplaceAll(m.To[0], "@", "%40"))
		if !bytes.Contains(m.Data, []byte(want)) {
			t.Errorf("message to %s lacks %q", m.To[0], want)
		}
		vs, err := dkim.VerifyWithOptions(bytes.NewReader(m.Data), &dkim.VerifyOptions{LookupTXT: lookup})
		if err != nil || len(vs) != 1 || vs[0].Err != nil {
			t.Fatalf("message to %s: DKIM verification %v %v", m.To[0], err, vs)
		}
	}
	st := mailrun(t, "", "status", "--state", data+".state")
	wantCode(t, st, 0)
	if !strings.Contains(squeeze(st.stdout), "suppressed 2") {
		t.Errorf("status does not count 2 suppressed:\n%s", st.stdout)
	}
	// validate and preview take the same message flags.
	msgFlags := []string{"--data", data, "--template", tmpl, "--dkim-key", key, "--dkim-selector", "mail", "--unsubscribe-url", "https://example.com/u/{{.email | urlquery}}"}
	wantCode(t, mailrun(t, "", append([]string{"validate"}, msgFlags...)...), 0)
	preview := filepath.Join(t.TempDir(), "preview")
	wantCode(t, mailrun(t, "", append([]string{"preview", "--out", preview}, msgFlags...)...), 0)
	eml, err := filepath.Glob(filepath.Join(preview, "*.eml"))
	if err != nil || len(eml) == 0 {
		t.Fatalf("preview wrote no .eml files (%v)", err)
	}
	b, err := os.ReadFile(eml[0])
	if err != nil || !bytes.HasPrefix(b, []byte("DKIM-Signature: ")) || !bytes.Contains(b, []byte("List-Unsubscribe-Post:")) {
		t.Errorf("the preview is not signed or lacks the unsubscribe headers (%v):\n%.300s", err, b)
	}
}

func TestComplianceFlagErrors(t *testing.T) {
	data, tmpl := sendCampaign(t, 2)
	garbage := filepath.Join(t.TempDir(), "key.pem")
	writeFile(t, garbage, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
	badList := filepath.Join(t.TempDir(), "list.txt")
	writeFile(t, badList, "ok@example.com\nnot an address\n")
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		parts []string
	}{
		{"key without selector", []string{"--dkim-key", garbage}, 2, []string{"--dkim-selector"}},
		{"selector without key", []string{"--dkim-selector", "s"}, 2, []string{"--dkim-key"}},
		{"key does not parse", []string{"--dkim-key", garbage, "--dkim-selector", "s"}, 3, []string{garbage}},
		{"http unsubscribe URL", []string{"--unsubscribe-url", "http://example.com/u/{{.email}}"}, 3, []string{"https"}},
		{"bad suppression line", []string{"--suppress", badList}, 3, []string{badList + ":2"}},
		{"negative cap", []string{"--max-per-day", "-1"}, 2, []string{"--max-per-day"}},
		{"unknown zone", []string{"--max-per-day", "5", "--tz", "Mars/Olympus"}, 2, []string{"--tz"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.Start(t)
			r := mailrun(t, "", append([]string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://" + srv.Addr()}, tc.args...)...)
			wantCode(t, r, tc.code)
			wantOneError(t, r, tc.parts...)
			if len(srv.Messages()) != 0 {
				t.Errorf("the server received %d messages, want none", len(srv.Messages()))
			}
		})
	}
}

func TestSendMaxPerDay(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmpl := sendCampaign(t, 5)
	args := []string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://" + srv.Addr(), "-q", "--max-per-day", "2", "--tz", "UTC", "--workers", "3"}
	day := time.Now().UTC().YearDay()
	r := mailrun(t, "", args...)
	wantCode(t, r, 5)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02") + " 00:00 UTC"
	wantOneError(t, r, "--max-per-day", tomorrow)
	if n := len(srv.Messages()); n != 2 {
		t.Fatalf("the server received %d messages, want 2", n)
	}
	r = mailrun(t, "", args...)
	if time.Now().UTC().YearDay() != day {
		t.Skip("the day changed during the test")
	}
	wantCode(t, r, 5)
	if n := len(srv.Messages()); n != 2 {
		t.Fatalf("a second run the same day: the server received %d messages in all, want 2", n)
	}
}

func TestValidateComplianceWarnings(t *testing.T) {
	key, _ := ed25519KeyFile(t)
	r := mailrun(t, "", append([]string{"validate"}, append(newsletterArgs(), "--dkim-key", key, "--dkim-selector", "s", "--dkim-domain", "example.org")...)...)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "warning: ") || !strings.Contains(r.stdout, "not the DKIM domain example.org") {
		t.Errorf("no warning about the DKIM domain:\n%s", r.stdout)
	}
	r = mailrun(t, "", append([]string{"validate"}, append(newsletterArgs(), "--dkim-key", key, "--dkim-selector", "s", "--dkim-domain", "EXAMPLE.com")...)...)
	wantCode(t, r, 0)
	if strings.Contains(r.stdout, "warning: ") {
		t.Errorf("a warning though From is in the DKIM domain:\n%s", r.stdout)
	}

	for _, tc := range []struct {
		n     int
		unsub bool
		warn  bool
	}{{100, false, false}, {101, false, true}, {101, true, false}} {
		data, tmpl := sendCampaign(t, tc.n)
		args := []string{"validate", "--data", data, "--template", tmpl}
		if tc.unsub {
			args = append(args, "--unsubscribe-url", "https://example.com/u/{{.email}}")
		}
		r := mailrun(t, "", args...)
		wantCode(t, r, 0)
		if got := strings.Contains(r.stdout, "no List-Unsubscribe header"); got != tc.warn {
			t.Errorf("%d recipients, --unsubscribe-url %v: warning %v, want %v:\n%s", tc.n, tc.unsub, got, tc.warn, r.stdout)
		}
	}
}

func TestStatusSuppressOut(t *testing.T) {
	srv := smtptest.Start(t, smtptest.FailRcpt(550, 0, "r2@example.com"), smtptest.FailData(554, 0, "r4@example.com"), smtptest.FailRcpt(450, 0, "r5@example.com"))
	data, tmpl := sendCampaign(t, 5)
	send := []string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://" + srv.Addr(), "-q", "--retries", "0"}
	wantCode(t, mailrun(t, "", send...), 4)
	out := filepath.Join(t.TempDir(), "bounced.txt")
	r := mailrun(t, "", "status", "--state", data+".state", "--suppress-out", out)
	wantCode(t, r, 0)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if !strings.HasPrefix(l, "#") {
			got = append(got, l)
		}
	}
	// r4's message was refused for its content (554 5.7.1 to the final
	// dot): that says nothing against the address.
	if strings.Join(got, " ") != "r2@example.com" {
		t.Fatalf("--suppress-out wrote %q, want r2 (550 to RCPT), not r4 (554 to the message) nor r5 (4xx)", got)
	}
	if !strings.Contains(r.stdout, "1 row named no address (a refusal of the message itself") {
		t.Errorf("status does not say that r4 was left out:\n%s", r.stdout)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("--suppress-out file mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	// The file works as a --suppress list for the next campaign.
	srv2 := smtptest.Start(t)
	data2, tmpl2 := sendCampaign(t, 5)
	wantCode(t, mailrun(t, "", "send", "--data", data2, "--template", tmpl2, "--smtp", "smtp://"+srv2.Addr(), "-q", "--suppress", out), 0)
	if n := len(srv2.Messages()); n != 4 {
		t.Errorf("the next campaign sent %d messages, want 4", n)
	}
}
