package smtptest_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// These tests prove the private Postfix and Dovecot of .ci/servers/start:
// run them with
//
//	. "$(.ci/servers/start)" && go test -race -count=1 -run Real ./sender/smtptest/

// realMessage is a message that the tests find again by its token.
func realMessage(from, to, token string) string {
	return "From: <" + from + ">\r\n" +
		"To: <" + to + ">\r\n" +
		"Subject: smtptest " + token + "\r\n" +
		"Message-ID: <" + token + "@example.test>\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\n" +
		"\r\n" +
		"Hello from the smtptest harness.\r\n"
}

// realDial connects to a scenario and says EHLO with a fully qualified name.
func realDial(t *testing.T, p *smtptest.PostfixServer, scenario string) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(p.Addr(scenario))
	if err != nil {
		t.Fatalf("dial %s: %v", scenario, err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.example.test"); err != nil {
		t.Fatalf("EHLO: %v", err)
	}
	return c
}

// realSend runs one whole transaction on c.
func realSend(c *smtp.Client, from, to, msg string) error {
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("MAIL: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("RCPT: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	return w.Close()
}

func TestRealPostfixSubmission(t *testing.T) {
	t.Parallel()
	p := smtptest.Postfix(t)
	c := realDial(t, p, smtptest.ScenarioSubmission)
	if ok, _ := c.Extension("AUTH"); ok {
		t.Error("AUTH offered before STARTTLS")
	}
	if err := c.Mail(p.User); err == nil {
		t.Error("MAIL accepted before STARTTLS")
	} else if code, _ := replyOf(err); code != 530 {
		t.Errorf("MAIL before STARTTLS: %v, want 530", err)
	}
	if err := c.StartTLS(p.TLSConfig(t)); err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	if ok, mechs := c.Extension("AUTH"); !ok || !strings.Contains(mechs, "PLAIN") {
		t.Fatalf("AUTH after STARTTLS: %v %q, want PLAIN", ok, mechs)
	}
	// Without AUTH the server refuses the recipient.
	if err := c.Mail(p.User); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	if err := c.Rcpt("someone@example.com"); err == nil {
		t.Error("RCPT accepted without AUTH")
	} else if code, _ := replyOf(err); code != 554 {
		t.Errorf("RCPT without AUTH: %v, want 554", err)
	}
	if err := c.Reset(); err != nil {
		t.Fatalf("RSET: %v", err)
	}
	if err := c.Auth(smtp.PlainAuth("", p.User, p.Password, "127.0.0.1")); err != nil {
		t.Fatalf("AUTH PLAIN: %v", err)
	}
	token := smtptest.Token(t)
	to := "rcpt-" + token + "@example.com"
	if err := realSend(c, p.User, to, realMessage(p.User, to, token)); err != nil {
		t.Fatalf("send: %v", err)
	}
	if err := c.Quit(); err != nil {
		t.Errorf("QUIT: %v", err)
	}

	got := p.WaitMessages(t, token, 1)
	if len(got) != 1 {
		t.Fatalf("got %d messages with %s, want 1", len(got), token)
	}
	if dt := got[0].Header("Delivered-To"); dt != to {
		t.Errorf("Delivered-To: %q, want %q", dt, to)
	}
	if s := got[0].Header("Subject"); s != "smtptest "+token {
		t.Errorf("Subject: %q", s)
	}
	ids := p.QueueIDs(t, token)
	if len(ids) != 1 {
		t.Fatalf("queue ids for %s: %v, want one", token, ids)
	}
	lines := p.WaitRemoved(t, ids[0])
	if !realAnyContains(lines, "sasl_username="+p.User) || !realAnyContains(lines, "status=sent (delivered to maildir)") {
		t.Errorf("log of %s:\n%s", ids[0], strings.Join(lines, "\n"))
	}
	if n := len(p.Messages(t, token)); n != 1 {
		t.Errorf("after the queue let go of it: %d messages with %s, want 1", n, token)
	}
}

// realAnyContains reports whether any line contains s.
func realAnyContains(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// realDialTLS connects to the smtps scenario (implicit TLS) and says EHLO.
func realDialTLS(t *testing.T, p *smtptest.PostfixServer) *smtp.Client {
	t.Helper()
	conn, err := tls.Dial("tcp", p.Addr(smtptest.ScenarioSMTPS), p.TLSConfig(t))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c, err := smtp.NewClient(conn, "127.0.0.1")
	if err != nil {
		conn.Close()
		t.Fatalf("greeting: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.example.test"); err != nil {
		t.Fatalf("EHLO: %v", err)
	}
	return c
}

func TestRealPostfixSMTPS(t *testing.T) {
	t.Parallel()
	p := smtptest.Postfix(t)

	// net/smtp gives up the connection after a failed AUTH.
	c := realDialTLS(t, p)
	if err := c.Auth(smtp.PlainAuth("", p.User, "wrong", "127.0.0.1")); err == nil {
		t.Error("AUTH with a wrong password succeeded")
	} else if code, msg := replyOf(err); code != 535 || !strings.HasPrefix(msg, "5.7.8 ") {
		t.Errorf("AUTH with a wrong password: %v, want 535 5.7.8", err)
	}

	c = realDialTLS(t, p)
	if err := c.Auth(smtp.PlainAuth("", p.User, p.Password, "127.0.0.1")); err != nil {
		t.Fatalf("AUTH PLAIN: %v", err)
	}
	token := smtptest.Token(t)
	to := "smtps-" + token + "@example.net"
	if err := realSend(c, p.User, to, realMessage(p.User, to, token)); err != nil {
		t.Fatalf("send: %v", err)
	}
	c.Quit()
	p.WaitMessages(t, token, 1)
}

func TestRealPostfixRcptLimit(t *testing.T) {
	t.Parallel()
	p := smtptest.Postfix(t)
	c := realDial(t, p, smtptest.ScenarioRcptLimit)
	if err := c.Mail(p.User); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	for i := 1; i <= 3; i++ {
		err := c.Rcpt(fmt.Sprintf("r%d@example.com", i))
		if i <= p.RcptLimit {
			if err != nil {
				t.Fatalf("RCPT %d: %v", i, err)
			}
			continue
		}
		code, msg := replyOf(err)
		if code != 452 || !strings.HasPrefix(msg, "4.5.3 ") {
			t.Fatalf("RCPT %d: %v, want 452 4.5.3", i, err)
		}
	}
	if err := c.Reset(); err != nil {
		t.Fatalf("RSET: %v", err)
	}
	c.Quit()
}

func TestRealPostfixEHLO(t *testing.T) {
	t.Parallel()
	p := smtptest.Postfix(t)
	for _, tc := range []struct {
		scenario string
		ext      string
		want     bool
	}{
		{smtptest.ScenarioPlain, "PIPELINING", true},
		{smtptest.ScenarioPlain, "SMTPUTF8", true},
		{smtptest.ScenarioPlain, "STARTTLS", true},
		{smtptest.ScenarioPlain, "AUTH", false},
		{smtptest.ScenarioNoPipelining, "PIPELINING", false},
		{smtptest.ScenarioNoUTF8, "SMTPUTF8", false},
		{smtptest.ScenarioNoUTF8, "8BITMIME", false},
		{smtptest.ScenarioNoUTF8, "PIPELINING", true},
	} {
		c := realDial(t, p, tc.scenario)
		if ok, _ := c.Extension(tc.ext); ok != tc.want {
			t.Errorf("%s: EHLO has %s: %v, want %v", tc.scenario, tc.ext, ok, tc.want)
		}
		c.Quit()
	}
}

func TestRealPostfixRefusals(t *testing.T) {
	t.Parallel()
	p := smtptest.Postfix(t)

	// refusecc: one address refused, the others taken.
	c := realDial(t, p, smtptest.ScenarioRefuseCC)
	if err := c.Mail(p.User); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	if code, msg := replyOf(c.Rcpt(p.Refused)); code != 550 || !strings.HasPrefix(msg, "5.1.1 ") {
		t.Errorf("refusecc: RCPT %s: %d %s, want 550 5.1.1", p.Refused, code, msg)
	}
	if err := c.Rcpt("taken@example.org"); err != nil {
		t.Errorf("refusecc: RCPT taken@example.org: %v", err)
	}
	c.Reset()
	c.Quit()

	// fqdnhelo: a bare host name in EHLO is refused at RCPT.
	c2, err := smtp.Dial(p.Addr(smtptest.ScenarioFQDNHelo))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c2.Close()
	if err := c2.Hello("localhost"); err != nil {
		t.Fatalf("EHLO: %v", err)
	}
	if err := c2.Mail(p.User); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	if code, msg := replyOf(c2.Rcpt("x@example.com")); code != 504 || !strings.HasPrefix(msg, "5.5.2 ") {
		t.Errorf("fqdnhelo: RCPT after EHLO localhost: %d %s, want 504 5.5.2", code, msg)
	}
	c2.Quit()
	c3 := realDial(t, p, smtptest.ScenarioFQDNHelo)
	if err := c3.Mail(p.User); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	if err := c3.Rcpt("x@example.com"); err != nil {
		t.Errorf("fqdnhelo: RCPT after EHLO client.example.test: %v", err)
	}
	c3.Reset()
	c3.Quit()

	// The bounce domain is refused at RCPT everywhere but on the bounce
	// scenario.
	c4 := realDial(t, p, smtptest.ScenarioPlain)
	if err := c4.Mail(p.User); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	if code, _ := replyOf(c4.Rcpt("nobody@" + p.BounceDomain)); code != 550 {
		t.Errorf("plain: RCPT nobody@%s: %d, want 550", p.BounceDomain, code)
	}
	c4.Quit()
}

func TestRealPostfixBounce(t *testing.T) {
	t.Parallel()
	p := smtptest.Postfix(t)
	c := realDial(t, p, smtptest.ScenarioBounce)
	token := smtptest.Token(t)
	to := "nobody-" + token + "@" + p.BounceDomain
	if err := realSend(c, p.User, to, realMessage(p.User, to, token)); err != nil {
		t.Fatalf("send: %v", err)
	}
	c.Quit()

	dsn := p.WaitBounces(t, token, 1)
	if len(dsn) != 1 {
		t.Fatalf("got %d DSNs for %s, want 1", len(dsn), token)
	}
	data := string(dsn[0].Data)
	for _, want := range []string{
		"report-type=delivery-status",
		"Final-Recipient: rfc822; " + to,
		"Action: failed",
		"Status: 5.1.1",
		"Subject: smtptest " + token,
	} {
		if !strings.Contains(data, want) {
			t.Errorf("DSN lacks %q:\n%s", want, data)
		}
	}
	// net/smtp says SMTPUTF8 in MAIL FROM when the server offers it, and
	// Postfix then sends an RFC 6533 DSN: message/global-delivery-status
	// instead of message/delivery-status.
	if !realDSNPart.MatchString(data) {
		t.Errorf("DSN lacks a delivery-status part:\n%s", data)
	}
	if got := dsn[0].Header("Return-Path"); got != "<>" {
		t.Errorf("DSN Return-Path: %q, want <>", got)
	}
	if n := len(p.Messages(t, token)); n != 0 {
		t.Errorf("%d messages with %s delivered, want 0", n, token)
	}
}

var realDSNPart = regexp.MustCompile(`(?m)^Content-Type: message/(global-)?delivery-status$`)

func TestRealDovecot(t *testing.T) {
	t.Parallel()
	d := smtptest.Dovecot(t)
	for _, implicit := range []bool{true, false} {
		var conn net.Conn
		var err error
		if implicit {
			conn, err = tls.Dial("tcp", d.IMAPS, d.TLSConfig(t))
		} else {
			conn, err = net.Dial("tcp", d.IMAP)
		}
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(conn)
		greeting, err := r.ReadString('\n')
		if err != nil || !strings.HasPrefix(greeting, "* OK") {
			t.Errorf("greeting: %q %v", greeting, err)
		}
		if !implicit && !strings.Contains(greeting, "STARTTLS") {
			t.Errorf("plain IMAP greeting lacks STARTTLS: %q", greeting)
		}
		if implicit {
			fmt.Fprintf(conn, "a LOGIN %q %q\r\n", d.User, d.Password)
			line, err := r.ReadString('\n')
			if err != nil || !strings.HasPrefix(line, "a OK") {
				t.Errorf("LOGIN: %q %v", line, err)
			}
			fmt.Fprintf(conn, "b LOGOUT\r\n")
		}
		conn.Close()
	}
}

// TestRealPostfixRateLimit uses up the ratelimit scenario's budget for
// 127.0.0.1, which every test shares, so it runs only when asked:
// MAILRUN_TEST_POSTFIX_RATELIMIT_SELFTEST=1.
func TestRealPostfixRateLimit(t *testing.T) {
	p := smtptest.Postfix(t)
	if os.Getenv("MAILRUN_TEST_POSTFIX_RATELIMIT_SELFTEST") != "1" {
		t.Skip("set MAILRUN_TEST_POSTFIX_RATELIMIT_SELFTEST=1 to run it")
	}
	c := realDial(t, p, smtptest.ScenarioRateLimit)
	throttled := time.Time{}
	for i := 1; i <= p.RateLimit+1; i++ {
		err := c.Mail(p.User)
		if err == nil {
			if err := c.Reset(); err != nil {
				t.Fatalf("RSET: %v", err)
			}
			continue
		}
		code, msg := replyOf(err)
		if code != 450 || !strings.HasPrefix(msg, "4.7.1 ") {
			t.Fatalf("MAIL %d: %v, want 450 4.7.1", i, err)
		}
		throttled = time.Now()
		break
	}
	if throttled.IsZero() {
		t.Fatalf("%d MAIL commands taken, want a 450 after %d", p.RateLimit+1, p.RateLimit)
	}
	// The window ends at most RateUnit after it began.
	deadline := throttled.Add(p.RateUnit + 5*time.Second)
	for {
		err := c.Mail(p.User)
		if err == nil {
			t.Logf("taken again after %v", time.Since(throttled).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still throttled %v after the 450: %v", time.Since(throttled), err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	c.Reset()
	c.Quit()
}
