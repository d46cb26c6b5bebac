package main

import (
	"strings"
	"testing"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// TestSendLimit checks --limit as a script sees it: N must be at least 1;
// reaching it exits 0 (a `set -e` script goes on) with one line that says
// how many rows are left; the counts are exact.
func TestSendLimit(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmpl := sendCampaign(t, 10)
	args := []string{"send", "--data", data, "--template", tmpl, "--smtp", srv.URL()}

	for _, bad := range []string{"-5", "0"} {
		r := mailrun(t, "", append(args, "--limit", bad)...)
		wantCode(t, r, 2)
		wantOneError(t, r, "--limit must be at least 1, not "+bad)
	}
	if n := len(srv.Transactions()); n != 0 {
		t.Fatalf("a bad --limit sent %d messages", n)
	}

	r := mailrun(t, "", append(args, "--limit", "6")...)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "mailrun send: 6 rows in") {
		t.Errorf("the summary does not count 6 rows:\n%s", r.stdout)
	}
	if n := strings.Count(r.stdout+r.stderr, "--limit reached"); n != 1 {
		t.Errorf("\"--limit reached\" printed %d times, want once:\n%s\n%s", n, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "mailrun: --limit reached: 4 rows left; run the same command again to continue") {
		t.Errorf("stderr does not say 4 rows are left:\n%s", r.stderr)
	}

	r = mailrun(t, "", append(args, "--limit", "6")...)
	wantCode(t, r, 0)
	if strings.Contains(r.stderr, "--limit reached") {
		t.Errorf("the last 4 rows under a limit of 6 still report the limit:\n%s", r.stderr)
	}
	if n := len(srv.Messages()); n != 10 {
		t.Errorf("two runs sent %d messages, want 10", n)
	}
}
