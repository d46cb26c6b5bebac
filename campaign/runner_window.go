package campaign

import "time"

// awaitWindow returns true at once when the run's Schedule is open (or
// there is none). Outside it, it waits for the next opening, showing in
// Progress until when; with NoWait it stops the run instead. It abandons j
// and returns false when the run stops first.
//
// Working out the schedule's openings costs microseconds and allocations,
// and this runs before every attempt: the opening found last is kept in
// s.opening, and an attempt within it goes ahead without asking again.
func (s *runState) awaitWindow(j *job) bool {
	sch := s.r.Schedule
	if sch == nil {
		return true
	}
	for {
		now := s.r.Now()
		if o := s.opening.Load(); o != nil && !now.Before(o.from) && now.Before(o.to) {
			return true
		}
		open, at := sch.Next(now)
		if open {
			s.r.Progress.setWaiting(time.Time{})
			s.opening.Store(&span{from: now, to: at})
			return true
		}
		if at.IsZero() || s.r.NoWait {
			s.outsideWindow(at)
			s.abandon(j)
			return false
		}
		if s.r.Progress.setWaiting(at) {
			s.r.Logger.Info("outside the send window; waiting", "until", at.Format(time.RFC3339))
		}
		if !s.sleep(at.Sub(now)) {
			s.abandon(j)
			return false
		}
	}
}

// outsideWindow stops the run because the schedule is closed until next.
func (s *runState) outsideWindow(next time.Time) {
	s.mu.Lock()
	if s.nextWindow.IsZero() {
		s.nextWindow = next
	}
	s.mu.Unlock()
	s.stop()
}
