package campaign

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"
)

// This file holds the worker side of a run: rendering, attempts, retries
// and the recording of outcomes.

// work delivers jobs from the queue until it is closed. Rendering happens
// here rather than in the producer, so that it runs on every core: with a
// DKIM signature a message costs up to a millisecond and more of CPU.
func (s *runState) work(ctx context.Context) {
	for j := range s.queue {
		if s.stopCtx.Err() != nil {
			s.abandon(j)
			continue
		}
		if j.msg == nil && !s.prepare(j) {
			continue
		}
		s.attempt(ctx, j)
	}
}

// prepare renders j's row and applies the suppression lists. When the row
// is not to be sent it records why, settles j and returns false.
func (s *runState) prepare(j *job) bool {
	msg, err := s.pipe.Render(Item{Row: j.row, Key: j.key})
	if err != nil {
		s.record(Outcome{Row: j.row.Num, Key: j.key, Status: StatusFailed, Reply: err.Error()}, &s.r.Progress.failed)
		s.jobs.Done()
		return false
	}
	if s.r.Suppress != nil && s.suppress(msg) {
		s.jobs.Done()
		return false
	}
	j.msg, j.row = msg, Row{}
	return true
}

// attempt makes one delivery attempt of j and settles or reschedules it.
func (s *runState) attempt(ctx context.Context, j *job) {
	r, p := s.r, s.r.Progress
	if !s.awaitWindow(j) || !s.pace(j) {
		return
	}
	if !s.takeSlot(j) {
		s.unpace(j)
		return
	}
	// begin records that bytes are about to leave: only then can a crash
	// leave the outcome unknown. A sender calls it again for each further
	// transaction of the attempt: to recipients the message has not reached
	// yet (a continuation), or, when nobody took the message, anew (a
	// Router trying another relay after a failure before the final dot).
	// Such a new start is recorded first, as deferred, so that the state
	// file never reads the transaction before it as one whose outcome was
	// unknown.
	var begun bool
	var journalErr error
	relay := ""
	begin := func() error {
		if begun && len(j.msg.Sent) == 0 {
			if err := s.record(s.restart(j, relay), nil); err != nil {
				journalErr = err
				return err
			}
		}
		if err := r.Journal.Sending(j.msg); err != nil {
			journalErr = err
			return err
		}
		relay = j.msg.Relay
		if !begun {
			begun = true
			p.inFlight.Add(1)
		}
		return nil
	}
	pending := j.msg.Pending()
	reply, err := r.Sender.Send(ctx, j.msg, begin)
	s.unpace(j)
	if begun {
		p.inFlight.Add(-1)
	}
	s.cap.Settle(MayHaveDelivered(err))
	switch {
	case journalErr != nil:
		s.failJournal(journalErr)
		s.jobs.Done()
		return
	case !begun && ctx.Err() != nil:
		// The run stopped while the attempt waited: nothing was sent.
		s.abandon(j)
		return
	}
	j.attempts++
	if err == nil {
		j.msg.reached(pending)
		j.replies = append(j.replies, reply)
	} else {
		j.lastErr = err
		if de := asDeliveryError(err); de != nil && de.Ambiguous {
			j.ambiguous = true
		}
	}
	left := len(j.msg.Pending())
	class := ClassOf(err)
	switch {
	case err == nil && left == 0:
		s.settle(j, nil)
	case class == Permanent:
		s.settle(j, err)
	case class == Fatal:
		s.setFatal(err)
		s.settle(j, err)
	default: // Temporary, an unclassified error such as a context error, or temporarily refused recipients
		if j.attempts <= r.Retries && s.stopCtx.Err() == nil {
			// This attempt's outcome is recorded now, unless the message
			// reached a To recipient (the retry continues it): whether
			// the retry may deliver a second copy depends on it.
			if !j.msg.ReachedTo() && s.record(s.outcome(j, err), nil) != nil {
				s.jobs.Done()
				return
			}
			r.Logger.Info("retrying", "row", j.msg.Row, "key", j.msg.Key, "attempt", j.attempts, "recipients", left, "error", retryReason(j.msg, err))
			s.retryLater(j)
			return
		}
		s.settle(j, err)
	}
}

// retryReason returns what a retry is for: err, else the refusals of the
// recipients to try again.
func retryReason(m *Message, err error) any {
	if err != nil {
		return err
	}
	return m.Refused
}

// settle records the outcome of j after its last attempt, which ended with
// err, and settles it.
func (s *runState) settle(j *job, err error) {
	o := s.outcome(j, err)
	switch o.Status {
	case StatusDelivered:
		s.record(o, &s.r.Progress.sent)
	case StatusFailed:
		s.record(o, &s.r.Progress.failed)
	default:
		s.record(o, &s.r.Progress.deferred)
	}
	s.jobs.Done()
}

// outcome returns the record of j after its last attempt, which ended with
// err. A message that reached a To recipient is delivered, listing the Cc
// and Bcc recipients it missed; otherwise the row failed (a permanent
// refusal) or is deferred.
func (s *runState) outcome(j *job, err error) Outcome {
	m := j.msg
	o := Outcome{Row: m.Row, Key: m.Key, MessageID: m.ID, Attempts: j.attempts, Relay: m.Relay,
		Ambiguous: j.ambiguous, Reply: strings.Join(j.replies, "; ")}
	if m.ReachedTo() {
		o.Status, o.Refused, o.Ambiguous = StatusDelivered, m.unreached(err), false
		return o
	}
	o.Status = StatusDeferred
	if ClassOf(err) == Permanent {
		o.Status = StatusFailed
	}
	fillFailure(&o, err)
	for _, r := range m.Refused {
		if r.Recipient != o.Recipient {
			o.Refused = append(o.Refused, r)
		}
	}
	return o
}

// restart returns the record of the transaction of j that the sender
// leaves, through relay, to start the message anew: deferred, for nobody
// took the message.
func (s *runState) restart(j *job, relay string) Outcome {
	reply := "no To recipient took the message; trying again"
	if j.msg.Relay != relay {
		reply = "the relay failed before the message was taken; trying another relay"
	}
	return Outcome{Row: j.msg.Row, Key: j.msg.Key, MessageID: j.msg.ID, Attempts: j.attempts + 1, Relay: relay,
		Status: StatusDeferred, Reply: reply}
}

// retryLater puts j back on the queue after its backoff, or records it as
// deferred if the run stops first.
func (s *runState) retryLater(j *job) {
	p := s.r.Progress
	p.retrying.Add(1)
	wait := backoff(s.r.RetryWait, j.attempts)
	go func() {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
			p.retrying.Add(-1)
			select {
			case s.queue <- j:
				return
			case <-s.stopCtx.Done():
			}
		case <-s.stopCtx.Done():
			p.retrying.Add(-1)
		}
		s.abandon(j)
	}()
}

// abandon settles a job the run will not attempt again: deferred if it was
// attempted, else left unrecorded for the next run (j.msg may be nil).
func (s *runState) abandon(j *job) {
	if j.attempts > 0 {
		s.settle(j, j.lastErr)
		return
	}
	s.jobs.Done()
}

// record journals o, then moves counter and logs the outcome. A nil
// counter records the outcome of an attempt whose message goes on (a retry
// or another relay follows), marked Interim: nothing is counted or logged. The error is
// the journal's, which has stopped the run.
func (s *runState) record(o Outcome, counter interface{ Add(int64) int64 }) error {
	if o.Time.IsZero() {
		o.Time = s.r.Now()
	}
	o.Interim = counter == nil
	if err := s.r.Journal.Record(o); err != nil {
		s.failJournal(err)
		return err
	}
	if counter == nil {
		return nil
	}
	counter.Add(1)
	lvl := slog.LevelDebug
	if o.Status != StatusDelivered {
		lvl = slog.LevelInfo
	}
	// Checked first: the arguments would cost allocations on every message
	// even when the level is off.
	if ctx := context.Background(); s.r.Logger.Enabled(ctx, lvl) {
		s.r.Logger.Log(ctx, lvl, string(o.Status), "row", o.Row, "key", o.Key, "reply", o.Reply)
	}
	return nil
}

func (s *runState) setFatal(err error) {
	s.mu.Lock()
	if s.fatal == nil {
		s.fatal = err
	}
	s.mu.Unlock()
	s.stop()
}

func (s *runState) failJournal(err error) {
	s.mu.Lock()
	if s.journalErr == nil {
		s.journalErr = fmt.Errorf("campaign: journal: %w", err)
	}
	s.mu.Unlock()
	s.stop()
}

// fillFailure copies what err says about a failed attempt into o.
func fillFailure(o *Outcome, err error) {
	if err == nil {
		return
	}
	o.Reply = err.Error()
	if de := asDeliveryError(err); de != nil {
		o.Code, o.Enhanced, o.Recipient = de.Code, de.Enhanced, de.Recipient
	}
}

// backoff returns the wait before retry number attempt (1-based): base
// doubled per attempt, with ±50% jitter, at most five minutes.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < 5*time.Minute; i++ {
		d *= 2
	}
	d = min(d, 5*time.Minute)
	return d/2 + rand.N(d)
}

// takeSlot takes a slot of the run's cap for an attempt of j (any slot
// when there is no cap). When a limit is reached it stops the run, abandons
// j and returns false; so it does when the run stopped while it waited.
func (s *runState) takeSlot(j *job) bool {
	ok := s.cap.Take()
	switch {
	case !ok:
		s.capReached()
		s.abandon(j)
	case s.stopCtx.Err() != nil: // the run stopped while Take waited
		s.cap.Settle(false)
		s.abandon(j)
		ok = false
	}
	return ok
}

// capReached stops the run because a limit of its cap is reached.
func (s *runState) capReached() {
	s.mu.Lock()
	s.capHit = true
	s.mu.Unlock()
	s.stop()
}
