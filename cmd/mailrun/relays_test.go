package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/sender/smtptest"
)

func TestSendSeveralRelaysWithQuerySettingsAndPasswords(t *testing.T) {
	one := smtptest.Start(t, smtptest.Auth("u1", "s3cret-one"))
	two := smtptest.Start(t, smtptest.Auth("u2", "s3cret-two"))
	data, tmpl := sendCampaign(t, 10)
	pwFile := filepath.Join(t.TempDir(), "two.pw")
	writeFile(t, pwFile, "s3cret-two\n")
	t.Setenv("MAILRUN_SMTP_PASSWORD", "s3cret-wrong")
	t.Setenv("MAILRUN_SMTP_PASSWORD_RELAY_ONE", "s3cret-one")
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--auth", "plain", "-q",
		"--smtp", "smtp://u1@"+one.Addr()+"?name=relay-one&workers=1&rate=100/s&burst=2",
		"--smtp", "smtp://u2@"+two.Addr()+"?name=two&max-per-day=3&password-file="+pwFile+"&domains=example.com,example.org")
	wantCode(t, r, 0)
	if strings.Contains(r.stdout+r.stderr, "s3cret") {
		t.Errorf("a password shows in the output:\n%s\n%s", r.stdout, r.stderr)
	}
	if n1, n2 := len(one.Messages()), len(two.Messages()); n1 != 7 || n2 != 3 {
		t.Fatalf("relay-one got %d, two got %d; want 7 and 3 (two's max-per-day)", n1, n2)
	}

	r = mailrun(t, "", "status", "--state", data+".state", "--json")
	wantCode(t, r, 0)
	var rep struct {
		Relays []statefile.RelayCounts `json:"relays"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	want := []statefile.RelayCounts{{Relay: "relay-one", Delivered: 7}, {Relay: "two", Delivered: 3}}
	if fmt.Sprint(rep.Relays) != fmt.Sprint(want) {
		t.Errorf("status relays %+v, want %+v", rep.Relays, want)
	}
	r = mailrun(t, "", "status", "--state", data+".state")
	if !strings.Contains(r.stdout, "By relay:") || !strings.Contains(r.stdout, "relay-one") {
		t.Errorf("status lacks the per-relay breakdown:\n%s", r.stdout)
	}
}

// TestSendWrongPasswordExits6 sends with a password every relay refuses:
// one relay with or without settings after ?, or two. Each run stops at
// once with exit 6 and never shows the password.
func TestSendWrongPasswordExits6(t *testing.T) {
	for _, tc := range []struct {
		name    string
		queries []string
	}{
		{"one relay", []string{""}},
		{"one relay with max-per-day", []string{"?max-per-day=1000"}},
		{"two relays", []string{"?name=a", "?name=b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			for _, q := range tc.queries {
				srv := smtptest.Start(t, smtptest.Auth("joe", "right"))
				args = append(args, "--smtp", "smtp://joe@"+srv.Addr()+q)
			}
			data, tmpl := sendCampaign(t, 4)
			t.Setenv("MAILRUN_SMTP_PASSWORD", "s3cret-wrong")
			r := mailrun(t, "", append([]string{"send", "--data", data, "--template", tmpl, "--auth", "plain", "-q"}, args...)...)
			wantCode(t, r, 6)
			for _, want := range []string{"mailrun: stopped before any message was sent:", "535", "fix it and run the same command again"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			if strings.Contains(r.stdout+r.stderr, "s3cret") {
				t.Errorf("the password shows in the output:\n%s", r.stderr)
			}
		})
	}
}

// TestSendEveryRelayAtItsCapExits5: relays whose daily caps are reached
// stop the run with exit 5 and say to run again later.
func TestSendEveryRelayAtItsCapExits5(t *testing.T) {
	var args []string
	for _, name := range []string{"a", "b"} {
		srv := smtptest.Start(t)
		args = append(args, "--smtp", "smtp://"+srv.Addr()+"?max-per-day=1&name="+name)
	}
	data, tmpl := sendCampaign(t, 4)
	r := mailrun(t, "", append([]string{"send", "--data", data, "--template", tmpl, "-q"}, args...)...)
	wantCode(t, r, 5)
	for _, want := range []string{"mailrun: stopped:", "daily cap", "run the same command again later"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

func TestSendRelaySettingsErrors(t *testing.T) {
	data, tmpl := sendCampaign(t, 1)
	tests := []struct {
		smtp []string
		want string
	}{
		{[]string{"smtp://127.0.0.1:1?name=a&rate=fast"}, `--smtp #1: rate="fast"`},
		{[]string{"smtp://127.0.0.1:1?password=hunter2"}, `unknown setting "password"`},
		{[]string{"smtp://127.0.0.1:1?workers=0"}, `workers="0"`},
		{[]string{"smtp://127.0.0.1:1", "smtp://127.0.0.1:2"}, `relay name "127.0.0.1" is taken`},
		{[]string{"smtp://127.0.0.1:1?name=a", "smtp://joe:hunter2@127.0.0.1:2?name=b"}, "--smtp #2: sender: the SMTP URL must not contain a password"},
	}
	for _, tt := range tests {
		args := []string{"send", "--data", data, "--template", tmpl}
		for _, s := range tt.smtp {
			args = append(args, "--smtp", s)
		}
		r := mailrun(t, "", args...)
		wantCode(t, r, 2)
		wantOneError(t, r, tt.want)
		if strings.Contains(r.stderr, "hunter2") {
			t.Errorf("the error repeats a password:\n%s", r.stderr)
		}
	}
}

func TestSendRelaysFromConfigFile(t *testing.T) {
	a, b := smtptest.Start(t), smtptest.Start(t)
	data, tmpl := sendCampaign(t, 6)
	cfg := filepath.Join(t.TempDir(), "mailrun.yaml")
	writeFile(t, cfg, fmt.Sprintf(`relays:
  - url: smtp://%s
    name: first
    workers: 1
    max-per-day: 2
  - {url: "smtp://%s", name: second, rate: 100/s, domains: [example.com]}
`, a.Addr(), b.Addr()))
	r := mailrun(t, "", "send", "--config", cfg, "--data", data, "--template", tmpl, "-q")
	wantCode(t, r, 0)
	na, nb := len(a.Messages()), len(b.Messages())
	if na > 2 || na+nb != 6 {
		t.Fatalf("first got %d, second %d; want at most 2 (its max-per-day) and 6 in all", na, nb)
	}
	r = mailrun(t, "", "status", "--state", data+".state", "--json")
	var rep struct {
		Relays []statefile.RelayCounts `json:"relays"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, rc := range rep.Relays {
		got[rc.Relay] = rc.Delivered
	}
	if got["first"] != na || got["second"] != nb {
		t.Errorf("status by relay %v; the servers got first %d, second %d", got, na, nb)
	}
}

func TestSendShardsAndStatusOverSeveralStateFiles(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmpl := sendCampaign(t, 30)
	var states []string
	for i := 1; i <= 3; i++ {
		r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", srv.URL(), "--shard", fmt.Sprintf("%d/3", i), "-q")
		wantCode(t, r, 0)
		st := fmt.Sprintf("%s.shard-%d-of-3.state", data, i)
		if _, err := os.Stat(st); err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
		states = append(states, st)
	}
	if n := len(srv.Messages()); n != 30 {
		t.Fatalf("the shards sent %d messages, want 30", n)
	}
	args := []string{"status", "--data", data}
	for _, s := range states {
		args = append(args, "--state", s)
	}
	r := mailrun(t, "", args...)
	wantCode(t, r, 0)
	if !regexp.MustCompile(`delivered +30\n`).MatchString(r.stdout) || !regexp.MustCompile(`pending +0\n`).MatchString(r.stdout) ||
		strings.Contains(r.stdout, "PROBLEM") {
		t.Errorf("status over the three shards:\n%s", r.stdout)
	}

	// The same list sent again as shard 1/2: its recipients now have two
	// deliveries in two state files.
	r = mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", srv.URL(), "--shard", "1/2", "-q")
	wantCode(t, r, 0)
	r = mailrun(t, "", append(args, "--state", data+".shard-1-of-2.state", "--json")...)
	wantCode(t, r, 0)
	var rep struct {
		Cross []statefile.CrossDelivery `json:"delivered_by_several_state_files"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if want := len(srv.Messages()) - 30; len(rep.Cross) != want || want == 0 {
		t.Errorf("%d keys flagged as delivered by two state files, want %d", len(rep.Cross), want)
	}
}

func TestSMTPFromConfigStringListAndEnv(t *testing.T) {
	a, b := smtptest.Start(t), smtptest.Start(t)
	tests := []struct {
		name, config string
		env          string
		wantA, wantB bool
	}{
		{name: "config string, as before --smtp took a list", config: "smtp: smtp://" + a.Addr() + "\n", wantA: true},
		{name: "config list", config: fmt.Sprintf("smtp:\n  - smtp://%s?name=a\n  - smtp://%s?name=b&domains=x.org,y.org\n", a.Addr(), b.Addr()), wantA: true, wantB: true},
		{name: "env, split at commas by urfave/cli", env: fmt.Sprintf("smtp://%s?name=a&domains=x.org,y.org,smtp://%s?name=b", a.Addr(), b.Addr()), wantA: true, wantB: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, tmpl := sendCampaign(t, 12)
			args := []string{"send", "--data", data, "--template", tmpl, "-q"}
			if tt.config != "" {
				args = append(args, "--config", writeConfig(t, tt.config))
			}
			if tt.env != "" {
				t.Setenv("MAILRUN_SMTP", tt.env)
			}
			na, nb := len(a.Messages()), len(b.Messages())
			r := mailrun(t, "", args...)
			wantCode(t, r, 0)
			gotA, gotB := len(a.Messages()) > na, len(b.Messages()) > nb
			if gotA != tt.wantA || gotB != tt.wantB || len(a.Messages())+len(b.Messages())-na-nb != 12 {
				t.Errorf("a got %d, b got %d; want a used %v, b used %v, 12 in all",
					len(a.Messages())-na, len(b.Messages())-nb, tt.wantA, tt.wantB)
			}
			r = mailrun(t, "", "status", "--config", writeConfig(t, "state: "+data+".state\n"))
			wantCode(t, r, 0)
		})
	}
}

func TestSendRelayDailyCapCountsEarlierRuns(t *testing.T) {
	capped, other := smtptest.Start(t), smtptest.Start(t)
	data, tmpl := sendCampaign(t, 10)
	send := func(smtp ...string) result {
		args := []string{"send", "--data", data, "--template", tmpl, "-q"}
		for _, s := range smtp {
			args = append(args, "--smtp", s)
		}
		return mailrun(t, "", args...)
	}
	cappedURL := capped.URL() + "?name=capped&max-per-day=3&workers=1"
	r := send(cappedURL)
	wantCode(t, r, 5)
	if !strings.Contains(r.stderr, "daily cap") || len(capped.Messages()) != 3 {
		t.Fatalf("first run: %d messages, stderr:\n%s", len(capped.Messages()), r.stderr)
	}
	// The state file says the relay used its day: nothing more goes to it.
	r = send(cappedURL)
	wantCode(t, r, 5)
	if n := len(capped.Messages()); n != 3 {
		t.Fatalf("second run: the capped relay has %d messages, want still 3", n)
	}
	r = send(cappedURL, other.URL()+"?name=other")
	wantCode(t, r, 0)
	if nc, no := len(capped.Messages()), len(other.Messages()); nc != 3 || no != 7 {
		t.Fatalf("third run: capped %d, other %d; want 3 and 7", nc, no)
	}
}
