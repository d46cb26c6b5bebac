package campaign

import (
	"errors"
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

// dayCap enforces Runner.MaxPerDay. A worker takes a slot before each
// attempt and settles it afterwards: a delivery (or an attempt that may
// have been delivered) keeps it, any other failure gives it back. While
// every slot of the day is taken but some attempts are still under way, take
// waits for them, so the cap is never overshot and never undershot because
// of a failure. The day rolls over at midnight in loc: from then on, the new
// day's deliveries are counted from zero.
type dayCap struct {
	max int
	loc *time.Location
	now func() time.Time

	mu       sync.Mutex
	cond     *sync.Cond
	day      time.Time // start of the current day
	used     int       // slots of day kept or taken
	inFlight int       // slots taken and not settled, of any day
}

// newDayCap returns the cap of max deliveries a day, delivered of which
// the state file already records for the current day.
func newDayCap(max, delivered int, loc *time.Location, now func() time.Time) *dayCap {
	if loc == nil {
		loc = time.Local
	}
	c := &dayCap{max: max, loc: loc, now: now, used: delivered}
	c.cond = sync.NewCond(&c.mu)
	c.day = StartOfDay(now(), loc)
	return c
}

// roll starts a new day's count when the day changed. c.mu must be held.
func (c *dayCap) roll() {
	if d := StartOfDay(c.now(), c.loc); !d.Equal(c.day) {
		c.day, c.used = d, 0
	}
}

// take reserves a slot for one attempt and returns its day, or false when
// the day's cap is reached.
func (c *dayCap) take() (time.Time, bool) {
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

// settle ends the attempt that took a slot on day: keep is true when the
// message was (or may have been) delivered. A nil c does nothing.
func (c *dayCap) settle(day time.Time, keep bool) {
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

// full reports whether the day's deliveries reached the cap, attempts under
// way aside.
func (c *dayCap) full() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.roll()
	return c.used-c.inFlight >= c.max
}

// resumeAt returns the start of the next day.
func (c *dayCap) resumeAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.roll()
	y, m, d := c.day.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, c.loc)
}

// takeSlot takes a slot of the day's cap for an attempt of j (any slot when
// there is no cap). When the cap is reached it stops the run, abandons j
// and returns false; so it does when the run stopped while it waited.
func (s *runState) takeSlot(j *job) (time.Time, bool) {
	if s.cap == nil {
		return time.Time{}, true
	}
	day, ok := s.cap.take()
	switch {
	case !ok:
		s.capReached()
		s.abandon(j)
	case s.stopCtx.Err() != nil: // the run stopped while take waited
		s.cap.settle(day, false)
		s.abandon(j)
		ok = false
	}
	return day, ok
}

// capReached stops the run because the day's cap is reached.
func (s *runState) capReached() {
	s.mu.Lock()
	s.capHit = true
	s.mu.Unlock()
	s.stop()
}

// MayHaveDelivered reports whether an attempt that ended with err (nil for
// success) counts as a delivery for a daily cap: a success, or a failure
// after the final dot, when the server may have taken the message.
func MayHaveDelivered(err error) bool {
	var de *DeliveryError
	return err == nil || (errors.As(err, &de) && de.Ambiguous)
}
