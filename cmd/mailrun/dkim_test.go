package main

import (
	"os"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// TestDKIMKeyOfEveryRowFailsOnce checks that a DKIM key that would fail
// every message (512 bits) stops validate and send before any row, once,
// with exit 3, and that send books nothing.
func TestDKIMKeyOfEveryRowFailsOnce(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmpl := sendCampaign(t, 20)
	key := "../../render/testdata/dkim-rsa-512.pem"
	dkim := []string{"--dkim-key", key, "--dkim-selector", "sel"}

	r := mailrun(t, "", append([]string{"validate", "--data", data, "--template", tmpl}, dkim...)...)
	wantCode(t, r, 3)
	wantOneError(t, r, "RSA key of 512 bits")
	if strings.Contains(r.stdout, "row ") {
		t.Errorf("validate reported the key per row:\n%s", r.stdout)
	}

	r = mailrun(t, "", append([]string{"send", "--data", data, "--template", tmpl, "--smtp", srv.URL()}, dkim...)...)
	wantCode(t, r, 3)
	wantOneError(t, r, "RSA key of 512 bits")
	if n := len(srv.Transactions()); n != 0 {
		t.Errorf("the server got %d messages", n)
	}
	if b, err := os.ReadFile(data + ".state"); err == nil && strings.Contains(string(b), `"failed"`) {
		t.Errorf("send booked failures:\n%s", b)
	}
}

// TestSendNamesRetryFailed checks that a run that leaves alone the rows an
// earlier run recorded as failed says how to send them again.
func TestSendNamesRetryFailed(t *testing.T) {
	srv := smtptest.Start(t, smtptest.FailRcpt(550, 1, "r2@example.com"))
	data, tmpl := sendCampaign(t, 3)
	args := []string{"send", "--data", data, "--template", tmpl, "--smtp", srv.URL(), "-q"}
	wantCode(t, mailrun(t, "", args...), 4)
	r := mailrun(t, "", args...)
	wantCode(t, r, 4)
	wantOneError(t, r, "1 in an earlier run", "--retry-failed sends them again")
	r = mailrun(t, "", append(args, "--retry-failed")...)
	wantCode(t, r, 0)
}
