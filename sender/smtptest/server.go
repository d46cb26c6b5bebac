// Package smtptest runs an in-process SMTP server for tests, built on
// github.com/emersion/go-smtp. It listens on 127.0.0.1 on a free port,
// records every message it receives, and can inject the failures a bulk
// sender must handle: refused recipients, temporary replies, dropped
// connections, slow replies, too many connections, AUTH and TLS.
//
// A typical test:
//
//	srv := smtptest.Start(t, smtptest.FailRcpt(550, 0, "gone@example.com"))
//	// ... send to srv.Addr() ...
//	msgs := srv.Messages()
//
// The server advertises PIPELINING (unless NoPipelining), 8BITMIME,
// ENHANCEDSTATUSCODES and SIZE, and accepts each message with
// "250 2.0.0 Ok: queued as <id>".
package smtptest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one DATA transaction the server received, accepted or not.
type Message struct {
	// From is the MAIL FROM address; To holds the accepted RCPT TO
	// addresses in order.
	From string
	To   []string
	// Data is the message as sent, dot-unstuffed, with its CRLF line ends.
	Data []byte
	// Conn identifies the connection the message came on: 1 for the first
	// connection the server admitted, 2 for the next, and so on.
	Conn int
	// Code is the reply code the server gave to the final dot: 250 when
	// the message was accepted, the injected code otherwise, and 0 when the
	// connection was cut before a reply (see CutData).
	Code int
	// QueueID is the id in the reply "250 2.0.0 Ok: queued as <id>", empty
	// when the message was not accepted.
	QueueID string
	// Reads is how many network reads the server needed to receive the
	// MAIL, RCPT and DATA commands of the message: 1 when the client
	// pipelined them in one write. It is only meaningful without TLS.
	Reads int
	// TLS is true when the message came over TLS (STARTTLS or implicit).
	TLS bool
	// Hello is the name the client gave in EHLO (or HELO).
	Hello string
	// Time is when the server finished reading the data.
	Time time.Time
}

// Server is a running test SMTP server. Its methods are safe for concurrent
// use. It stops when the test that started it ends.
type Server struct {
	cfg     config
	srv     *smtp.Server
	addr    string
	roots   *x509.CertPool
	tlsConf *tls.Config
	done    chan struct{}
	stop    sync.Once

	mu                    sync.Mutex
	msgs                  []Message
	conns                 int // connections admitted so far
	rejected              int // connections turned away with 421
	open                  int // connections open now
	peak                  int // most connections open at once
	queued                int // queue ids handed out
	logins, loginsRefused int
	waits                 []wait
}

// wait is a channel to close once the server has accepted n messages.
type wait struct {
	n  int
	ch chan struct{}
}

// Start starts a server on 127.0.0.1:0 configured by opts and registers its
// shutdown with t.Cleanup. It fails the test if the server cannot start.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{done: make(chan struct{})}
	for _, o := range opts {
		o(&s.cfg)
	}
	if s.cfg.startTLS || s.cfg.implicitTLS {
		conf, roots, err := serverTLS()
		if err != nil {
			t.Fatalf("smtptest: test certificate: %v", err)
		}
		s.tlsConf, s.roots = conf, roots
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.addr = ln.Addr().String()

	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "smtptest.localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.MaxRecipients = s.cfg.rcptMax
	s.srv.EnableSMTPUTF8 = s.cfg.smtputf8
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	if s.cfg.startTLS || s.cfg.implicitTLS {
		// With implicit TLS the connection is already TLS, so go-smtp does
		// not advertise STARTTLS.
		s.srv.TLSConfig = s.tlsConf
	}
	go s.srv.Serve(&listener{Listener: ln, s: s}) //nolint:errcheck // Serve ends with Close.
	t.Cleanup(s.Close)
	return s
}

// Close stops the server abruptly, as a crash or a pulled cable would: the
// listener closes, so that new connections are refused, and every open
// connection is closed without a reply, even in the middle of a
// transaction. A message whose data the server had read in full before
// Close stays recorded as accepted although its client never saw the reply
// (the ambiguous case). Close is safe to call more than once; the test's
// cleanup calls it too.
func (s *Server) Close() {
	s.stop.Do(func() {
		close(s.done)
		s.srv.Close()
	})
}

// Addr returns the server's address as "127.0.0.1:port".
func (s *Server) Addr() string { return s.addr }

// Port returns the port the server listens on.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// URL returns "smtp://127.0.0.1:port", or "smtps://..." with ImplicitTLS.
func (s *Server) URL() string {
	if s.cfg.implicitTLS {
		return "smtps://" + s.addr
	}
	return "smtp://" + s.addr
}

// RootCAs returns a pool holding the server's self-signed certificate, for a
// client's tls.Config.RootCAs, or nil when the server uses no TLS.
func (s *Server) RootCAs() *x509.CertPool { return s.roots }

// Messages returns the messages the server accepted (Code 250), in the order
// it received them.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.msgs {
		if m.Code == 250 {
			out = append(out, m)
		}
	}
	return out
}

// PerRecipient counts, for each envelope recipient, the messages the
// server accepted for it.
func (s *Server) PerRecipient() map[string]int {
	got := map[string]int{}
	for _, m := range s.Messages() {
		for _, to := range m.To {
			got[to]++
		}
	}
	return got
}

// Received returns a channel that is closed once the server has accepted n
// messages in all, so that a test can wait for deliveries without polling:
//
//	select {
//	case <-srv.Received(10):
//	case <-time.After(10 * time.Second):
//		t.Fatal("timed out")
//	}
func (s *Server) Received(n int) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan struct{})
	if s.queued >= n {
		close(ch)
	} else {
		s.waits = append(s.waits, wait{n, ch})
	}
	return ch
}

// Transactions returns every message whose data the server read, accepted,
// refused or cut, in the order it received them.
func (s *Server) Transactions() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Connections returns how many connections the server has admitted (greeted
// with 220) so far, open or closed.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Rejected returns how many connections the server turned away with 421
// because of MaxConns.
func (s *Server) Rejected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected
}

// PeakConnections returns the largest number of admitted connections that
// were open at the same time.
func (s *Server) PeakConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// PerConn returns the number of accepted messages by connection id.
func (s *Server) PerConn() map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := make(map[int]int)
	for _, m := range s.msgs {
		if m.Code == 250 {
			n[m.Conn]++
		}
	}
	return n
}

// admit registers a new connection and returns its id, or false when
// MaxConns says to turn it away.
func (s *Server) admit() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.maxConns > 0 && s.open >= s.cfg.maxConns {
		s.rejected++
		return 0, false
	}
	s.conns++
	s.open++
	s.peak = max(s.peak, s.open)
	return s.conns, true
}

func (s *Server) release() {
	s.mu.Lock()
	s.open--
	s.mu.Unlock()
}

// record stores m, giving it a queue id when it was accepted.
func (s *Server) record(m Message) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.Code == 250 {
		s.queued++
		m.QueueID = fmt.Sprintf("T%07X", s.queued)
		s.waits = slices.DeleteFunc(s.waits, func(w wait) bool {
			if s.queued >= w.n {
				close(w.ch)
				return true
			}
			return false
		})
	}
	s.msgs = append(s.msgs, m)
	return m
}

// wait sleeps for the configured delay or until the server closes.
func (s *Server) wait() {
	if s.cfg.delay <= 0 {
		return
	}
	t := time.NewTimer(s.cfg.delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.done:
	}
}
