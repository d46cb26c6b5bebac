package sender_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender"
)

// scriptedPool returns a Pool without AUTH against a scripted server.
func scriptedPool(t *testing.T, url string, mod func(*sender.Config)) *sender.Pool {
	t.Helper()
	cfg := sender.Config{URL: url, Workers: 1, Timeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	p, err := sender.NewPool(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// endless sends "250-" lines until the client goes away, and returns how
// many bytes it wrote.
func endless(c *scriptConn) int {
	n := 0
	line := "250-" + strings.Repeat("x", 70)
	for c.send(line) {
		if n += len(line) + 2; n > 50<<20 {
			break // the client should have given up long ago
		}
	}
	return n
}

func TestEndlessReplyIsBounded(t *testing.T) {
	for _, tt := range []struct {
		name      string
		where     string
		ambiguous bool
	}{
		{"EHLO reply", "ehlo", false},
		{"reply to MAIL", "mail", false},
		{"reply to the final dot", "dot", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wrote := make(chan int, 1)
			srv := startScripted(t, "127.0.0.1:0", func(c *scriptConn) {
				c.send("220 hostile.test ESMTP")
				c.line()
				if tt.where == "ehlo" {
					wrote <- endless(c)
					return
				}
				c.send("250-hostile.test", "250 PIPELINING")
				for {
					l := c.line()
					switch {
					case l == "":
						return
					case strings.HasPrefix(l, "MAIL") && tt.where == "mail":
						wrote <- endless(c)
						return
					case l == "DATA":
						c.send("250 2.0.0 Ok", "354 go ahead") // the RCPT's reply, then DATA's
						if c.data() {
							wrote <- endless(c)
						}
						return
					case strings.HasPrefix(l, "MAIL"):
						c.send("250 2.0.0 Ok")
					}
				}
			})
			p := scriptedPool(t, "smtp://"+srv.Addr(), nil)
			_, err := p.Send(context.Background(), message(1), nil)
			de := deliveryError(t, err)
			if de.Class != campaign.Temporary || de.Ambiguous != tt.ambiguous || !strings.Contains(err.Error(), "exceeds") {
				t.Errorf("got %v (ambiguous %v), want a temporary failure naming the bound, ambiguous %v", err, de.Ambiguous, tt.ambiguous)
			}
			if n := <-wrote; n > 8<<20 {
				t.Errorf("the client read on for %d bytes", n)
			}
		})
	}
}

func TestFinalDotReplies(t *testing.T) {
	tests := []struct {
		name        string
		reply       string
		delay       time.Duration
		dataTimeout time.Duration
		wantErr     bool
		ambiguous   bool
		wantInText  string
	}{
		{"251 delivers", "251 2.1.5 Ok, will forward", 0, 0, false, false, ""},
		{"a slow content filter within the data timeout", "250 2.0.0 Ok: queued as SLOW", 600 * time.Millisecond, 10 * time.Second, false, false, ""},
		{"past the data timeout: unknown", "250 2.0.0 Ok: queued as LATE", time.Second, 200 * time.Millisecond, true, true, "timed out"},
		{"cut after the final dot: unknown", "", 0, 0, true, true, "connection lost"},
		{"a reply out of step", "354 go ahead again", 0, 0, true, true, "out of step"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startScripted(t, "127.0.0.1:0", func(c *scriptConn) {
				if !c.greet() {
					return
				}
				c.serve(func() string {
					time.Sleep(tt.delay) // the server's filter at work
					return tt.reply
				})
			})
			p := scriptedPool(t, "smtp://"+srv.Addr(), func(c *sender.Config) {
				c.Timeout, c.DataTimeout = 300*time.Millisecond, tt.dataTimeout
			})
			reply, err := p.Send(context.Background(), message(1), nil)
			if !tt.wantErr {
				if err != nil || reply != tt.reply {
					t.Fatalf("Send: %q, %v; want %q", reply, err, tt.reply)
				}
				return
			}
			de := deliveryError(t, err)
			if de.Class != campaign.Temporary || de.Ambiguous != tt.ambiguous || !strings.Contains(err.Error(), tt.wantInText) {
				t.Errorf("got %v (ambiguous %v), want a temporary failure with %q, ambiguous %v", err, de.Ambiguous, tt.wantInText, tt.ambiguous)
			}
		})
	}
}

func TestReplyDesync(t *testing.T) {
	// The server answers RCPT twice: every later reply answers the wrong
	// command.
	srv := startScripted(t, "127.0.0.1:0", func(c *scriptConn) {
		if !c.greet() {
			return
		}
		for {
			switch l := c.line(); {
			case l == "":
				return
			case strings.HasPrefix(l, "RCPT"):
				c.send("250 2.1.5 Ok", "250 2.1.5 ok")
			case l == "DATA":
				c.send("354 go ahead")
			default:
				c.send("250 2.0.0 Ok")
			}
		}
	})
	p := scriptedPool(t, "smtp://"+srv.Addr(), nil)
	_, err := p.Send(context.Background(), message(1), nil)
	de := deliveryError(t, err)
	if de.Class != campaign.Temporary || !strings.Contains(err.Error(), `answered DATA with "250 2.1.5 ok"`) ||
		!strings.Contains(err.Error(), "out of step") || strings.HasPrefix(err.Error(), "temporary 250") {
		t.Errorf("got %q, want a protocol error that names the step and the reply", err)
	}
}

func TestIPv6LiteralRelay(t *testing.T) {
	srv := startScripted(t, "[::1]:0", func(c *scriptConn) {
		if c.greet() {
			c.serve(func() string { return "250 2.0.0 Ok: queued as V6" })
		}
	})
	_, port, _ := strings.Cut(srv.Addr(), "]:")
	p := scriptedPool(t, "smtp://[::1]:"+port, nil)
	reply, err := p.Send(context.Background(), message(1), nil)
	if err != nil || !strings.Contains(reply, "V6") {
		t.Fatalf("Send over [::1]: %q, %v", reply, err)
	}
	if !srv.saw("EHLO [IPv6:::1]") && !srv.saw("EHLO ") {
		t.Errorf("no EHLO in %v", srv.Seen())
	}
}
