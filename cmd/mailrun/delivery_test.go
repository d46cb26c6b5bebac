package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// ccCampaign writes a campaign of n rows, each with a To, a Cc and a Bcc
// recipient (to|cc|bccN@domain), and returns its data and template paths.
func ccCampaign(t *testing.T, n int, domain string) (data, tmpl string) {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("email,name,cc,bcc\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "to%d@%s,R %d,cc%d@%s,bcc%d@%s\n", i, domain, i, i, domain, i, domain)
	}
	data, tmpl = filepath.Join(dir, "list.csv"), filepath.Join(dir, "t.html")
	writeFile(t, data, b.String())
	writeFile(t, tmpl, "From: sender@example.test\nTo: {{.name}} <{{.email}}>\nCc: {{.cc}}\nBcc: {{.bcc}}\nSubject: hi {{.name}}\n\n<p>Hi {{.name}}</p>\n")
	return data, tmpl
}

// messageID returns the Message-ID header of raw message data.
func messageID(data []byte) string {
	_, rest, _ := bytes.Cut(data, []byte("Message-ID: "))
	id, _, _ := bytes.Cut(rest, []byte("\r\n"))
	return string(id)
}

func TestSendPartialAcceptance(t *testing.T) {
	srv := smtptest.Start(t, smtptest.FailRcpt(550, 0, "cc2@example.com"), smtptest.FailRcpt(450, 1, "cc3@example.com"),
		smtptest.FailRcpt(550, 0, "to4@example.com"))
	data, tmpl := ccCampaign(t, 4, "example.com")
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+srv.Addr(), "-q", "--retry-wait", "1ms")
	wantCode(t, r, 4) // row 4: its To was refused

	got := srv.PerRecipient()
	for _, a := range []string{"to1", "cc1", "bcc1", "to2", "bcc2", "to3", "cc3", "bcc3"} {
		if got[a+"@example.com"] != 1 {
			t.Errorf("%s got %d copies, want 1", a, got[a+"@example.com"])
		}
	}
	for _, a := range []string{"cc2", "to4", "cc4", "bcc4"} {
		if got[a+"@example.com"] != 0 {
			t.Errorf("%s got the message", a)
		}
	}
	// cc3, refused for a while, got it alone, with the same Message-ID.
	var ids []string
	for _, m := range srv.Messages() {
		if slices.Contains(m.To, "to3@example.com") || slices.Contains(m.To, "cc3@example.com") {
			ids = append(ids, messageID(m.Data))
			if slices.Contains(m.To, "cc3@example.com") && len(m.To) != 1 {
				t.Errorf("the retry for cc3 went to %v", m.To)
			}
		}
	}
	if len(ids) != 2 || ids[0] != ids[1] {
		t.Errorf("row 3's transactions carry Message-IDs %v, want the same twice", ids)
	}

	st, err := statefile.Read(data + ".state")
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts.Delivered != 3 || st.Counts.Failed != 1 {
		t.Errorf("counts %+v, want 3 delivered and 1 failed", st.Counts)
	}
	if st.MaybeTwice != 0 {
		t.Errorf("%d recipients counted as sent twice, want 0 (the retry went to cc3 alone)", st.MaybeTwice)
	}
	if len(st.Refused) != 1 || st.Refused[0].Recipient != "cc2@example.com" || st.Refused[0].Code != 550 || st.Refused[0].Status != campaign.StatusFailed {
		t.Errorf("refused %+v, want cc2 with 550", st.Refused)
	}
	status := mailrun(t, "", "status", "--state", data+".state", "--suppress-out", filepath.Join(t.TempDir(), "out.txt"))
	wantCode(t, status, 0)
	for _, s := range []string{"refused Cc/Bcc", "cc2@example.com", "to4@example.com"} {
		if !strings.Contains(status.stdout, s) {
			t.Errorf("status lacks %q:\n%s", s, status.stdout)
		}
	}
	if !strings.Contains(status.stdout, "Wrote 2 refused, bounced or complained address") {
		t.Errorf("status --suppress-out should write cc2 and to4:\n%s", status.stdout)
	}
}

func TestSendUnknownAfterTheFinalDot(t *testing.T) {
	srv := smtptest.Start(t, smtptest.CutData(1))
	data, tmpl := sendCampaign(t, 3)
	send := []string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://" + srv.Addr(), "-q", "--retries", "0", "--workers", "1"}
	wantCode(t, mailrun(t, "", send...), 5)
	st, err := statefile.Read(data + ".state")
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts.Unknown != 1 || st.Counts.Delivered != 2 {
		t.Fatalf("counts %+v, want 1 unknown (cut after the final dot) and 2 delivered", st.Counts)
	}
	before := len(srv.Transactions())
	r := mailrun(t, "", append(send, "--unknown", "skip")...)
	wantCode(t, r, 5)
	if n := len(srv.Transactions()) - before; n != 0 {
		t.Errorf("--unknown skip sent %d messages again", n)
	}
	wantCode(t, mailrun(t, "", send...), 0)
	if n := len(srv.Transactions()) - before; n != 1 {
		t.Errorf("--unknown send sent %d messages, want 1", n)
	}
}

func TestSendSetupErrorsSayWhatToDo(t *testing.T) {
	tls := smtptest.Start(t, smtptest.StartTLS())
	plain := smtptest.Start(t)
	tests := []struct {
		name   string
		url    string
		args   []string
		env    map[string]string
		code   int
		stderr []string
	}{
		{"a user without a password stops before connecting", "smtp://joe@" + plain.Addr(), nil, nil, 2,
			[]string{"no password", "MAILRUN_SMTP_PASSWORD", "--smtp-password-file", "--auth none"}},
		{"a private CA", "smtp://" + tls.Addr(), []string{"--tls-policy", "mandatory"}, nil, 6,
			[]string{"does not verify", "--tls-ca FILE", "--tls-skip-verify"}},
		{"a private CA, trusted", "smtp://" + tls.Addr(), []string{"--tls-policy", "mandatory", "--tls-ca", tls.CAFile(t)}, nil, 0, nil},
		{"a private CA, trusted for one relay", "smtp://" + tls.Addr() + "?tls-ca=" + tls.CAFile(t), []string{"--tls-policy", "mandatory"}, nil, 0, nil},
		{"no mechanism", "smtp://joe@" + plain.Addr(), []string{"--auth", "login"}, map[string]string{"MAILRUN_SMTP_PASSWORD": "pw"}, 6,
			[]string{"does not offer AUTH LOGIN", "--auth"}},
		{"EHLO name refused", "smtp://" + plain.Addr(), []string{"--hello", "localhost"}, nil, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			conns := plain.Connections()
			data, tmpl := sendCampaign(t, 2)
			r := mailrun(t, "", append([]string{"send", "--data", data, "--template", tmpl, "--smtp", tt.url, "-q"}, tt.args...)...)
			wantCode(t, r, tt.code)
			if tt.code != 0 {
				wantOneError(t, r, tt.stderr...)
			}
			if tt.code == 2 && plain.Connections() != conns {
				t.Error("mailrun connected before stopping")
			}
		})
	}
}

// TestServerReplyCannotDriveTheTerminal checks that the control characters
// of a server's reply (here a clear-screen and a window-title sequence) do
// not reach the terminal through the error mailrun exits with.
func TestServerReplyCannotDriveTheTerminal(t *testing.T) {
	srv := smtptest.Start(t, smtptest.FailRcpt(504, 0),
		smtptest.ReplyText(504, "5.5.2", "Helo command rejected: \x1b[2J\x1b]0;owned\x07 need fully-qualified hostname"))
	data, tmpl := sendCampaign(t, 1)
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+srv.Addr(), "-q")
	wantCode(t, r, 6)
	wantOneError(t, r, "Helo command rejected:  [2J ]0;owned  need fully-qualified hostname")
	if i := strings.IndexFunc(strings.TrimSuffix(r.stderr, "\n"), unicode.IsControl); i >= 0 {
		t.Errorf("stderr holds the control character %q:\n%q", r.stderr[i], r.stderr)
	}
}

func TestSendHelloRefusedIsNoRecipientFailure(t *testing.T) {
	srv := smtptest.Start(t, smtptest.FailRcpt(504, 0),
		smtptest.ReplyText(504, "5.5.2", "<vm>: Helo command rejected: need fully-qualified hostname"))
	data, tmpl := sendCampaign(t, 3)
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+srv.Addr(), "-q", "--hello", "vm")
	wantCode(t, r, 6)
	wantOneError(t, r, "Helo command rejected", "--hello NAME")
	out := filepath.Join(t.TempDir(), "suppress.txt")
	st := mailrun(t, "", "status", "--state", data+".state", "--suppress-out", out)
	wantCode(t, st, 0)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "@") {
		t.Errorf("a session refusal put addresses on the suppression list:\n%s", b)
	}
	state, err := statefile.Read(data + ".state")
	if err != nil {
		t.Fatal(err)
	}
	if state.Counts.Failed != 0 {
		t.Errorf("%d rows failed: a session refusal is no recipient's failure", state.Counts.Failed)
	}
}
