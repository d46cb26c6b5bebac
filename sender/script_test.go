package sender_test

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// scripted is a small SMTP server that a test writes line by line, to play
// what the go-smtp test server will not: a hostile or broken server.
type scripted struct {
	ln   net.Listener
	mu   sync.Mutex
	seen []string // the client's lines, in order, on every connection
}

// scriptConn is one connection of a scripted server.
type scriptConn struct {
	s *scripted
	c net.Conn
	r *bufio.Reader
}

// startScripted listens on addr ("127.0.0.1:0", "[::1]:0") and runs play
// on each connection; it stops when the test ends.
func startScripted(t *testing.T, addr string, play func(c *scriptConn)) *scripted {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	s := &scripted{ln: ln}
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				play(&scriptConn{s: s, c: c, r: bufio.NewReader(c)})
			})
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return s
}

// Addr returns the address clients dial.
func (s *scripted) Addr() string { return s.ln.Addr().String() }

// Seen returns the client's lines so far.
func (s *scripted) Seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// saw reports whether a line the client sent starts with prefix.
func (s *scripted) saw(prefix string) bool {
	for _, l := range s.Seen() {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// send writes lines, each ended with CRLF.
func (c *scriptConn) send(lines ...string) bool {
	for _, l := range lines {
		if _, err := c.c.Write([]byte(l + "\r\n")); err != nil {
			return false
		}
	}
	return true
}

// line reads the client's next line, "" when the connection ended.
func (c *scriptConn) line() string {
	l, err := c.r.ReadString('\n')
	if err != nil {
		return ""
	}
	l = strings.TrimRight(l, "\r\n")
	c.s.mu.Lock()
	c.s.seen = append(c.s.seen, l)
	c.s.mu.Unlock()
	return l
}

// data reads message data up to its final dot and reports whether it came.
func (c *scriptConn) data() bool {
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			return false
		}
		if l == ".\r\n" {
			return true
		}
	}
}

// greet sends the greeting, reads EHLO and answers it with ext.
func (c *scriptConn) greet(ext ...string) bool {
	if !c.send("220 scripted.test ESMTP") {
		return false
	}
	if l := c.line(); !strings.HasPrefix(strings.ToUpper(l), "EHLO ") {
		return false
	}
	lines := []string{"250-scripted.test"}
	for _, e := range ext {
		lines = append(lines, "250-"+e)
	}
	lines = append(lines, "250 ENHANCEDSTATUSCODES")
	return c.send(lines...)
}

// serve answers MAIL, RCPT, DATA, RSET and QUIT plainly, calling final for
// the reply to each message's final dot ("" cuts the connection).
func (c *scriptConn) serve(final func() string) {
	for {
		l := c.line()
		switch cmd := strings.ToUpper(l); {
		case l == "":
			return
		case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"), strings.HasPrefix(cmd, "RSET"):
			c.send("250 2.0.0 Ok")
		case cmd == "DATA":
			c.send("354 go ahead")
			if !c.data() {
				return
			}
			r := final()
			if r == "" {
				return
			}
			c.send(r)
		case cmd == "QUIT":
			c.send("221 2.0.0 Bye")
			return
		default:
			c.send("502 5.5.2 Error: command not recognized")
		}
	}
}
