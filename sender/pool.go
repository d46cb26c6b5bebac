// Package sender delivers mailrun's messages: Pool over SMTP, with a few
// long-lived connections and one shared rate limit, and Outbox into .eml
// files for dry runs. Both implement campaign.Sender.
//
// Pool uses go-mail to dial, start TLS and authenticate, then speaks the
// mail transaction itself so that it can pipeline MAIL, RCPT and DATA (RFC
// 2920) and return the server's final reply with its queue id.
package sender

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/wneessen/go-mail"
	"golang.org/x/time/rate"
)

// Config configures a Pool. The zero value of each field means its default.
type Config struct {
	// URL is smtp://[user@]host[:port] or smtps://[user@]host[:port]; see
	// ParseURL. It must not hold a password.
	URL string
	// Password is the AUTH password for the URL's user.
	Password string
	// TLSPolicy overrides the policy the URL implies: "mandatory",
	// "opportunistic" or "none".
	TLSPolicy string
	// Auth chooses the AUTH mechanism: "plain", "login", "cram-md5",
	// "scram-sha-256", "xoauth2" or "none". Empty means auto-discovery when
	// the URL has a user (note that go-mail discovers PLAIN and LOGIN only
	// over TLS), and no AUTH without a user.
	Auth string
	// HelloName is the EHLO name; default the host name.
	HelloName string
	// TLSSkipVerify turns off certificate verification.
	TLSSkipVerify bool
	// RootCAs replaces the system's roots for verification (for tests).
	RootCAs *x509.CertPool
	// Workers is the most connections open at once; default 4.
	Workers int
	// Rate is the shared rate of messages per second; 0 means unlimited
	// (rate.Inf). Burst is how many messages may go at once; default 1.
	Rate  rate.Limit
	Burst int
	// MaxPerConn is how many messages a connection carries before it is
	// replaced; default 100.
	MaxPerConn int
	// Timeout bounds each SMTP step (connect, a command and its reply, the
	// data and its reply); default 30s. IdleTimeout is how long a
	// connection may sit unused before it is replaced rather than reused;
	// default 10s.
	Timeout, IdleTimeout time.Duration
	// Logger receives rate changes and connection events; default none.
	Logger *slog.Logger
}

// Pool sends messages over at most Workers SMTP connections, dialled
// lazily and each reused for up to MaxPerConn messages. A connection is
// replaced after it idled longer than IdleTimeout, and dropped after a lost
// connection, a timeout or a 421 reply. When the server greets a new
// connection with 421 while others are open, the pool keeps to the
// connections it has (Stats.Conns) and tries one more every 30 seconds.
//
// Before each message, Send takes a token from one rate limiter shared by
// all connections. A 421, 451 or 454 reply halves that rate (at most once a
// second, never below a tenth of the configured rate) and it then recovers
// by a tenth every 3 seconds without such a reply. With an unlimited rate,
// a slow-down sets half the throughput observed so far (once at least 10
// messages give one), and the rate becomes unlimited again once it has
// recovered to twice that. Both changes are logged.
//
// Burst defaults to 1: messages are spaced evenly, so that no one-second
// window carries more than Rate + Burst messages.
type Pool struct {
	cfg    Config
	ep     Endpoint
	client *mail.Client
	thr    *throttle
	log    *slog.Logger

	slots     chan struct{} // one per Send in progress, at most Workers
	done      chan struct{} // closed by Close: waits end
	closeOnce sync.Once

	bg      sync.WaitGroup // retirements of stale connections
	closeMu sync.Mutex     // one Close at a time
	dials   atomic.Int64

	mu       sync.Mutex
	idle     []*conn      // open connections not in use, most recently used last
	waiters  []chan *conn // Sends waiting for a connection, longest first
	open     int          // connections open or being dialled
	limit    int          // most connections to open: Workers, or fewer after a 421
	limitSet time.Time    // when limit was last lowered or raised
}

var _ campaign.Sender = (*Pool)(nil)

// NewPool checks cfg and returns a Pool. It opens no connection: the first
// Send dials. Errors come from an invalid URL, policy, AUTH mechanism or
// worker count, and never contain the password.
func NewPool(cfg Config) (*Pool, error) {
	ep, err := ParseURL(cfg.URL, cfg.TLSPolicy)
	if err != nil {
		return nil, err
	}
	if cfg.Workers == 0 {
		cfg.Workers = 4
	}
	if cfg.Burst == 0 {
		cfg.Burst = 1
	}
	if cfg.MaxPerConn == 0 {
		cfg.MaxPerConn = 100
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 10 * time.Second
	}
	if cfg.Rate == 0 {
		cfg.Rate = rate.Inf
	}
	if cfg.Workers < 0 || cfg.Burst < 0 || cfg.MaxPerConn < 0 || cfg.Timeout < 0 || cfg.IdleTimeout < 0 || cfg.Rate < 0 {
		return nil, errors.New("sender: workers, burst, max-per-conn, rate and timeouts must not be negative")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	opts, err := clientOptions(cfg, ep)
	if err != nil {
		return nil, err
	}
	client, err := mail.NewClient(ep.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("sender: %w", err)
	}
	p := &Pool{cfg: cfg, ep: ep, client: client, log: cfg.Logger,
		thr: newThrottle(cfg.Rate, cfg.Burst, cfg.Logger), slots: make(chan struct{}, cfg.Workers), limit: cfg.Workers}
	p.done = make(chan struct{})
	return p, nil
}

// authTypes maps Config.Auth to go-mail's mechanisms.
var authTypes = map[string]mail.SMTPAuthType{
	"plain": mail.SMTPAuthPlain, "login": mail.SMTPAuthLogin, "cram-md5": mail.SMTPAuthCramMD5,
	"scram-sha-256": mail.SMTPAuthSCRAMSHA256, "xoauth2": mail.SMTPAuthXOAUTH2,
	"": mail.SMTPAuthAutoDiscover, "none": mail.SMTPAuthNoAuth,
}

// clientOptions translates cfg into go-mail options.
func clientOptions(cfg Config, ep Endpoint) ([]mail.Option, error) {
	tlsConf := &tls.Config{ServerName: ep.Host, MinVersion: tls.VersionTLS12,
		RootCAs: cfg.RootCAs, InsecureSkipVerify: cfg.TLSSkipVerify} //nolint:gosec // only on request.
	opts := []mail.Option{mail.WithPort(ep.Port), mail.WithTimeout(cfg.Timeout), mail.WithTLSConfig(tlsConf)}
	switch {
	case ep.ImplicitTLS:
		opts = append(opts, mail.WithSSL())
	case ep.TLSPolicy == TLSOpportunistic:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	case ep.TLSPolicy == TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if cfg.HelloName != "" {
		opts = append(opts, mail.WithHELO(cfg.HelloName))
	}
	auth, ok := authTypes[strings.ToLower(cfg.Auth)]
	switch {
	case !ok:
		return nil, fmt.Errorf("sender: AUTH mechanism %q: want plain, login, cram-md5, scram-sha-256, xoauth2 or none", cfg.Auth)
	case auth == mail.SMTPAuthNoAuth || (ep.User == "" && cfg.Auth == ""):
	case ep.User == "":
		return nil, fmt.Errorf("sender: AUTH %s needs a user: smtp://user@host", cfg.Auth)
	default:
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(ep.User), mail.WithPassword(cfg.Password))
	}
	return opts, nil
}

// String describes the pool's server without any password.
func (p *Pool) String() string { return p.ep.String() }

// Stats is a snapshot of a Pool's state.
type Stats struct {
	// Rate is the current shared rate in messages per second (rate.Inf:
	// unlimited); lower than the configured one after a slow-down.
	Rate rate.Limit
	// Open is the number of open connections (or being dialled); Dials
	// counts the connections opened so far.
	Open  int
	Dials int64
	// Conns is the most connections the pool will open: Workers, or fewer
	// after the server refused a connection with 421.
	Conns int
}

// Stats returns the pool's current state. It is cheap and safe to call at
// any time.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{Rate: p.thr.Limit(), Open: p.open, Conns: p.limit, Dials: p.dials.Load()}
}
