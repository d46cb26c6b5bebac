package campaign

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// StartOfDay returns midnight at the start of t's calendar day in loc (nil
// means time.Local). On a day that starts with a daylight-saving jump it is
// the first instant of the day.
func StartOfDay(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.Local
	}
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// Limit is one quota of deliveries: at most Max in a calendar day, or in any
// period of Rolling.
type Limit struct {
	Max int
	// Rolling, when not zero, makes the quota count the deliveries of the
	// last Rolling (24 hours, as Gmail counts): each delivery frees its
	// slot Rolling after it was made. Zero means calendar days in
	// Location (nil: time.Local): every slot frees at midnight.
	Rolling  time.Duration
	Location *time.Location
}

// String describes the limit: "daily cap of 500 deliveries", "cap of 2000
// deliveries in 24 hours".
func (l Limit) String() string {
	n := fmt.Sprintf("%d deliveries", l.Max)
	if l.Max == 1 {
		n = "1 delivery"
	}
	if l.Rolling <= 0 {
		return "daily cap of " + n
	}
	per := l.Rolling.String()
	if l.Rolling%time.Hour == 0 {
		per = strconv.Itoa(int(l.Rolling/time.Hour)) + " hours"
	}
	return "cap of " + n + " in " + per
}

// DeliveryCount is a number of deliveries made at one time (to the
// second): the history a Cap starts from.
type DeliveryCount struct {
	At time.Time
	N  int
}

// Since returns the time from which deliveries count for limits at now:
// the earliest start of a calendar day or rolling period among them, or
// the zero time when there is no limit.
func Since(limits []Limit, now time.Time) time.Time {
	var since time.Time
	for _, l := range limits {
		s := StartOfDay(now, l.Location)
		if l.Rolling > 0 {
			s = now.Add(-l.Rolling)
		}
		if since.IsZero() || s.Before(since) {
			since = s
		}
	}
	return since
}

// Cap holds a run's, or a relay's, deliveries to one or more Limits. An
// attempt takes a slot of every limit before it starts and settles it
// after: a delivery (or an attempt that may have delivered, see
// MayHaveDelivered) keeps it, counted from the moment it settles; any
// other failure gives it back. So a cap is never overshot, and never
// undershot because of a failure.
//
// A Cap is safe for concurrent use. A nil *Cap has no limit: Take and
// TryTake always succeed, Full is false and Settle does nothing.
type Cap struct {
	now func() time.Time

	mu       sync.Mutex
	cond     *sync.Cond
	quotas   []*quota
	inFlight int // slots taken and not settled
}

// quota is one Limit and the slots kept in it, by the time they free.
type quota struct {
	Limit
	runs []run // oldest first
	kept int   // the sum of runs' n
}

// run is n kept slots that free at the same time.
type run struct {
	frees time.Time
	n     int
}

// NewCap returns a Cap of limits (those with a Max of 0 or less are left
// out) that starts from the deliveries of history, or nil when no limit
// is left. now gives the time (nil: time.Now).
func NewCap(limits []Limit, history []DeliveryCount, now func() time.Time) *Cap {
	if now == nil {
		now = time.Now
	}
	c := &Cap{now: now}
	c.cond = sync.NewCond(&c.mu)
	for _, l := range limits {
		if l.Max <= 0 {
			continue
		}
		if l.Location == nil {
			l.Location = time.Local
		}
		q := &quota{Limit: l}
		for _, d := range history {
			q.keep(d.At, d.N)
		}
		c.quotas = append(c.quotas, q)
	}
	if len(c.quotas) == 0 {
		return nil
	}
	return c
}

// frees returns when a slot kept at t frees.
func (q *quota) frees(t time.Time) time.Time {
	if q.Rolling > 0 {
		// Whole seconds, so that the slots of one second make one run.
		f := t.Add(q.Rolling)
		if g := f.Truncate(time.Second); !g.Equal(f) {
			f = g.Add(time.Second)
		}
		return f
	}
	y, m, d := t.In(q.Location).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, q.Location)
}

// keep counts n slots kept at t.
func (q *quota) keep(t time.Time, n int) {
	f := q.frees(t)
	i, found := slices.BinarySearchFunc(q.runs, f, func(r run, f time.Time) int { return r.frees.Compare(f) })
	if found {
		q.runs[i].n += n
	} else {
		q.runs = slices.Insert(q.runs, i, run{frees: f, n: n})
	}
	q.kept += n
}

// expire drops the slots freed by now.
func (q *quota) expire(now time.Time) {
	i := 0
	for i < len(q.runs) && !now.Before(q.runs[i].frees) {
		q.kept -= q.runs[i].n
		i++
	}
	q.runs = q.runs[i:]
}

// freeAt returns when fewer than Max slots will be kept, in-flight ones
// aside.
func (q *quota) freeAt(now time.Time) time.Time {
	kept := q.kept
	for _, r := range q.runs {
		if kept < q.Max {
			break
		}
		kept -= r.n
		now = r.frees
	}
	return now
}

// roomFor reports whether every quota has room for one more slot besides
// those in flight. c.mu is held.
func (c *Cap) roomFor() bool {
	now := c.now()
	for _, q := range c.quotas {
		q.expire(now)
		if q.kept+c.inFlight >= q.Max {
			return false
		}
	}
	return true
}

// Take reserves a slot for one attempt. While the limits are reached but
// some attempts are still under way, it waits for them; it returns false
// when a limit is reached.
func (c *Cap) Take() bool { return c.take(true) }

// TryTake is Take without waiting: it returns false at once when every
// slot is kept or taken.
func (c *Cap) TryTake() bool { return c.take(false) }

// take is Take, waiting for the attempts under way only when wait is set.
func (c *Cap) take(wait bool) bool {
	if c == nil {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for !c.roomFor() {
		if !wait || c.inFlight == 0 {
			return false
		}
		c.cond.Wait()
	}
	c.inFlight++
	return true
}

// Settle ends an attempt that took a slot: keep is true when the message
// was (or may have been) delivered.
func (c *Cap) Settle(keep bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.inFlight--
	if keep {
		now := c.now()
		for _, q := range c.quotas {
			q.keep(now, 1)
		}
	}
	c.mu.Unlock()
	c.cond.Broadcast()
}

// Full reports whether a limit is reached by the deliveries kept, attempts
// under way aside.
func (c *Cap) Full() bool {
	if c == nil {
		return false
	}
	_, _, full := c.Reached()
	return full
}

// Left returns how many more attempts may start now: the room of the
// fullest limit; a nil Cap returns a large number.
func (c *Cap) Left() int {
	if c == nil {
		return 1 << 30
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now, left := c.now(), 1<<30
	for _, q := range c.quotas {
		q.expire(now)
		left = min(left, q.Max-q.kept-c.inFlight)
	}
	return max(left, 0)
}

// Tightest returns the limit with the least room now, attempts under way
// counted; the zero Limit for a nil Cap.
func (c *Cap) Tightest() Limit {
	if c == nil {
		return Limit{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now, room := c.now(), 0
	var tight Limit
	for i, q := range c.quotas {
		q.expire(now)
		if r := q.Max - q.kept - c.inFlight; i == 0 || r < room {
			tight, room = q.Limit, r
		}
	}
	return tight
}

// Used returns the slots kept or taken of the first limit.
func (c *Cap) Used() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.quotas[0]
	q.expire(c.now())
	return q.kept + c.inFlight
}

// Reached returns the limit reached by the deliveries kept (attempts under
// way aside) that frees last, with the time it frees a slot, and true; or
// false when no limit is reached.
func (c *Cap) Reached() (Limit, time.Time, bool) {
	if c == nil {
		return Limit{}, time.Time{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	var (
		lim  Limit
		at   time.Time
		full bool
	)
	for _, q := range c.quotas {
		q.expire(now)
		if q.kept < q.Max {
			continue
		}
		if f := q.freeAt(now); !full || f.After(at) {
			lim, at, full = q.Limit, f, true
		}
	}
	return lim, at, full
}
