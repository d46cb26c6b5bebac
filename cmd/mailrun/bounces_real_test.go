package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// runProcess runs mailrun as a process of its own (the test binary with
// MAILRUN_TEST_AS_MAIN=1, see crash_test.go) with env added to the
// environment: the system roots that verify TLS are read once per process,
// so SSL_CERT_FILE (the test servers' CA) must be set before it starts, as a
// user would set it.
func runProcess(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "MAILRUN_TEST_AS_MAIN=1"), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errOut.String()}
}

// bounceCampaign writes a data file with one row per local part (at the
// bounce domain) and a template from sender, and returns their paths.
func bounceCampaign(t *testing.T, p *smtptest.PostfixServer, token string, locals ...string) (data, tmpl string) {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,email\n")
	for i, l := range locals {
		b.WriteString(token + "-" + string(rune('a'+i)) + "," + l + "-" + token + "@" + p.BounceDomain + "\n")
	}
	data, tmpl = filepath.Join(dir, "list.csv"), filepath.Join(dir, "t.html")
	if err := os.WriteFile(data, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmpl, []byte("From: Sender <"+p.User+">\nTo: {{.email}}\nSubject: "+token+"\n\n<p>Hello</p>\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return data, tmpl
}

// TestBouncesRealPostfixDovecot is the whole loop against real servers: the
// real mailrun send, through the private Postfix, to an address that does
// not exist; Postfix's own DSN lands in the sender's Dovecot mailbox;
// bounces --imap over TLS books it; status shows it; a second bounces run
// books nothing; the next send skips the address.
func TestBouncesRealPostfixDovecot(t *testing.T) {
	p := smtptest.Postfix(t)
	d := smtptest.Dovecot(t)
	token := smtptest.Token(t)
	data, tmpl := bounceCampaign(t, p, token, "nobody")
	state := data + ".state"
	tls := []string{"SSL_CERT_FILE=" + p.CAFile}
	send := []string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://" + p.Addr(smtptest.ScenarioBounce), "-q"}
	wantCode(t, runProcess(t, tls, send...), 0)
	p.WaitBounces(t, token, 1)

	imapEnv := append(tls, "MAILRUN_IMAP_PASSWORD="+d.Password)
	bounces := []string{"bounces", "--imap", "imaps://" + d.User + "@" + d.IMAPS + "/" + d.Mailbox, "--state", state, "--json"}
	r := runProcess(t, imapEnv, bounces...)
	wantCode(t, r, 0)
	rcpt := "nobody-" + token + "@" + p.BounceDomain
	var mine []bounceLine
	for _, l := range jsonLines(t, r.stdout) {
		if l.Recipient == rcpt {
			mine = append(mine, l)
		}
	}
	if len(mine) != 1 {
		t.Fatalf("bounces --imap: %d lines for %s, want 1:\n%s\n%s", len(mine), rcpt, r.stdout, r.stderr)
	}
	l := mine[0]
	if l.Booked != "bounced" || l.Kind != "hard" || l.Status != "5.1.1" || l.Key != rcpt || l.Row == nil || *l.Row != 1 ||
		l.MatchedBy != "message-id" || !regexp.MustCompile(`^imap:INBOX;UID=\d+$`).MatchString(l.Source) {
		t.Errorf("bounces --imap: %+v", l)
	}

	r = runProcess(t, nil, "status", "--state", state)
	wantCode(t, r, 0)
	for _, s := range []string{"bounced    1", "row 1  " + rcpt, "bounced  hard  5.1.1"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("status lacks %q:\n%s", s, r.stdout)
		}
	}

	before, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	r = runProcess(t, imapEnv, bounces...)
	wantCode(t, r, 0)
	if strings.Contains(r.stdout, token) {
		t.Errorf("the second run read the DSN again:\n%s", r.stdout)
	}
	if after, _ := os.ReadFile(state); !bytes.Equal(after, before) {
		t.Errorf("the second run changed the state file:\n%s", after[len(before):])
	}

	r = runProcess(t, tls, send...)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "skipped (earlier run)               1") {
		t.Errorf("the next send did not skip the bounced address:\n%s", r.stdout)
	}
	st, err := statefile.Read(state)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts.Bounced != 1 || st.MaybeTwice != 0 {
		t.Errorf("after the next send: %+v, may have received it twice %d", st.Counts, st.MaybeTwice)
	}
}

// TestBouncesRealVERP sends with --return-path 'sender+{{verp}}@...' and a
// key column that is not an address, takes Postfix's DSNs, strips the
// returned message (and Postfix's note of the sender), and books them by
// their VERP token alone.
func TestBouncesRealVERP(t *testing.T) {
	p := smtptest.Postfix(t)
	token := smtptest.Token(t)
	data, tmpl := bounceCampaign(t, p, token, "first", "second")
	state := data + ".state"
	local, domain, _ := strings.Cut(p.User, "@")
	send := []string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://" + p.Addr(smtptest.ScenarioBounce), "-q",
		"--key", "id", "--return-path", local + "+{{verp}}@" + domain}
	wantCode(t, runProcess(t, []string{"SSL_CERT_FILE=" + p.CAFile}, send...), 0)

	// sender+TOKEN@ is not the test user: the DSNs land in the catch-all
	// Maildir, not in Dovecot's mailbox.
	dsns := p.WaitMessages(t, token, 2)
	dir := t.TempDir()
	var files []string
	for i, dsn := range dsns {
		text := string(dsn.Data)
		cut := strings.Index(text, "Content-Description: Undelivered Message")
		if cut < 0 || !strings.Contains(text, "X-Original-To: "+local+"+r") {
			t.Fatalf("not a VERP DSN of Postfix:\n%s", text)
		}
		text = text[:cut] + "\n"
		text = regexp.MustCompile(`(?m)^X-Postfix-Sender:.*\n`).ReplaceAllString(text, "")
		if strings.Contains(text, "Message-ID:") || strings.Contains(text, "Subject: "+token) {
			t.Fatalf("original headers left in:\n%s", text)
		}
		f := filepath.Join(dir, string(rune('a'+i))+".eml")
		if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	r := runProcess(t, nil, append([]string{"bounces", "--json", "--state", state}, files...)...)
	wantCode(t, r, 0)
	lines := jsonLines(t, r.stdout)
	if len(lines) != 2 {
		t.Fatalf("bounces: %d lines, want 2:\n%s", len(lines), r.stdout)
	}
	for _, l := range lines {
		local, _, _ := strings.Cut(l.Recipient, "-")
		wantRow, wantKey := 1, token+"-a"
		if local == "second" {
			wantRow, wantKey = 2, token+"-b"
		}
		if l.MatchedBy != "verp" || l.Row == nil || *l.Row != wantRow || l.Key != wantKey || l.Booked != "bounced" {
			t.Errorf("%s: %+v, want row %d key %s matched by verp", l.Recipient, l, wantRow, wantKey)
		}
	}
}
