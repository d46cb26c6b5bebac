package campaign

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Runner drives one run of a campaign: it streams rows from Source, skips
// what the Journal says is settled, renders the rest with Renderer and hands
// them to Workers goroutines that deliver them through Sender, retrying
// temporary failures and recording every outcome in Journal.
//
// Fields must be set before Run; a Runner is used for one Run only.
type Runner struct {
	Source   Source
	Renderer Renderer
	Sender   Sender
	Journal  Journal

	// Workers is the number of concurrent delivery attempts (default 4);
	// it should match the sender's connection count.
	Workers int
	// Retries is how many times a temporary failure is retried before the
	// message is recorded as deferred.
	Retries int
	// RetryWait is the wait before the first retry (default 5s); each
	// further retry waits twice as long, with ±50% jitter, capped at 5m.
	RetryWait time.Duration
	// Limit caps the number of rows taken for delivery this run (0: no
	// cap; negative is an error); a row taken that then fails to render or
	// is suppressed counts. Once the cap is reached, the rest of the data
	// is read only to count the rows the next run would take
	// (Summary.Left); those rows count nowhere else.
	Limit int
	// RetryFailed also sends rows recorded as permanently failed.
	RetryFailed bool
	// SkipUnknown leaves alone rows whose last attempt has an unknown
	// outcome, instead of sending them again.
	SkipUnknown bool

	// Suppress, when set, keeps suppressed addresses from being mailed
	// (see runState.suppress). Limits cap the run's deliveries per
	// calendar day or rolling period (see Cap), counting Delivered, the
	// deliveries the state file records since Since(Limits, now), and this
	// run's. Reaching one stops the run like a cancel, without recording
	// the rows not taken, and sets Summary.CapReached. Now (nil: time.Now)
	// gives the time of the limits and of outcome records.
	Suppress  *Suppression
	Limits    []Limit
	Delivered []DeliveryCount
	Now       func() time.Time

	// Schedule, when set, restricts sending to its windows: outside them
	// every attempt waits for the next opening (Progress shows until when),
	// or, with NoWait, the run stops like a cancel and sets
	// Summary.OutsideWindow.
	Schedule *Schedule
	NoWait   bool

	// Pacer, when set, spaces the attempts by recipient domain: a message
	// whose domains must wait is held back without occupying a worker, and
	// the others go on.
	Pacer Pacer

	// Shard, when its N is above 1, restricts the run to the rows whose
	// recipient key falls in shard I of N (see Shard.Has); the others are
	// counted in Snapshot.OtherShard and left alone.
	Shard Shard

	// Progress, when set, receives live counters.
	Progress *Progress
	// Logger receives one debug line per outcome and warnings; nil discards.
	Logger *slog.Logger
}

// Summary is what a finished Run reports.
type Summary struct {
	Snapshot
	// PreviouslyFailed counts rows left alone because an earlier run
	// recorded a permanent failure (see Runner.RetryFailed).
	PreviouslyFailed int64
	// UnknownSkipped counts rows left alone because their outcome is
	// unknown and SkipUnknown is set.
	UnknownSkipped int64
	// Limited is true when Limit stopped the run before the data ended:
	// Left rows remain for the next run (rows to send, and rows the source
	// could not read, which the next run records).
	Limited bool
	Left    int64
	// Interrupted is true when the context ended the run early.
	Interrupted bool
	// CapReached: Cap, one of the Limits, stopped the run until ResumeAt.
	CapReached bool
	Cap        Limit
	// OutsideWindow: the Schedule is closed and NoWait stopped the run
	// until ResumeAt, its next opening.
	OutsideWindow bool
	ResumeAt      time.Time
	// Unrecorded counts the outcomes the journal accepted but could not
	// write (see Unrecord); the counts above leave them out.
	Unrecorded int64
}

// Unrecord takes out of the counts the outcomes that the journal lost
// after it had accepted them (a full disk), by status: the state file shows
// those messages as unknown, and the summary must say what it holds.
func (s *Summary) Unrecord(lost map[Status]int) {
	for st, n := range lost {
		var c *int64
		switch st {
		case StatusDelivered:
			c = &s.Sent
		case StatusFailed:
			c = &s.Failed
		case StatusDeferred:
			c = &s.Deferred
		case StatusDuplicate:
			c = &s.Duplicates
		case StatusSuppressed:
			c = &s.Suppressed
		default:
			continue
		}
		*c -= int64(n)
		s.Unrecorded += int64(n)
	}
}

// ErrInterrupted is returned by Run when its context was cancelled: the rows
// not yet taken are left for the next run, in-flight messages finished and
// were recorded.
var ErrInterrupted = errors.New("campaign: interrupted")

// job is one message on its way through the workers.
type job struct {
	row      Row
	key      string
	msg      *Message // nil until a worker renders row
	attempts int
	lastErr  error
	// replies are the final replies of the attempts that reached someone;
	// ambiguous is true once an attempt failed after the final dot.
	replies   []string
	ambiguous bool
	// paced holds the recipients the Pacer admitted the attempt under way
	// for (see pace).
	paced []string
}

// Run executes the campaign. It checks the template's columns against the
// source first and returns the *InputError before anything is sent.
//
// Cancelling ctx stops taking new rows and ends every wait (rate limit,
// connection, retry backoff) at once; transactions already on the wire
// finish (bounded by the sender's timeouts) and are recorded, messages
// attempted before are recorded as deferred, and Run returns
// ErrInterrupted. A Fatal delivery
// error stops the run the same way and is returned. Errors of the source
// (other than *RowError), of the journal and of rendering setup are
// returned as they are. In every case the Summary counts what happened.
func (r *Runner) Run(ctx context.Context) (Summary, error) {
	if r.Workers <= 0 {
		r.Workers = 4
	}
	if r.RetryWait <= 0 {
		r.RetryWait = 5 * time.Second
	}
	if r.Progress == nil {
		r.Progress = new(Progress)
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if err := r.Shard.Validate(); err != nil {
		return Summary{}, err
	}
	if r.Limit < 0 {
		return Summary{}, errors.New("campaign: a negative Limit")
	}
	if err := r.Renderer.Check(r.Source.Columns()); err != nil {
		return Summary{}, err
	}
	r.Progress.limit.Store(int64(r.Limit))
	r.Progress.begin()
	if r.Schedule != nil && r.NoWait {
		if open, at := r.Schedule.Next(r.Now()); !open {
			// Closed from the start: not a row is read.
			return Summary{Snapshot: r.Progress.Snapshot(), OutsideWindow: true, ResumeAt: at}, nil
		}
	}

	stopCtx, stop := context.WithCancel(ctx)
	defer stop()
	st := &runState{r: r, stopCtx: stopCtx, stop: stop, queue: make(chan *job), pipe: &Pipeline{
		Source: r.Source, Renderer: r.Renderer, Shard: r.Shard, Previous: r.Journal.Previous,
		Policy: ResumePolicy{RetryFailed: r.RetryFailed, SkipUnknown: r.SkipUnknown},
	}}
	st.cap = NewCap(r.Limits, r.Delivered, r.Now)
	// Senders take the stop context: a stop ends every wait at once (rate,
	// connection), while a transaction already begun runs to its end.
	var workers sync.WaitGroup
	for range r.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			st.work(stopCtx)
		}()
	}
	sum, prodErr := st.produce()
	st.jobs.Wait()
	close(st.queue)
	workers.Wait()

	sum.Snapshot = r.Progress.Snapshot()
	st.mu.Lock()
	fatal, jerr := st.fatal, st.journalErr
	if st.capHit {
		sum.Cap, sum.ResumeAt, sum.CapReached = st.cap.Reached()
	}
	if !st.nextWindow.IsZero() {
		sum.OutsideWindow, sum.ResumeAt = true, st.nextWindow
	}
	st.mu.Unlock()
	switch {
	case jerr != nil:
		return sum, jerr
	case fatal != nil:
		return sum, fatal
	case prodErr != nil:
		return sum, prodErr
	case ctx.Err() != nil:
		sum.Interrupted = true
		return sum, ErrInterrupted
	}
	return sum, nil
}

// runState is what the producer and the workers of one Run share.
type runState struct {
	r       *Runner
	stopCtx context.Context
	stop    context.CancelFunc
	queue   chan *job
	pipe    *Pipeline
	jobs    sync.WaitGroup // jobs not yet settled
	cap     *Cap           // nil without Runner.Limits

	mu         sync.Mutex
	fatal      error
	journalErr error
	capHit     bool
	parked     atomic.Int64         // jobs held back by the Pacer, see pace
	nextWindow time.Time            // set when NoWait stopped the run outside the schedule
	opening    atomic.Pointer[span] // a time the Schedule is open, see awaitWindow
}

// produce reads the source until it ends, the limit is reached or the run
// stops, and feeds the queue.
func (s *runState) produce() (Summary, error) {
	r, p := s.r, s.r.Progress
	var sum Summary
	attempted := 0
	for s.stopCtx.Err() == nil {
		it, err := s.pipe.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, err
		}
		take := it.Err == nil && !it.OtherShard && it.DuplicateOf == 0 && !it.Settled
		if sum.Limited || (take && r.Limit > 0 && attempted >= r.Limit) {
			sum.Limited = true
			if take || it.Err != nil {
				sum.Left++
			}
			continue
		}
		p.read.Add(1)
		switch {
		case it.Err != nil:
			s.recordKeyless(Outcome{Row: it.Row.Num, Status: StatusFailed, Reply: it.Err.Error()})
			continue
		case it.OtherShard:
			p.otherShard.Add(1)
			continue
		case it.DuplicateOf > 0:
			s.record(Outcome{Row: it.Row.Num, Key: it.Key, Status: StatusDuplicate, Reply: it.DuplicateError().Err.Error()}, &p.duplicate)
			continue
		case it.Settled:
			p.skipped.Add(1)
			switch it.Previous {
			case StatusFailed:
				sum.PreviouslyFailed++
			case StatusSending:
				sum.UnknownSkipped++
			}
			continue
		}
		if s.cap != nil && s.cap.Full() {
			s.capReached()
			break
		}
		attempted++
		s.jobs.Add(1)
		select {
		case s.queue <- &job{row: it.Row, key: it.Key}:
		case <-s.stopCtx.Done():
			s.jobs.Done()
		}
	}
	return sum, nil
}
