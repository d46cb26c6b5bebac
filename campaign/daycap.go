package campaign

import (
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

// DayCap caps the deliveries of each calendar day: a run's, or a relay's.
// An attempt takes a slot before it
// starts and settles it after: a delivery (or an attempt that may have
// delivered, see MayHaveDelivered) keeps it, any other failure gives it
// back, so the cap is never overshot and never undershot because of a
// failure. The day rolls over at midnight in the cap's location: from then
// on, the new day's deliveries are counted from zero.
//
// A DayCap is safe for concurrent use. A nil *DayCap has no cap: Take and
// TryTake always succeed, Full is false and Settle does nothing.
type DayCap struct {
	max int
	loc *time.Location
	now func() time.Time

	mu       sync.Mutex
	cond     *sync.Cond
	day      time.Time // start of the current day
	used     int       // slots of day kept or taken
	inFlight int       // slots taken and not settled, of any day
}

// NewDayCap returns a cap of max deliveries a day, delivered of which the
// state file already records for the current day. loc gives the days (nil:
// time.Local) and now the time (nil: time.Now).
func NewDayCap(max, delivered int, loc *time.Location, now func() time.Time) *DayCap {
	if loc == nil {
		loc = time.Local
	}
	if now == nil {
		now = time.Now
	}
	c := &DayCap{max: max, loc: loc, now: now, used: delivered}
	c.cond = sync.NewCond(&c.mu)
	c.day = StartOfDay(now(), loc)
	return c
}

// roll starts a new day's count when the day changed. c.mu must be held.
func (c *DayCap) roll() {
	if d := StartOfDay(c.now(), c.loc); !d.Equal(c.day) {
		c.day, c.used = d, 0
	}
}

// Take reserves a slot for one attempt and returns its day. While every
// slot of the day is taken but some attempts are still under way, it waits
// for them; it returns false when the day's cap is reached.
func (c *DayCap) Take() (time.Time, bool) {
	if c == nil {
		return time.Time{}, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		c.roll()
		if c.used < c.max {
			c.used++
			c.inFlight++
			return c.day, true
		}
		if c.inFlight == 0 {
			return time.Time{}, false
		}
		c.cond.Wait()
	}
}

// TryTake is Take without waiting: it returns false at once when every
// slot of the day is taken.
func (c *DayCap) TryTake() (time.Time, bool) {
	if c == nil {
		return time.Time{}, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.roll()
	if c.used >= c.max {
		return time.Time{}, false
	}
	c.used++
	c.inFlight++
	return c.day, true
}

// Settle ends the attempt that took a slot on day: keep is true when the
// message was (or may have been) delivered.
func (c *DayCap) Settle(day time.Time, keep bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.inFlight--
	c.roll()
	switch {
	case day.Equal(c.day) && !keep:
		c.used--
	case !day.Equal(c.day) && keep:
		c.used++ // taken yesterday, delivered (and recorded) today
	}
	c.mu.Unlock()
	c.cond.Broadcast()
}

// Full reports whether the day's deliveries reached the cap, attempts under
// way aside.
func (c *DayCap) Full() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.roll()
	return c.used-c.inFlight >= c.max
}

// Left returns how many slots of the current day are neither kept nor
// taken; a nil DayCap has no cap and returns a large number.
func (c *DayCap) Left() int {
	if c == nil {
		return 1 << 30
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.roll()
	return c.max - c.used
}

// Used returns the slots of the current day kept or taken.
func (c *DayCap) Used() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.roll()
	return c.used
}

// ResumeAt returns the start of the next day.
func (c *DayCap) ResumeAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.roll()
	y, m, d := c.day.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, c.loc)
}
