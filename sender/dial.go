package sender

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/wneessen/go-mail/smtp"
)

// TLSError is inside the Fatal error of a failed TLS handshake with a
// relay, a certificate that does not verify among them.
type TLSError struct {
	// Host is the relay's host; CAFile is the file of CAs trusted for it
	// (Config.TLSCAFile), "" for the system's.
	Host, CAFile string
	Err          error
}

func (e *TLSError) Error() string {
	trusted := "the system's certificate authorities"
	if e.CAFile != "" {
		trusted = "the certificate authorities in " + e.CAFile
	}
	if isVerifyErr(e.Err) {
		return "sender: the TLS certificate of " + e.Host + " does not verify (trusting " + trusted + "): " + e.Err.Error()
	}
	return "sender: TLS with " + e.Host + ": " + e.Err.Error()
}

func (e *TLSError) Unwrap() error { return e.Err }

// Verify reports whether the failure is a certificate that does not
// verify, rather than a broken handshake.
func (e *TLSError) Verify() bool { return isVerifyErr(e.Err) }

// dial opens a new connection (see connect), signed in with the pool's
// password or, for XOAUTH2 with Config.Tokens, a fresh access token: a
// token the server refuses is replaced once and the connection tried again
// (see signIn). A throttling reply (a 421 greeting that asks to slow down)
// lowers the rate.
func (p *Pool) dial(ctx context.Context) (*conn, error) {
	cn, err := p.signIn(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		err = p.redact(err)
		var de *campaign.DeliveryError
		if errors.As(err, &de) && de.Throttle {
			p.thr.slowDown(de.Error())
		}
		p.log.Debug("smtp connect failed", "server", p.ep.String(), "err", err)
		return nil, err
	}
	if m := p.cfg.MaxRcptPerMessage; m > 0 && (cn.rcptMax == 0 || m < cn.rcptMax) {
		cn.rcptMax = m // the operator's limit feeds the server's
	}
	p.dials.Add(1)
	p.log.Debug("smtp connected", "server", p.ep.String(), "pipelining", cn.pipelining, "smtputf8", cn.utf8, "rcptmax", cn.rcptMax)
	return cn, nil
}

// connect opens, greets, secures and authenticates (with secret) a new
// connection to the pool's server, each step bounded by Timeout and every reply by
// maxReplyBytes. Errors are *campaign.DeliveryError (see setupError), or
// ctx's error as soon as ctx ends, whatever step is under way.
func (p *Pool) connect(ctx context.Context, secret string) (*conn, error) {
	d := net.Dialer{Timeout: p.cfg.Timeout}
	raw, err := d.DialContext(ctx, "tcp", net.JoinHostPort(p.ep.Host, strconv.Itoa(p.ep.Port)))
	if err != nil {
		return nil, setupError(phaseGreeting, err)
	}
	// The greeting, EHLO, STARTTLS and AUTH wait for their replies as long
	// as Timeout allows; an end of ctx ends them at once, as it ends the
	// TCP connect, by closing the connection.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	cn, err := p.greet(ctx, raw, secret)
	if !stop() {
		if err == nil {
			_ = cn.c.Close()
		}
		return nil, ctx.Err()
	}
	return cn, err
}

// greet greets, secures and authenticates (with secret) the new connection
// raw, for connect.
func (p *Pool) greet(ctx context.Context, raw net.Conn, secret string) (*conn, error) {
	bc := &boundedConn{Conn: raw}
	bc.allow(maxReplyBytes)
	_ = raw.SetDeadline(time.Now().Add(p.cfg.Timeout))
	var nc net.Conn = bc
	if p.ep.ImplicitTLS {
		tc := tls.Client(bc, p.tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, p.tlsError(err)
		}
		nc = tc
	}
	c, err := smtp.NewClient(nc, p.ep.Host)
	if err != nil {
		raw.Close()
		return nil, setupError(phaseGreeting, err)
	}
	cn, err := p.setup(c, bc, raw, secret)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	return cn, nil
}

// setup says EHLO, starts TLS and authenticates on a greeted connection.
func (p *Pool) setup(c *smtp.Client, bc *boundedConn, raw net.Conn, secret string) (*conn, error) {
	bc.allow(maxReplyBytes)
	_ = c.UpdateDeadline(p.cfg.Timeout)
	if err := c.Hello(p.helloName(raw.LocalAddr())); err != nil {
		return nil, setupError(phaseHello, err)
	}
	tlsOn := p.ep.ImplicitTLS
	if !tlsOn && p.ep.TLSPolicy != TLSNone {
		if ok, _ := c.Extension("STARTTLS"); ok {
			bc.allow(maxReplyBytes)
			_ = c.UpdateDeadline(p.cfg.Timeout)
			if err := c.StartTLS(p.tlsConf); err != nil {
				if isTLSErr(err) {
					return nil, p.tlsError(err)
				}
				return nil, setupError(phaseTLS, err)
			}
			tlsOn = true
		} else if p.ep.TLSPolicy == TLSMandatory {
			return nil, &campaign.DeliveryError{Class: campaign.Fatal, Scope: campaign.ScopeSession,
				Text: "the server does not offer STARTTLS, and TLS is mandatory"}
		}
	}
	bc.allow(maxReplyBytes)
	_ = c.UpdateDeadline(p.cfg.Timeout)
	loopback := false
	if a, ok := raw.RemoteAddr().(*net.TCPAddr); ok {
		loopback = a.IP.IsLoopback()
	}
	if err := p.authenticate(c, tlsOn, loopback, secret); err != nil {
		return nil, err
	}
	return newConn(c, bc, p.cfg.Timeout, p.cfg.DataTimeout), nil
}

// tlsError returns the Fatal error of a failed TLS handshake.
func (p *Pool) tlsError(err error) error {
	te := &TLSError{Host: p.ep.Host, CAFile: p.cfg.TLSCAFile, Err: err}
	return &campaign.DeliveryError{Class: campaign.Fatal, Scope: campaign.ScopeSession, Text: strings.TrimPrefix(te.Error(), "sender: "), Err: te}
}

// helloName returns the name to say in EHLO: Config.HelloName, else this
// host's fully qualified domain name, else the address literal of the
// connection's local address ("[192.0.2.1]", "[IPv6:2001:db8::1]"), which
// servers that insist on a fully qualified name accept.
func (p *Pool) helloName(local net.Addr) string {
	if p.cfg.HelloName != "" {
		return p.cfg.HelloName
	}
	if fqdn := hostFQDN(); fqdn != "" {
		return fqdn
	}
	a, ok := local.(*net.TCPAddr)
	if !ok {
		return "localhost"
	}
	return addressLiteral(a.IP)
}

// addressLiteral returns ip as an SMTP address literal (RFC 5321 4.1.3).
func addressLiteral(ip net.IP) string {
	if ip4 := ip.To4(); ip4 != nil {
		return "[" + ip4.String() + "]"
	}
	return "[IPv6:" + ip.String() + "]"
}

// hostFQDN returns this host's fully qualified domain name (its host name,
// or the canonical name the resolver gives for it, when either has a dot
// and is a valid host name), or "".
var hostFQDN = sync.OnceValue(func() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	if validFQDN(h) {
		return h
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if c, err := net.DefaultResolver.LookupCNAME(ctx, h); err == nil && validFQDN(strings.TrimSuffix(c, ".")) {
		return strings.TrimSuffix(c, ".")
	}
	return ""
})

// validFQDN reports whether h is a host name with at least two labels, of
// letters, digits and hyphens, not ending in ".localdomain" or ".local".
func validFQDN(h string) bool {
	if !strings.Contains(h, ".") || len(h) > 253 || strings.HasSuffix(h, ".localdomain") || strings.HasSuffix(h, ".local") {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}
