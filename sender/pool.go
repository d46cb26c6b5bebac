// Package sender delivers mailrun's messages: Pool over SMTP, with a few
// long-lived connections and one shared rate limit, and Outbox into .eml
// files for dry runs. Both implement campaign.Sender.
//
// Pool dials, greets, starts TLS and authenticates with go-mail's SMTP
// client (choosing the EHLO name and the AUTH mechanism itself), then
// speaks the mail transaction itself so that it can pipeline MAIL, RCPT and
// DATA (RFC 2920), split recipients over transactions, deliver to the
// recipients a server accepts, and return the server's final reply with
// its queue id. Every reply it reads is bounded in lines and bytes.
package sender

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender/credential"
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
	// "scram-sha-256", "scram-sha-1", "xoauth2" (with Tokens, or Password
	// as a fixed token) or "none". Empty means, when the URL has a user, the first the server
	// offers of PLAIN, LOGIN, SCRAM-SHA-256, SCRAM-SHA-1 and CRAM-MD5. No
	// mechanism ever sends anything to a host other than loopback over a
	// connection without TLS.
	Auth string
	// Tokens gives XOAUTH2's access tokens: each new connection signs in
	// with a current one (see TokenSource); Password is then not used.
	Tokens TokenSource
	// MaxRcptPerMessage caps the recipients of one transaction (a
	// provider's limit); a server's LIMITS RCPTMAX, when lower, wins. The
	// recipients beyond it go in further transactions. 0: no cap.
	MaxRcptPerMessage int
	// Pacer, when set, takes the throttling replies that concern one
	// recipient: they slow that recipient's domain (DomainPacer.SlowDown)
	// instead of the pool's rate.
	Pacer *DomainPacer
	// HelloName is the EHLO name; default this host's fully qualified
	// name, else the address literal of the connection's local address.
	HelloName string
	// TLSSkipVerify turns off certificate verification.
	TLSSkipVerify bool
	// TLSCAFile names a PEM file of the certificate authorities to trust
	// instead of the system's; RootCAs, when set, is used instead (tests).
	TLSCAFile string
	RootCAs   *x509.CertPool
	// Workers is the most connections open at once; default 4.
	Workers int
	// Rate is the shared rate of messages per second; 0 means unlimited
	// (rate.Inf). Burst is how many messages may go at once; default 1.
	Rate  rate.Limit
	Burst int
	// MaxPerConn is how many messages a connection carries before it is
	// replaced; default 100.
	MaxPerConn int
	// Timeout bounds each SMTP step (connect, a command and its reply,
	// writing the data); default 30s. DataTimeout bounds the wait for the
	// reply to the final dot, while the server's filters look at the
	// message; default 10 minutes (RFC 5321 4.5.3.2.6). IdleTimeout is how
	// long a connection may sit unused before it is replaced rather than
	// reused; default 10s.
	Timeout, DataTimeout, IdleTimeout time.Duration
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
// all connections. A throttling reply (see classify) halves that rate (at most once a
// second, never below a tenth of the configured rate) and it then recovers
// by a tenth every 3 seconds without such a reply. With an unlimited rate,
// a slow-down sets half the throughput observed so far (once at least 10
// messages give one), and the rate becomes unlimited again once it has
// recovered to twice that. Both changes are logged.
//
// Burst defaults to 1: messages are spaced evenly, so that no one-second
// window carries more than Rate + Burst messages.
type Pool struct {
	cfg     Config
	ep      Endpoint
	mech    string // AUTH mechanism (see authMechanism)
	tlsConf *tls.Config
	thr     *throttle
	log     *slog.Logger

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
// Send dials. Errors come from an invalid URL, policy, AUTH mechanism,
// worker count or CA file, a user without a password (ErrNoPassword), or a
// user with TLS turned off for a host other than loopback
// (ErrCleartextAuth); they never contain the password.
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
	if cfg.DataTimeout == 0 {
		cfg.DataTimeout = 10 * time.Minute
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 10 * time.Second
	}
	if cfg.Rate == 0 {
		cfg.Rate = rate.Inf
	}
	if cfg.Workers < 0 || cfg.Burst < 0 || cfg.MaxPerConn < 0 || cfg.MaxRcptPerMessage < 0 || cfg.Timeout < 0 || cfg.DataTimeout < 0 || cfg.IdleTimeout < 0 || cfg.Rate < 0 {
		return nil, errors.New("sender: workers, burst, max-per-conn, rate and timeouts must not be negative")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	mech, err := authMechanism(cfg.Auth)
	if err != nil {
		return nil, err
	}
	switch {
	case ep.User == "" && mech != "" && mech != authNone:
		return nil, fmt.Errorf("sender: AUTH %s needs a user: smtp://user@host", cfg.Auth)
	case cfg.Tokens != nil && mech != authXOAUTH2:
		return nil, errors.New("sender: OAuth2 tokens need AUTH xoauth2")
	case ep.User != "" && mech != authNone && cfg.Password == "" && cfg.Tokens == nil:
		return nil, fmt.Errorf("%w (user %s)", ErrNoPassword, ep.User)
	case ep.User != "" && mech != authNone && ep.TLSPolicy == TLSNone && !ep.ImplicitTLS && !credential.IsLoopback(ep.Host):
		return nil, fmt.Errorf("%w: %s", ErrCleartextAuth, ep.Host)
	}
	roots := cfg.RootCAs
	if roots == nil && cfg.TLSCAFile != "" {
		if roots, err = loadCAFile(cfg.TLSCAFile); err != nil {
			return nil, err
		}
	}
	p := &Pool{cfg: cfg, ep: ep, mech: mech, log: cfg.Logger,
		tlsConf: &tls.Config{ServerName: ep.Host, MinVersion: tls.VersionTLS12, RootCAs: roots,
			InsecureSkipVerify: cfg.TLSSkipVerify}, //nolint:gosec // only on request.
		thr: newThrottle(cfg.Rate, cfg.Burst, cfg.Logger), slots: make(chan struct{}, cfg.Workers), limit: cfg.Workers}
	p.done = make(chan struct{})
	return p, nil
}

// loadCAFile reads a PEM bundle of certificate authorities.
func loadCAFile(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sender: TLS CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("sender: TLS CA file %s: no PEM certificate in it", path)
	}
	return pool, nil
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
