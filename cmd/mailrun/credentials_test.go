package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/sender/smtptest"
)

func TestSendPasswordCommandRunsOncePerRun(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Auth("me", "s3cret"))
	data, tmpl := sendCampaign(t, 6)
	runs := filepath.Join(t.TempDir(), "runs")
	cmd := `sh -c 'echo run >> "$0"; echo s3cret; echo user: me' ` + runs
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "-q", "--auth", "plain", "--password-command", cmd,
		"--smtp", "smtp://me@"+srv.Addr()+"?name=a&workers=2", "--smtp", "smtp://me@"+srv.Addr()+"?name=b&workers=2")
	wantCode(t, r, 0)
	if n := len(srv.Messages()); n != 6 {
		t.Fatalf("the server received %d messages, want 6", n)
	}
	b, _ := os.ReadFile(runs)
	if n := strings.Count(string(b), "run"); n != 1 {
		t.Errorf("the password command ran %d times for two relays, want once", n)
	}
	if strings.Contains(r.stdout+r.stderr, "s3cret") {
		t.Errorf("the password shows in the output:\n%s\n%s", r.stdout, r.stderr)
	}
}

func TestSendRelayPasswordCommandFromConfig(t *testing.T) {
	one := smtptest.Start(t, smtptest.Auth("u1", "s3cret-one"))
	two := smtptest.Start(t, smtptest.Auth("u2", "s3cret-two"))
	data, tmpl := sendCampaign(t, 4)
	cfg := writeConfig(t, "auth: plain\nrelays:\n"+
		"  - {url: \"smtp://u1@"+one.Addr()+"\", name: one, password-command: \"printf s3cret-one\"}\n"+
		"  - url: smtp://u2@"+two.Addr()+"\n    name: two\n    password-command: echo 's3cret-two'\n")
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "-q", "--config", cfg)
	wantCode(t, r, 0)
	if n1, n2 := len(one.Messages()), len(two.Messages()); n1+n2 != 4 || n1 == 0 || n2 == 0 {
		t.Fatalf("one got %d, two got %d; want both used, 4 in all", n1, n2)
	}
}

func TestSendPasswordCommandFails(t *testing.T) {
	data, tmpl := sendCampaign(t, 1)
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{`sh -c 'echo s3cret; echo "gpg: decryption failed: No secret key" >&2; exit 2'`,
			[]string{"--password-command: credential: command sh: exited with status 2 (it said: gpg: decryption failed: No secret key)"}},
		{`pass show mail | head -1`, []string{"--password-command", "write sh -c '...'"}},
	} {
		r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "-q", "--smtp", "smtp://me@127.0.0.1:1",
			"--password-command", tc.cmd)
		wantCode(t, r, 2)
		wantOneError(t, r, tc.want...)
		if strings.Contains(r.stderr, "s3cret") {
			t.Errorf("the command's output shows:\n%s", r.stderr)
		}
	}
}
