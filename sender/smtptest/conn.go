package smtptest

import (
	"bytes"
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// listener admits connections for the server: it numbers them, turns away
// those beyond MaxConns with a 421 greeting, and wraps them for TLS.
type listener struct {
	net.Listener
	s *Server
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		id, ok := l.s.admit()
		if !ok {
			var nc net.Conn = c
			if l.s.cfg.implicitTLS {
				nc = tls.Server(c, l.s.tlsConf)
			}
			go reject(nc)
			continue
		}
		tc := &trackedConn{Conn: c, id: id, s: l.s}
		if l.s.cfg.implicitTLS {
			return tls.Server(tc, l.s.tlsConf), nil
		}
		return tc, nil
	}
}

// reject greets c with 421, as a busy server does, and closes it.
func reject(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = c.Write([]byte("421 4.3.2 Too many connections, try again later\r\n"))
	_ = c.Close()
}

// trackedConn is an admitted connection: it counts reads (to see pipelining),
// can hide PIPELINING from the EHLO reply, and releases its slot on Close.
type trackedConn struct {
	net.Conn
	id    int
	s     *Server
	reads atomic.Int64
	once  sync.Once
}

func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.reads.Add(1)
	}
	return n, err
}

var pipeliningLine = []byte("250-PIPELINING\r\n")

func (c *trackedConn) Write(p []byte) (int, error) {
	// go-smtp writes each reply line with its own flush, so the capability
	// line arrives here on its own.
	if c.s.cfg.noPipelined && bytes.Equal(p, pipeliningLine) {
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *trackedConn) Close() error {
	c.once.Do(c.s.release)
	return c.Conn.Close()
}

// tracked returns the trackedConn under c, which may be wrapped in TLS.
func tracked(c net.Conn) *trackedConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	t, _ := c.(*trackedConn)
	return t
}
