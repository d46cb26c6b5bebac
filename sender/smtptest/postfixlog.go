package smtptest

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// Log returns Postfix's log so far.
func (p *PostfixServer) Log(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(p.LogFile)
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	return string(b)
}

// LogContains reports whether Postfix's log contains s.
func (p *PostfixServer) LogContains(t testing.TB, s string) bool {
	t.Helper()
	return strings.Contains(p.Log(t), s)
}

// LogLines returns the lines of Postfix's log that contain s, such as a
// queue id or a token used in an address.
func (p *PostfixServer) LogLines(t testing.TB, s string) []string {
	t.Helper()
	var out []string
	for line := range strings.Lines(p.Log(t)) {
		if strings.Contains(line, s) {
			out = append(out, strings.TrimSuffix(line, "\n"))
		}
	}
	return out
}

// WaitLog waits until Postfix's log contains s.
func (p *PostfixServer) WaitLog(t testing.TB, s string) {
	t.Helper()
	poll(t, func() bool { return p.LogContains(t, s) },
		func() string { return fmt.Sprintf("%q not in %s", s, p.LogFile) })
}

// WaitRemoved waits until Postfix is done with the message of a queue id
// (see QueueID): every recipient delivered or bounced, and any DSN queued
// under its own id. It returns the log lines of the queue id.
func (p *PostfixServer) WaitRemoved(t testing.TB, queueID string) []string {
	t.Helper()
	p.WaitLog(t, " "+queueID+": removed")
	return p.LogLines(t, " "+queueID+": ")
}

// QueueIDs returns the queue ids of the messages whose Message-ID contains
// token, from the log lines "<queue id>: message-id=<...>" that Postfix
// writes when it takes a message.
func (p *PostfixServer) QueueIDs(t testing.TB, token string) []string {
	t.Helper()
	var ids []string
	for _, line := range p.LogLines(t, token) {
		if m := messageIDLine.FindStringSubmatch(line); m != nil && strings.Contains(m[2], token) {
			ids = append(ids, m[1])
		}
	}
	return ids
}

var messageIDLine = regexp.MustCompile(`/cleanup\[\d+\]: ([0-9A-Za-z]+): message-id=(.*)$`)

var queuedAs = regexp.MustCompile(`queued as ([0-9A-Za-z]+)`)

// QueueID returns the queue id in a reply to the final dot, such as
// "2.0.0 Ok: queued as 3E7C398400A", or "".
func QueueID(reply string) string {
	m := queuedAs.FindStringSubmatch(reply)
	if m == nil {
		return ""
	}
	return m[1]
}

var sentLine = regexp.MustCompile(` to=<([^>]*)>,.* status=sent `)

// Sent counts, by recipient address (as it went on the wire), the
// deliveries Postfix's log records for the recipients whose address
// contains token.
func (p *PostfixServer) Sent(t testing.TB, token string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, line := range p.LogLines(t, token) {
		if m := sentLine.FindStringSubmatch(line); m != nil && strings.Contains(m[1], token) {
			got[m[1]]++
		}
	}
	return got
}

// WaitSent waits until Postfix's log records at least n deliveries to
// recipients whose address contains token, and returns them as Sent does.
func (p *PostfixServer) WaitSent(t testing.TB, token string, n int) map[string]int {
	t.Helper()
	var got map[string]int
	total := func() int {
		s := 0
		for _, c := range got {
			s += c
		}
		return s
	}
	poll(t, func() bool {
		got = p.Sent(t, token)
		return total() >= n
	}, func() string {
		return fmt.Sprintf("%d deliveries to addresses with %q in %s, want %d", total(), token, p.LogFile, n)
	})
	return got
}
