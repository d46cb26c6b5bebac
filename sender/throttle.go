package sender

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Slow-down tuning. A throttling reply (see classify) halves the rate,
// at most once per slowDownEvery, never below a tenth of the rate it came
// from (and never below minRate). Without a slow-down for recoverEvery, the
// rate grows by a tenth, up to its ceiling.
const (
	slowDownEvery = time.Second
	recoverEvery  = 3 * time.Second
	minRate       = rate.Limit(0.1)
	minObserved   = 10 // messages needed to estimate an unlimited throughput
)

// throttle is the pool's shared rate limiter. It lowers its rate when the
// server asks to slow down and recovers gradually.
//
// With a configured rate R, the rate halves down to the floor R/10 and
// recovers back to R. With an unlimited rate, the first slow-down sets a
// finite rate: half of the throughput observed since the pool started (or
// since the last change), never below 1/s; it recovers to twice that
// observed throughput and then becomes unlimited again. A slow-down that
// comes before minObserved messages were sent leaves an unlimited rate
// alone: there is no throughput to halve yet.
type throttle struct {
	lim        *rate.Limiter
	configured rate.Limit
	log        *slog.Logger
	throttled  atomic.Bool // fast path: false while the rate is the configured one
	sent       atomic.Int64

	mu         sync.Mutex
	ceiling    rate.Limit // the rate recovery returns to
	floor      rate.Limit
	lastChange time.Time
	sentAt     int64 // sent at lastChange
}

func newThrottle(r rate.Limit, burst int, log *slog.Logger) *throttle {
	return &throttle{lim: rate.NewLimiter(r, burst), configured: r, log: log, lastChange: time.Now()}
}

// Wait blocks until the rate allows one more message. It returns ctx.Err()
// if ctx ends first, and the pool's closed error if closed is closed
// first; either way the message's place is given back to the rate.
func (t *throttle) Wait(ctx context.Context, closed <-chan struct{}) error {
	r := t.reserve(time.Now())
	if !r.OK() { // never with a burst of at least 1
		return errors.New("sender: rate limit: burst too small")
	}
	if d := r.Delay(); d > 0 {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-ctx.Done():
			r.Cancel()
			return ctx.Err()
		case <-closed:
			r.Cancel()
			return closedError()
		}
	}
	t.sent.Add(1)
	return nil
}

// reserve takes the place of one message at now, after a recovery that
// is due; the caller waits out its delay (or cancels it) and then counts
// the message with sent.
func (t *throttle) reserve(now time.Time) *rate.Reservation {
	if t.throttled.Load() {
		t.recover(now)
	}
	return t.lim.ReserveN(now, 1)
}

// Limit returns the current rate.
func (t *throttle) Limit() rate.Limit { return t.lim.Limit() }

// slowDown halves the rate after a throttling reply, described by why.
func (t *throttle) slowDown(why string) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.throttled.Load() && now.Sub(t.lastChange) < slowDownEvery {
		return
	}
	cur := t.lim.Limit()
	if cur == rate.Inf {
		n := t.sent.Load() - t.sentAt
		if n < minObserved {
			// Too few messages to measure a throughput to halve.
			t.log.Info("smtp server asked to slow down; rate unlimited and too few messages to measure, not lowering it",
				"reply", why)
			return
		}
		observed := rate.Limit(float64(n) / max(now.Sub(t.lastChange).Seconds(), 0.1))
		cur = observed
		t.ceiling, t.floor = 2*observed, max(observed/10, 1)
	} else if !t.throttled.Load() {
		t.ceiling, t.floor = cur, max(cur/10, minRate)
	}
	next := max(cur/2, t.floor)
	t.set(next, now)
	t.log.Warn("smtp server asked to slow down; lowering the sending rate",
		"reply", why, "rate_per_s", float64(next))
}

// recover raises the rate by a tenth when no slow-down came for
// recoverEvery.
func (t *throttle) recover(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.throttled.Load() || now.Sub(t.lastChange) < recoverEvery {
		return
	}
	next := t.lim.Limit() * 1.1
	if next >= t.ceiling {
		next = t.configured
		if next != rate.Inf {
			next = t.ceiling
		}
	}
	t.set(next, now)
	if next == t.configured {
		t.log.Info("sending rate recovered", "rate_per_s", float64(next))
	} else {
		t.log.Debug("sending rate recovering", "rate_per_s", float64(next))
	}
}

// set changes the rate; t.mu is held.
func (t *throttle) set(r rate.Limit, now time.Time) {
	t.lim.SetLimitAt(now, r)
	t.lastChange, t.sentAt = now, t.sent.Load()
	t.throttled.Store(r != t.configured)
}
