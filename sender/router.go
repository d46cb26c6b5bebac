package sender

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"golang.org/x/time/rate"
)

// Relay is one SMTP server (or provider account) of a Router.
type Relay struct {
	// Name identifies the relay in logs, in the state file and in status;
	// names must be unique and non-empty.
	Name string
	// Config configures the relay's Pool: its URL, credentials, workers,
	// rate, burst and connection settings.
	Config Config
	// Weight is the relay's share of the messages relative to the others.
	// Zero means its rate (Config.Rate); a relay with an unlimited rate
	// then weighs as much as the heaviest relay with a rate, or 1 when no
	// relay has one, so that unlimited relays share equally.
	Weight float64
	// Domains lists the From domains the relay sends for, with
	// RouterConfig.RouteByFromDomain: a message whose envelope sender's
	// domain a relay lists goes only to the relays that list it; any other
	// message goes only to the relays that list none.
	Domains []string
	// Limits cap the messages delivered through the relay per calendar day
	// or rolling period (see campaign.Cap); Delivered are the deliveries the
	// state file records for the relay since campaign.Since of them. A
	// message that may have been delivered (an ambiguous failure) counts
	// too.
	Limits    []campaign.Limit
	Delivered []campaign.DeliveryCount
}

// RouterConfig configures a Router. The zero value of each field but
// Relays means its default.
type RouterConfig struct {
	Relays []Relay
	// RouteByFromDomain pins From domains to relays (see Relay.Domains).
	RouteByFromDomain bool
	// FailAfter is how many consecutive connection-level failures (refused
	// or dropped connections, timeouts, 421 replies) take a relay out of
	// rotation; default 3. A fatal failure (authentication, TLS) takes it
	// out at once.
	FailAfter int
	// OutFor is how long a relay first stays out of rotation; default 30s.
	// It doubles each time the relay goes out again before it delivered a
	// message, up to 10 minutes.
	OutFor time.Duration
	// Now gives the time (nil: time.Now).
	Now func() time.Time
	// Logger receives the relays' rotation changes; default none.
	Logger *slog.Logger
}

// maxOutFor bounds the time a relay stays out of rotation.
const maxOutFor = 10 * time.Minute

// Router is a campaign.Sender that spreads messages over several relays,
// each a Pool with its own connections, rate, burst and caps.
//
// Each message goes to the relay, among those that may take it, with the
// fewest messages so far relative to its weight, preferring relays with a
// free connection: while relays keep up, the split follows the weights; a
// relay that falls behind gets fewer. Send sets msg.Relay to the relay of
// its last attempt.
//
// Failover: a relay whose attempt fails fatally, or that fails
// FailAfter times in a row at the connection level, is taken out of
// rotation for OutFor (logged as a warning), then tried again. When an
// attempt fails before the final dot of DATA (so the relay surely did not
// take the message) for one of those reasons, Send tries the message at
// once on another relay, each relay at most once per Send; the message is
// the same (same Message-ID) and the journal's sending record, written
// before Send, still brackets every attempt. An attempt that failed after
// the final dot is returned as it is (Temporary, Ambiguous) for the runner
// to retry later, and a fatal failure of one relay is returned as Temporary
// (it does not stop the run).
//
// When no relay at all may take a message (each is out of rotation or at
// its cap), Send returns a Fatal *campaign.DeliveryError wrapping
// campaign.ErrNoRelay: the run stops and can be resumed later. When only
// the relays of the message's From domain are unavailable, the error is
// Temporary and wraps campaign.ErrNoRelay.
type Router struct {
	relays    []*relay
	byDomain  bool
	failAfter int
	outFor    time.Duration
	now       func() time.Time
	log       *slog.Logger

	mu     sync.Mutex
	notify func(out []string) // see Notify
}

// relay is a Relay and its Pool; the fields after pool are guarded by the
// Router's mu.
type relay struct {
	Relay
	pool    *Pool
	weight  float64
	workers int

	assigned  float64 // messages given to it, divided by its weight
	inFlight  int
	fails     int           // consecutive connection-level failures
	outUntil  time.Time     // out of rotation until then
	outs      int           // times out since its last delivery
	lastErr   error         // the failure that took it out
	cap       *campaign.Cap // nil without Limits
	capLogged bool          // the cap's being reached was logged
	delivered int64
	failed    int64
}

var _ campaign.Sender = (*Router)(nil)

// NewRouter checks cfg and returns a Router over a new Pool per relay. It
// opens no connection. Errors name the relay at fault and never contain a
// password.
func NewRouter(cfg RouterConfig) (*Router, error) {
	if len(cfg.Relays) == 0 {
		return nil, errors.New("sender: router: no relay")
	}
	r := &Router{byDomain: cfg.RouteByFromDomain, failAfter: cfg.FailAfter, outFor: cfg.OutFor,
		now: cfg.Now, log: cfg.Logger}
	if r.failAfter <= 0 {
		r.failAfter = 3
	}
	if r.outFor <= 0 {
		r.outFor = 30 * time.Second
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	names := map[string]bool{}
	heaviest := 0.0
	for _, rc := range cfg.Relays {
		if rc.Name == "" || names[rc.Name] {
			r.closePools()
			return nil, fmt.Errorf("sender: relay %q: names must be unique and not empty", rc.Name)
		}
		names[rc.Name] = true
		if rc.Weight < 0 || math.IsNaN(rc.Weight) || math.IsInf(rc.Weight, 0) {
			r.closePools()
			return nil, fmt.Errorf("sender: relay %s: the weight must not be negative", rc.Name)
		}
		if rc.Config.Logger == nil {
			rc.Config.Logger = r.log
		}
		rc.Config.Logger = rc.Config.Logger.With("relay", rc.Name)
		p, err := NewPool(rc.Config)
		if err != nil {
			r.closePools()
			return nil, fmt.Errorf("sender: relay %s: %w", rc.Name, err)
		}
		domains := make([]string, len(rc.Domains))
		for i, d := range rc.Domains {
			domains[i] = strings.ToLower(strings.TrimSpace(d))
		}
		rc.Domains = domains
		rl := &relay{Relay: rc, pool: p, workers: p.cfg.Workers, weight: rc.Weight,
			cap: campaign.NewCap(rc.Limits, rc.Delivered, r.now)}
		if rl.weight == 0 && p.cfg.Rate != rate.Inf {
			rl.weight = float64(p.cfg.Rate)
		}
		heaviest = max(heaviest, rl.weight)
		r.relays = append(r.relays, rl)
	}
	for _, rl := range r.relays {
		if rl.weight == 0 {
			rl.weight = max(heaviest, 1)
		}
	}
	return r, nil
}

// Workers returns the connections of all relays together: the number of
// runner workers that keeps every relay busy.
func (r *Router) Workers() int {
	n := 0
	for _, rl := range r.relays {
		n += rl.workers
	}
	return n
}

// Notify makes the Router call f with the names of the relays out of
// rotation (or at their cap) each time that set changes, for a
// progress display. Call it before the first Send. f must be quick and must
// not call the Router.
func (r *Router) Notify(f func(out []string)) {
	r.mu.Lock()
	r.notify = f
	r.mu.Unlock()
}

// changed calls the notify func with the relays now unavailable. r.mu is
// held.
func (r *Router) changed(now time.Time) {
	if r.notify == nil {
		return
	}
	var out []string
	for _, rl := range r.relays {
		if now.Before(rl.outUntil) || rl.cap.Left() <= 0 {
			out = append(out, rl.Name)
		}
	}
	r.notify(out)
}

// RelayStats is a snapshot of one relay of a Router.
type RelayStats struct {
	Name string
	// Delivered and Failed count this run's attempts through the relay
	// that succeeded and that failed.
	Delivered, Failed int64
	InFlight          int
	// OutUntil is when the relay returns to rotation; zero when it is in
	// rotation.
	OutUntil time.Time
	// Used counts the deliveries (and attempts under way) against the
	// relay's first limit.
	Used int
}

// Stats returns a snapshot of every relay, in configuration order.
func (r *Router) Stats() []RelayStats {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]RelayStats, len(r.relays))
	for i, rl := range r.relays {
		out[i] = RelayStats{Name: rl.Name, Delivered: rl.delivered, Failed: rl.failed, InFlight: rl.inFlight, Used: rl.cap.Used()}
		if now.Before(rl.outUntil) {
			out[i].OutUntil = rl.outUntil
		}
	}
	return out
}

// Send delivers msg through one relay, or several in turn after failures
// that allow it (see Router). Errors are those of Pool.Send, with a relay's
// fatal failure turned Temporary, and the campaign.ErrNoRelay errors
// described on Router.
func (r *Router) Send(ctx context.Context, msg *campaign.Message, begin func() error) (string, error) {
	tried := make([]bool, len(r.relays))
	var last error
	for {
		rl, err := r.pick(msg, tried, last)
		if err != nil {
			return "", err
		}
		msg.Relay = rl.Name
		reply, err := rl.pool.Send(ctx, msg, begin)
		again := r.settle(rl, err)
		if err == nil {
			return reply, nil
		}
		if !again || ctx.Err() != nil {
			return "", asTemporary(rl.Name, err)
		}
		tried[r.index(rl)] = true
		last = asTemporary(rl.Name, err)
		r.log.Debug("relay failed before the message was taken; trying another", "relay", rl.Name, "row", msg.Row, "key", msg.Key, "error", err)
	}
}

// ProbeError is the failure of Router.Probe: a relay that cannot take a
// message now, found before any message was sent.
type ProbeError struct {
	// Relay names the first relay (in configuration order) that failed;
	// Err is its failure, a *campaign.DeliveryError or a context error.
	Relay string
	Err   error
	// Others counts the other relays that failed too.
	Others int
}

func (e *ProbeError) Error() string {
	s := "sender: relay " + e.Relay + ": " + errorText(e.Err)
	if e.Others > 0 {
		s += fmt.Sprintf(" (and %d more relays failed)", e.Others)
	}
	return s
}

func (e *ProbeError) Unwrap() error { return e.Err }

// Probe opens one connection to every relay at once (Pool.Probe), each
// kept for the relay's first message. A relay that cannot be reached,
// greets with a refusal, or refuses TLS or AUTH would fail or delay every
// message it is given: Probe returns a *ProbeError naming it, and the
// caller should stop before any message. Call it before the first Send.
func (r *Router) Probe(ctx context.Context) error {
	errs := make([]error, len(r.relays))
	var wg sync.WaitGroup
	for i, rl := range r.relays {
		wg.Go(func() { errs[i] = rl.pool.Probe(ctx) })
	}
	wg.Wait()
	var pe *ProbeError
	for i, err := range errs {
		switch {
		case err == nil:
		case pe == nil:
			pe = &ProbeError{Relay: r.relays[i].Name, Err: err}
		default:
			pe.Others++
		}
	}
	if pe == nil {
		return nil
	}
	return pe
}

// Close closes every relay's pool (see Pool.Close). It returns nil.
func (r *Router) Close() error {
	r.closePools()
	return nil
}

func (r *Router) closePools() {
	var wg sync.WaitGroup
	for _, rl := range r.relays {
		wg.Go(func() { _ = rl.pool.Close() })
	}
	wg.Wait()
}

func (r *Router) index(rl *relay) int {
	for i, x := range r.relays {
		if x == rl {
			return i
		}
	}
	return -1
}
