package main

import (
	"net"
	"os"
	"strings"
	"testing"
)

// TestSendStopsAtOnceWithoutAServer checks that a send to a port nothing
// listens on stops before any row, with exit 6 and one error line, and
// books no row in the state file (it used to defer every row, logging each
// retry, for most of a minute).
func TestSendStopsAtOnceWithoutAServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	data, tmpl := sendCampaign(t, 50)
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+addr, "--retry-wait", "1ms")
	wantCode(t, r, 6)
	wantOneError(t, r, "stopped before any message was sent", "connect", "fix it and run the same command again")
	if n := strings.Count(r.stderr, "\n"); n > 2 {
		t.Errorf("stderr has %d lines, want the error alone:\n%s", n, r.stderr)
	}
	b, err := os.ReadFile(data + ".state")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"key"`) {
		t.Errorf("rows were booked:\n%s", b)
	}
}
