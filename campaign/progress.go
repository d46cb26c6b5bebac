package campaign

import (
	"sync/atomic"
	"time"
)

// Progress holds the live counters of a run. The runner updates them with
// atomic operations; a display reads them with Snapshot from any goroutine.
// A counter moves only after the matching record has been handed to the
// journal. The zero value is ready to use.
type Progress struct {
	start     atomic.Int64 // unix nanoseconds of the first Begin
	total     atomic.Int64 // rows expected, 0 when unknown
	read      atomic.Int64
	sent      atomic.Int64
	failed    atomic.Int64
	deferred  atomic.Int64
	retrying  atomic.Int64
	skipped   atomic.Int64
	duplicate atomic.Int64
	inFlight  atomic.Int64
	// suppressed is last so that the block above keeps its alignment.
	suppressed atomic.Int64
	otherShard atomic.Int64
	settled    atomic.Int64 // rows an earlier run settled, expected to be skipped
	limit      atomic.Int64 // Runner.Limit
	relaysOut  atomic.Pointer[[]string]
	waiting    atomic.Int64 // unix nanoseconds of the send window's opening, 0 when not waiting
}

// Snapshot is a consistent-enough copy of the counters at one moment.
type Snapshot struct {
	// Total is the number of rows expected (0 when unknown).
	Total int64
	// Settled is the number of rows an earlier run settled, which this
	// run is expected to skip (see SetSettled); Limit is the Runner's
	// Limit (0: none).
	Settled, Limit int64
	// Read counts the rows taken from the source.
	Read int64
	// Sent counts the messages delivered this run.
	Sent int64
	// Failed counts rows that failed permanently this run (refused by the
	// server or not renderable).
	Failed int64
	// Deferred counts messages still failing temporarily after retries.
	Deferred int64
	// Retrying is the number of messages waiting for a retry right now.
	Retrying int64
	// Skipped counts rows not sent because of an earlier run's record.
	Skipped int64
	// Duplicates counts rows whose key appeared on an earlier row.
	Duplicates int64
	// Suppressed counts rows not sent because a To recipient is on a
	// suppression list.
	Suppressed int64
	// OtherShard counts rows left alone because their key belongs to
	// another shard (Runner.Shard).
	OtherShard int64
	// RelaysOut names the relays out of rotation right now (see
	// SetRelaysOut).
	RelaysOut []string
	// InFlight is the number of delivery attempts under way right now.
	InFlight int64
	// WaitingUntil is when the send window opens, while the run waits for
	// it; zero otherwise.
	WaitingUntil time.Time
	// Elapsed is the time since the run began.
	Elapsed time.Duration
}

// SetRelaysOut records which relays are out of rotation, for a sender
// that spreads messages over several relays to report. It is safe to call
// from any goroutine.
func (p *Progress) SetRelaysOut(names []string) {
	names = append([]string(nil), names...)
	p.relaysOut.Store(&names)
}

// setWaiting records that the run waits for the send window until t (zero:
// it does not wait), and reports whether that changed.
func (p *Progress) setWaiting(t time.Time) bool {
	var n int64
	if !t.IsZero() {
		n = t.UnixNano()
	}
	return p.waiting.Swap(n) != n
}

// SetTotal records how many rows the run expects, for an ETA.
func (p *Progress) SetTotal(n int64) { p.total.Store(n) }

// SetSettled records how many of the rows an earlier run settled (the
// state file's recipients that the run does not send again), for an ETA:
// skipping them is no work.
func (p *Progress) SetSettled(n int64) { p.settled.Store(n) }

func (p *Progress) begin() {
	p.start.CompareAndSwap(0, time.Now().UnixNano())
}

// Snapshot returns the current counters.
func (p *Progress) Snapshot() Snapshot {
	s := Snapshot{
		Total:      p.total.Load(),
		Settled:    p.settled.Load(),
		Limit:      p.limit.Load(),
		Read:       p.read.Load(),
		Sent:       p.sent.Load(),
		Failed:     p.failed.Load(),
		Deferred:   p.deferred.Load(),
		Retrying:   p.retrying.Load(),
		Skipped:    p.skipped.Load(),
		Duplicates: p.duplicate.Load(),
		Suppressed: p.suppressed.Load(),
		InFlight:   p.inFlight.Load(),
		OtherShard: p.otherShard.Load(),
	}
	if out := p.relaysOut.Load(); out != nil && len(*out) > 0 {
		s.RelaysOut = *out
	}
	if w := p.waiting.Load(); w != 0 {
		s.WaitingUntil = time.Unix(0, w)
	}
	if st := p.start.Load(); st != 0 {
		s.Elapsed = time.Since(time.Unix(0, st))
	}
	return s
}

// Work returns how many rows of this run's work (rows taken for delivery:
// sent, failed, deferred or suppressed) are done, and an estimate of how
// many there are in all: the data's rows, less those an earlier run
// settled (Settled, or the rows skipped so far when more), the duplicates
// and the rows of other shards seen so far, at most Limit, and never fewer
// than the rows done or under way. total is 0 when Total is unknown.
func (s Snapshot) Work() (done, total int64) {
	done = s.Sent + s.Failed + s.Deferred + s.Suppressed
	if s.Total <= 0 {
		return done, 0
	}
	total = s.Total - max(s.Settled, s.Skipped) - s.Duplicates - s.OtherShard
	if s.Limit > 0 {
		total = min(total, s.Limit)
	}
	return done, max(total, done+s.InFlight+s.Retrying)
}

// Rate is the delivery rate in messages per second since the run began.
func (s Snapshot) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Sent) / s.Elapsed.Seconds()
}

// ETA estimates the time left: the rows of work left (see Work) at the
// pace of the work done so far. It returns false when it cannot (no total,
// no work done yet).
func (s Snapshot) ETA() (time.Duration, bool) {
	done, total := s.Work()
	if total <= 0 || done == 0 || s.Elapsed <= 0 {
		return 0, false
	}
	per := s.Elapsed / time.Duration(done)
	return per * time.Duration(total-done), true
}
