package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender/smtptest"
)

func TestSendMaxPer24h(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmpl := sendCampaign(t, 5)
	args := []string{"send", "--data", data, "--template", tmpl, "--smtp", srv.URL(), "-q", "--max-per-24h", "2", "--workers", "3"}
	r := mailrun(t, "", args...)
	wantCode(t, r, 5)
	wantOneError(t, r, "cap of 2 deliveries in 24 hours (--max-per-24h) is reached", "run the same command again from "+time.Now().Add(24*time.Hour).Format("2006-01-02"))
	if n := len(srv.Messages()); n != 2 {
		t.Fatalf("the server received %d messages, want 2", n)
	}
	// A daily cap with room left does not lift the rolling one.
	r = mailrun(t, "", append(args, "--max-per-day", "100")...)
	wantCode(t, r, 5)
	if n := len(srv.Messages()); n != 2 {
		t.Fatalf("a second run: the server received %d messages in all, want 2", n)
	}
}

func TestSendRelayMaxPer24h(t *testing.T) {
	capped, other := smtptest.Start(t), smtptest.Start(t)
	data, tmpl := sendCampaign(t, 8)
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "-q",
		"--smtp", capped.URL()+"?name=gmail&max-per-24h=3&workers=1", "--smtp", other.URL()+"?name=other&workers=1")
	wantCode(t, r, 0)
	if nc, no := len(capped.Messages()), len(other.Messages()); nc > 3 || nc+no != 8 {
		t.Fatalf("gmail got %d, other %d; want at most 3 through gmail, 8 in all", nc, no)
	}
}

// closedWindow returns a --window that opens in about two hours in UTC
// and the time it opens.
func closedWindow() (string, time.Time) {
	open := time.Now().UTC().Add(2 * time.Hour).Truncate(time.Minute)
	return fmt.Sprintf("%s-%s", open.Format("15:04"), open.Add(time.Hour).Format("15:04")), open
}

func TestSendOutsideTheWindowNoWaitExits5(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmpl := sendCampaign(t, 3)
	win, opens := closedWindow()
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", srv.URL(), "-q",
		"--window", win, "--tz", "UTC", "--no-wait")
	wantCode(t, r, 5)
	wantOneError(t, r, "outside the send window", "it opens "+opens.Format("Mon 2006-01-02 15:04 UTC"), "run the same command again then")
	if n := len(srv.Transactions()); n != 0 {
		t.Fatalf("the server saw %d transactions outside the window", n)
	}
	// The same command inside a window resumes and sends everything.
	r = mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", srv.URL(), "-q",
		"--window", "00:00-24:00", "--tz", "UTC", "--no-wait")
	wantCode(t, r, 0)
	if n := len(srv.Messages()); n != 3 {
		t.Fatalf("the server received %d messages, want 3", n)
	}
}

func TestSendQuotaUsageErrors(t *testing.T) {
	data, tmpl := sendCampaign(t, 1)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--window", "9-18"}, "--window: campaign: send window \"9-18\": want HH:MM-HH:MM"},
		{[]string{"--days", "weekdays"}, "--days: campaign: days \"weekdays\""},
		{[]string{"--no-wait"}, "--no-wait goes with --window or --days"},
		{[]string{"--max-per-24h", "-1"}, "--max-per-24h must be 0 (no cap) or more"},
		{[]string{"--domain-rate", "naver.com:5/s"}, `--domain-rate "naver.com:5/s": want DOMAIN=RATE pairs`},
		{[]string{"--domain-rate", "naver.com=fast"}, `--domain-rate "naver.com=fast"`},
		{[]string{"--domain-workers", "-2"}, "--domain-workers must be 0 (no limit) or more"},
		{[]string{"--max-rcpt-per-message", "-1"}, "--max-rcpt-per-message must be 0 (no cap) or more"},
		{[]string{"--smtp", "smtp://127.0.0.1:2?max-rcpt-per-message=x"}, `max-rcpt-per-message="x": want a whole number`},
	} {
		r := mailrun(t, "", append([]string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://127.0.0.1:1", "-q"}, tc.args...)...)
		wantCode(t, r, 2)
		wantOneError(t, r, tc.want)
	}
}

func TestProgressLineShowsTheWait(t *testing.T) {
	s := campaign.Snapshot{Sent: 3, WaitingUntil: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	if line := progressLine(s); !strings.Contains(line, "waiting for the send window until Mon 09:00") {
		t.Errorf("progress line %q does not say until when it waits", line)
	}
}

func TestSendMaxRcptPerMessage(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmpl := sendCampaign(t, 2)
	writeFile(t, tmpl, "From: a@example.com\nTo: {{.email}}\nCc: boss@example.com\nBcc: audit@example.com\nSubject: hi\n\n<p>Hi</p>\n")
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", srv.URL(), "-q", "--max-rcpt-per-message", "2")
	wantCode(t, r, 0)
	var sizes []int
	for _, m := range srv.Messages() {
		sizes = append(sizes, len(m.To))
	}
	slices.Sort(sizes)
	if fmt.Sprint(sizes) != "[1 1 2 2]" {
		t.Errorf("transactions of %v recipients, want two of 2 and two of 1 for two rows of three recipients", sizes)
	}
}
