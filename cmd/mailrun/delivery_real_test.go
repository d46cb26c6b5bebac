package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// These tests send through the private Postfix (with Dovecot SASL) that
// .ci/servers/start runs; every address holds a unique token, so that tests
// sharing the instance find their own deliveries.

// realCampaign writes a campaign of n rows from from, each with a To, a Cc
// and a Bcc recipient (to<i>-TOKEN@example.com, cc<i>-TOKEN@example.org,
// bcc<i>-TOKEN@example.net; cc overrides the Cc address), attaching the
// files of attach (name -> content) to every message. It returns the data
// and template paths.
func realCampaign(t *testing.T, token, from string, n int, cc string, attach map[string][]byte) (data, tmpl string) {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("email,name,cc,bcc\n")
	for i := 1; i <= n; i++ {
		c := fmt.Sprintf("cc%d-%s@example.org", i, token)
		if cc != "" {
			c = cc
		}
		fmt.Fprintf(&b, "to%d-%s@example.com,R %d,%s,bcc%d-%s@example.net\n", i, token, i, c, i, token)
	}
	data, tmpl = filepath.Join(dir, "list.csv"), filepath.Join(dir, "t.html")
	writeFile(t, data, b.String())
	var hdr strings.Builder
	fmt.Fprintf(&hdr, "From: News <%s>\nTo: {{.name}} <{{.email}}>\nCc: {{.cc}}\nBcc: {{.bcc}}\nSubject: %s {{.name}}\n", from, token)
	for name, content := range attach {
		writeFile(t, filepath.Join(dir, name), string(content))
		fmt.Fprintf(&hdr, "Attach: %s\n", name)
	}
	writeFile(t, tmpl, hdr.String()+"\n<p>안녕하세요 {{.name}}님,</p>\n<p>"+token+"</p>\n")
	return data, tmpl
}

// passwordFile writes the password to a file for --smtp-password-file.
func passwordFile(t *testing.T, pw string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "password")
	writeFile(t, path, pw)
	return path
}

// wantOnceEach fails the test unless got counts each of want exactly once
// and nothing else.
func wantOnceEach(t *testing.T, got map[string]int, want []string) {
	t.Helper()
	for _, a := range want {
		if got[a] != 1 {
			t.Errorf("%s got %d copies, want 1", a, got[a])
		}
	}
	if len(got) != len(want) {
		t.Errorf("deliveries to %d addresses, want %d", len(got), len(want))
	}
}

// rowAddrs returns the addresses of rows 1..n of realCampaign, leaving out
// the Cc when skipCc.
func rowAddrs(token string, n int, skipCc bool) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("to%d-%s@example.com", i, token), fmt.Sprintf("bcc%d-%s@example.net", i, token))
		if !skipCc {
			out = append(out, fmt.Sprintf("cc%d-%s@example.org", i, token))
		}
	}
	return out
}

func TestRealPostfix500RowsExactlyOnce(t *testing.T) {
	t.Parallel()
	p := smtptest.Postfix(t)
	token := smtptest.Token(t)
	pdf := bytes.Repeat([]byte("%PDF-1.4 binary \x00\x01\x02\xff "), 300)
	korean := "보고서 " + strings.Repeat("가나다라마바사아자차", 3) + ".txt"
	data, tmpl := realCampaign(t, token, p.User, 500, "", map[string][]byte{"invoice.pdf": pdf, korean: []byte("월간 보고서\r\n")})
	url := "smtp://" + p.User + "@" + p.Addr(smtptest.ScenarioSubmission)
	send := []string{"send", "--data", data, "--template", tmpl, "--smtp", url, "--smtp-password-file", passwordFile(t, p.Password),
		"--workers", "8", "-q"}

	// Without the CA: the error says how to trust it, and nothing left.
	r := mailrun(t, "", send...)
	wantCode(t, r, 6)
	wantOneError(t, r, "does not verify", "--tls-ca FILE", "--tls-skip-verify")

	r = mailrun(t, "", append(send, "--tls-ca", p.CAFile)...)
	wantCode(t, r, 0)
	wantOnceEach(t, p.WaitSent(t, token, 1500), rowAddrs(token, 500, false))

	st, err := statefile.Read(data + ".state")
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts.Delivered != 500 || st.MaybeTwice != 0 {
		t.Errorf("state: %+v, may have received it twice %d; want 500 delivered, none twice", st.Counts, st.MaybeTwice)
	}
	// Dovecot keeps hashed passwords: PLAIN inside TLS is the mechanism
	// that works.
	if !p.LogContains(t, "sasl_method=PLAIN, sasl_username="+p.User) {
		t.Error("no AUTH PLAIN in Postfix's log")
	}
	msgs := p.Messages(t, token)
	if len(msgs) != 1500 {
		t.Fatalf("%d messages in the Maildir, want 1500", len(msgs))
	}
	for _, d := range msgs[:30] {
		checkRealMessage(t, d, token, pdf, korean)
	}
}

// checkRealMessage checks a delivered message: no Bcc header, the
// attachments intact under their names.
func checkRealMessage(t *testing.T, d smtptest.Delivery, token string, pdf []byte, korean string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(d.Data))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Bcc") != "" || bytes.Contains(d.Data, []byte("bcc1-")) && !strings.HasPrefix(m.Header.Get("Delivered-To"), "bcc") {
		t.Errorf("%s: the Bcc recipient shows in the message", d.Name)
	}
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	mr := multipart.NewReader(m.Body, params["boundary"])
	files := map[string][]byte{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		if name := part.FileName(); name != "" {
			b, _ := io.ReadAll(part) // NextPart decodes quoted-printable only
			dec, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(b)))
			if err != nil {
				t.Errorf("%s: %s: %v", d.Name, name, err)
			}
			files[name] = dec
		}
	}
	if !bytes.Equal(files["invoice.pdf"], pdf) || string(files[korean]) != "월간 보고서\r\n" {
		t.Errorf("%s: attachments %d bytes and %q, want the files intact (%d files)", d.Name, len(files["invoice.pdf"]), files[korean], len(files))
	}
}

func TestRealPostfixRecipientLimit(t *testing.T) {
	t.Parallel()
	p := smtptest.Postfix(t)
	token := smtptest.Token(t)
	data, tmpl := realCampaign(t, token, p.User, 30, "", nil)
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+p.Addr(smtptest.ScenarioRcptLimit), "--tls-ca", p.CAFile, "-q")
	wantCode(t, r, 0)
	wantOnceEach(t, p.WaitSent(t, token, 90), rowAddrs(token, 30, false))
	st, err := statefile.Read(data + ".state")
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts.Delivered != 30 || st.MaybeTwice != 0 {
		t.Errorf("state: %+v, may have received it twice %d", st.Counts, st.MaybeTwice)
	}
	b, _ := os.ReadFile(data + ".state")
	if n := bytes.Count(b, []byte("queued as")); n != 60 {
		t.Errorf("the state file records %d replies, want 2 per row (two transactions of at most %d recipients)", n, p.RcptLimit)
	}
}

func TestRealPostfixNoPipelining(t *testing.T) {
	t.Parallel()
	p := smtptest.Postfix(t)
	token := smtptest.Token(t)
	data, tmpl := realCampaign(t, token, p.User, 20, "", nil)
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+p.Addr(smtptest.ScenarioNoPipelining), "--tls-ca", p.CAFile, "-q")
	wantCode(t, r, 0)
	wantOnceEach(t, p.WaitSent(t, token, 60), rowAddrs(token, 20, false))
}

func TestRealPostfixRefusedCc(t *testing.T) {
	t.Parallel()
	p := smtptest.Postfix(t)
	token := smtptest.Token(t)
	data, tmpl := realCampaign(t, token, p.User, 10, p.Refused, nil)
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+p.Addr(smtptest.ScenarioRefuseCC), "--tls-ca", p.CAFile, "-q")
	wantCode(t, r, 0)
	wantOnceEach(t, p.WaitSent(t, token, 20), rowAddrs(token, 10, true))
	out := filepath.Join(t.TempDir(), "suppress.txt")
	st := mailrun(t, "", "status", "--state", data+".state", "--suppress-out", out)
	wantCode(t, st, 0)
	if !strings.Contains(st.stdout, p.Refused) || !strings.Contains(st.stdout, "550") {
		t.Errorf("status does not list the refused Cc:\n%s", st.stdout)
	}
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), p.Refused) {
		t.Errorf("--suppress-out lacks %s:\n%s", p.Refused, b)
	}
}

func TestRealPostfixFQDNHelo(t *testing.T) {
	t.Parallel()
	p := smtptest.Postfix(t)
	token := smtptest.Token(t)
	url := "smtp://" + p.Addr(smtptest.ScenarioFQDNHelo)

	data, tmpl := realCampaign(t, token, p.User, 3, "", nil)
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", url, "--tls-ca", p.CAFile, "--hello", "localhost", "-q")
	wantCode(t, r, 6)
	wantOneError(t, r, "Helo command rejected", "--hello NAME")
	out := filepath.Join(t.TempDir(), "suppress.txt")
	wantCode(t, mailrun(t, "", "status", "--state", data+".state", "--suppress-out", out), 0)
	if b, _ := os.ReadFile(out); strings.Contains(string(b), "@") {
		t.Errorf("a refused EHLO name put addresses on the suppression list:\n%s", b)
	}
	if st, err := statefile.Read(data + ".state"); err != nil || st.Counts.Failed != 0 {
		t.Errorf("state %+v (%v): a refused EHLO name is no recipient's failure", st, err)
	}

	// The default EHLO name: this host's FQDN, else an address literal.
	wantCode(t, mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", url, "--tls-ca", p.CAFile, "-q"), 0)
	wantOnceEach(t, p.WaitSent(t, token, 9), rowAddrs(token, 3, false))
}

func TestRealPostfixRateLimit(t *testing.T) {
	t.Parallel()
	p := smtptest.Postfix(t)
	token := smtptest.Token(t)
	n := p.RateLimit + 10 // more than one client may send in one window
	data, tmpl := realCampaign(t, token, p.User, n, "", nil)
	dir := filepath.Dir(data)
	// One recipient a row: the limit counts messages.
	writeFile(t, tmpl, fmt.Sprintf("From: %s\nTo: {{.email}}\nSubject: %s\n\n<p>rate</p>\n", p.User, token))
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+p.Addr(smtptest.ScenarioRateLimit), "--tls-ca", p.CAFile,
		"--retries", "10", "--retry-wait", "500ms", "--state", filepath.Join(dir, "s"))
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "asked to slow down") {
		t.Errorf("the run did not slow down:\n%s", r.stderr)
	}
	var want []string
	for i := 1; i <= n; i++ {
		want = append(want, fmt.Sprintf("to%d-%s@example.com", i, token))
	}
	wantOnceEach(t, p.WaitSent(t, token, n), want)
}

func TestRealPostfixIDN(t *testing.T) {
	t.Parallel()
	p := smtptest.Postfix(t)
	token := smtptest.Token(t)
	dir := t.TempDir()
	data, tmpl := filepath.Join(dir, "list.csv"), filepath.Join(dir, "t.html")
	writeFile(t, data, "email\nkim-"+token+"@bücher.example\n유저-"+token+"@example.com\n")
	writeFile(t, tmpl, "From: "+p.User+"\nTo: {{.email}}\nSubject: "+token+"\n\n<p>x</p>\n")
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+p.Addr(smtptest.ScenarioNoUTF8), "--tls-ca", p.CAFile, "-q")
	wantCode(t, r, 4) // the UTF-8 local part cannot go without SMTPUTF8
	wantOnceEach(t, p.WaitSent(t, token, 1), []string{"kim-" + token + "@xn--bcher-kva.example"})
	st, err := statefile.Read(data + ".state")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Failures) != 1 || !strings.Contains(st.Failures[0].Text, "SMTPUTF8") {
		t.Errorf("failures %+v, want the UTF-8 address with a reason naming SMTPUTF8", st.Failures)
	}
}
