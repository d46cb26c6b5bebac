package campaign

import "time"

// maxParked bounds the messages held back by the Pacer at once, waiting in
// timers rather than in workers; beyond it a worker waits itself, so that
// memory stays bounded when one domain is much slower than the list.
const maxParked = 4096

// pace asks the run's Pacer whether j may be attempted now. If so it
// returns true and the attempt holds its place until unpace. Otherwise j
// is parked: put back in the queue once its wait is over, without holding
// a worker (or, with too many parked, after this worker waited); pace then
// returns false. A run that stops meanwhile abandons j.
func (s *runState) pace(j *job) bool {
	p := s.r.Pacer
	if p == nil {
		return true
	}
	for {
		rcpts := j.msg.Pending()
		wait := p.Admit(j.msg, rcpts)
		if wait <= 0 {
			j.paced = rcpts
			return true
		}
		if s.parked.Add(1) <= maxParked {
			go func() {
				defer s.parked.Add(-1)
				if s.sleep(wait) {
					select {
					case s.queue <- j:
						return
					case <-s.stopCtx.Done():
					}
				}
				s.abandon(j)
			}()
			return false
		}
		s.parked.Add(-1)
		if !s.sleep(wait) {
			s.abandon(j)
			return false
		}
	}
}

// unpace ends the place pace took for j.
func (s *runState) unpace(j *job) {
	if s.r.Pacer != nil {
		s.r.Pacer.Done(j.msg, j.paced)
		j.paced = nil
	}
}

// sleep waits d; it returns false when the run stops first.
func (s *runState) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stopCtx.Done():
		return false
	}
}
