package campaign

import "time"

// awaitWindow returns true at once when the run's Schedule is open (or
// there is none). Outside it, it waits for the next opening, showing in
// Progress until when; with NoWait it stops the run instead. It abandons j
// and returns false when the run stops first.
func (s *runState) awaitWindow(j *job) bool {
	sch := s.r.Schedule
	if sch == nil {
		return true
	}
	for {
		now := s.r.Now()
		open, at := sch.Next(now)
		if open {
			s.r.Progress.setWaiting(time.Time{})
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
		t := time.NewTimer(at.Sub(now))
		select {
		case <-t.C:
		case <-s.stopCtx.Done():
			t.Stop()
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
