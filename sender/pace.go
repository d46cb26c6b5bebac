package sender

import (
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"golang.org/x/time/rate"
)

// busyWait is how long an attempt waits before asking again when its
// domain has PacerConfig.Workers attempts under way.
const busyWait = 20 * time.Millisecond

// PacerConfig configures a DomainPacer. Its zero value paces nothing until
// a receiver asks to slow down.
type PacerConfig struct {
	// Rates are the rates of given recipient domains (lower case); Default
	// is the rate of the others (0: unlimited). Burst is how many messages
	// to one domain may go at once above its rate; default 1.
	Rates   map[string]rate.Limit
	Default rate.Limit
	Burst   int
	// Workers is the most attempts under way to one domain at once; 0
	// means no limit but the senders' connections.
	Workers int
	// Logger receives the rate changes of each domain; default none.
	Logger *slog.Logger
}

// DomainPacer is the campaign.Pacer of recipient domains: each domain has
// its own rate (configured, or unlimited) and, with Workers, a most
// attempts under way. A throttling reply that concerns one recipient (see
// SlowDown) halves the rate of that recipient's domain alone, as a Pool's
// shared rate is halved (an unlimited rate becomes half the domain's
// observed throughput), and the rate recovers the same way.
//
// A domain without a rate of its own, throttling or Workers costs nothing:
// its state exists only while it needs one.
type DomainPacer struct {
	cfg PacerConfig

	mu      sync.Mutex
	domains map[string]*domainPace
	held    map[*campaign.Message]turn // messages told to wait, with their turn
}

// turn is when a message held back may go, and its domains' states.
type turn struct {
	at    time.Time
	paces []*domainPace
}

// domainPace is the state of one domain.
type domainPace struct {
	thr      *throttle
	inFlight int
	slowed   bool // a receiver asked it to slow down: keep measuring it
}

var _ campaign.Pacer = (*DomainPacer)(nil)

// NewDomainPacer returns a DomainPacer of cfg.
func NewDomainPacer(cfg PacerConfig) *DomainPacer {
	if cfg.Default == 0 {
		cfg.Default = rate.Inf
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &DomainPacer{cfg: cfg, domains: map[string]*domainPace{}, held: map[*campaign.Message]turn{}}
}

// rateOf returns the configured rate of domain d.
func (p *DomainPacer) rateOf(d string) rate.Limit {
	if r, ok := p.cfg.Rates[d]; ok && r != 0 {
		return r
	}
	return p.cfg.Default
}

// get returns the state of d: the existing one, a new one when create is
// true or d needs one (a rate of its own, or Workers), else nil. p.mu is
// held.
func (p *DomainPacer) get(d string, create bool) *domainPace {
	if dp := p.domains[d]; dp != nil {
		return dp
	}
	r := p.rateOf(d)
	if !create && r == rate.Inf && p.cfg.Workers == 0 {
		return nil
	}
	dp := &domainPace{thr: newThrottle(r, p.cfg.Burst, p.cfg.Logger.With("domain", d))}
	p.domains[d] = dp
	return dp
}

// Admit implements campaign.Pacer: an attempt to rcpts may start when each
// of their domains has, with Workers, a free place, and its turn under the
// domain's rate has come. A message told to wait keeps its turn: asked
// again when the wait is over, it is let through at once, so that the
// domain keeps its rate however late the message comes back.
func (p *DomainPacer) Admit(msg *campaign.Message, rcpts []string) time.Duration {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	h, held := p.held[msg]
	if !held {
		for _, d := range campaign.Domains(rcpts) {
			if dp := p.get(d, false); dp != nil {
				h.paces = append(h.paces, dp)
			}
		}
	}
	if p.cfg.Workers > 0 {
		for _, dp := range h.paces {
			if dp.inFlight >= p.cfg.Workers {
				return busyWait // no turn taken yet, or the one held is kept
			}
		}
	}
	if !held {
		h.at = now
		for _, dp := range h.paces {
			if t := now.Add(dp.thr.reserve(now).DelayFrom(now)); t.After(h.at) {
				h.at = t
			}
		}
	}
	if wait := h.at.Sub(now); wait > 0 {
		p.held[msg] = h
		return wait
	}
	delete(p.held, msg)
	for _, dp := range h.paces {
		dp.inFlight++
		dp.thr.sent.Add(1)
	}
	return 0
}

// Done implements campaign.Pacer. A domain left with nothing to remember
// (no attempt under way, its own rate's burst full, never slowed down) is
// forgotten.
func (p *DomainPacer) Done(_ *campaign.Message, rcpts []string) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, d := range campaign.Domains(rcpts) {
		dp := p.domains[d]
		if dp == nil {
			continue
		}
		dp.inFlight--
		if dp.inFlight == 0 && !dp.slowed && dp.thr.lim.TokensAt(now) >= float64(p.cfg.Burst) && !p.waitedFor(dp) {
			delete(p.domains, d)
		}
	}
}

// SlowDown halves the rate of the domain of rcpt after a throttling reply
// that concerns rcpt, described by why.
func (p *DomainPacer) SlowDown(rcpt, why string) {
	p.mu.Lock()
	dp := p.get(campaign.Domains([]string{rcpt})[0], true)
	dp.slowed = true
	p.mu.Unlock()
	dp.thr.slowDown(why)
}

// DomainRate returns the current rate of domain d (rate.Inf: unlimited).
func (p *DomainPacer) DomainRate(d string) rate.Limit {
	p.mu.Lock()
	defer p.mu.Unlock()
	if dp := p.domains[d]; dp != nil {
		return dp.thr.Limit()
	}
	return p.rateOf(d)
}

// waitedFor reports whether a message held back waits for dp. p.mu is
// held.
func (p *DomainPacer) waitedFor(dp *domainPace) bool {
	for _, h := range p.held {
		if slices.Contains(h.paces, dp) {
			return true
		}
	}
	return false
}
