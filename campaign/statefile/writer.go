package statefile

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// Group commit. Callers append encoded lines to a shared buffer under a
// mutex; a single writer goroutine swaps the buffer out and writes it with
// one write(2), so everything appended while the previous write was running
// goes out together. Each buffer belongs to a batch whose done channel is
// closed once its write has returned: Sending waits on it, Record does not.
// A second goroutine only calls fsync: at most syncInterval after the first
// write it has not synced, or sooner once syncRecords lines are unsynced, so
// writes never wait behind a slow fsync.
const (
	syncInterval = 5 * time.Millisecond
	syncRecords  = 1024
	// maxBuffered bounds what Record may leave unwritten: past it, Record
	// waits for the write like Sending does.
	maxBuffered = 4 << 20
)

var errJournalClosed = errors.New("campaign: journal is closed")

// lineMeta is what the writer knows of a line in its buffer: where it ends
// and the status it records, to count what a failed write lost.
type lineMeta struct {
	end int
	st  campaign.Status
}

// batch is one write's worth of lines.
type batch struct {
	done chan struct{}
	err  error
}

// groupWriter appends lines to a file through one writer goroutine.
type groupWriter struct {
	f *os.File

	mu      sync.Mutex
	buf     []byte     // lines waiting for the writer
	lines   []lineMeta // one per line in buf
	cur     *batch     // the batch buf will be written as
	closing bool
	err     error // first write or sync error; sticky
	lost    map[campaign.Status]int

	spare      []byte // the writer's other buffer (writer goroutine only)
	spareLines []lineMeta
	kick       chan struct{} // wakes the writer (capacity 1)
	dirty      chan struct{} // wakes the syncer (capacity 1)
	unsynced   atomic.Int64  // lines written since the syncer last began a sync
	stop       chan struct{} // closed by close to stop the syncer
	wdone      chan struct{} // closed when the writer has exited
	sdone      chan struct{} // closed when the syncer has exited
	closeErr   error
	once       sync.Once
}

func newGroupWriter(f *os.File) *groupWriter {
	w := &groupWriter{
		f:     f,
		cur:   &batch{done: make(chan struct{})},
		kick:  make(chan struct{}, 1),
		dirty: make(chan struct{}, 1),
		stop:  make(chan struct{}),
		wdone: make(chan struct{}),
		sdone: make(chan struct{}),
	}
	go w.writeLoop()
	go w.syncLoop()
	return w
}

// append queues line, a record of status st ("" for a record that a
// failed write may lose uncounted). With wait, or when too much is
// buffered, it returns only after line has been written to the file (not
// necessarily synced).
func (w *groupWriter) append(line []byte, st campaign.Status, wait bool) error {
	w.mu.Lock()
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		return err
	}
	if w.closing {
		w.mu.Unlock()
		return errJournalClosed
	}
	w.buf = append(w.buf, line...)
	w.lines = append(w.lines, lineMeta{end: len(w.buf), st: st})
	b := w.cur
	wait = wait || len(w.buf) > maxBuffered
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
	if !wait {
		return nil
	}
	<-b.done
	return b.err
}

func (w *groupWriter) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
}

// countLost notes the lines of a failed write that did not reach the file
// whole: those that end past the n bytes written.
func (w *groupWriter) countLost(lines []lineMeta, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, l := range lines {
		if l.end > n && l.st != "" {
			if w.lost == nil {
				w.lost = map[campaign.Status]int{}
			}
			w.lost[l.st]++
		}
	}
}

// lostLines returns, by status, the lines that a failed write lost.
func (w *groupWriter) lostLines() map[campaign.Status]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.lost)
}

// writeLoop is the writer goroutine.
func (w *groupWriter) writeLoop() {
	defer close(w.wdone)
	for range w.kick {
		w.mu.Lock()
		data, lines, b, closing := w.buf, w.lines, w.cur, w.closing
		w.buf, w.lines = w.spare[:0], w.spareLines[:0]
		w.cur = &batch{done: make(chan struct{})}
		w.mu.Unlock()

		if len(data) > 0 {
			if n, err := w.f.Write(data); err != nil {
				b.err = fmt.Errorf("campaign: write state file: %w", err)
				w.fail(b.err)
				w.countLost(lines, n)
			} else {
				w.unsynced.Add(int64(len(lines)))
				select {
				case w.dirty <- struct{}{}:
				default:
				}
			}
		}
		close(b.done)
		if cap(data) <= maxBuffered {
			w.spare, w.spareLines = data[:0], lines[:0]
		} else {
			w.spare, w.spareLines = nil, nil
		}
		if closing {
			return
		}
	}
}

// syncLoop is the syncer goroutine.
func (w *groupWriter) syncLoop() {
	defer close(w.sdone)
	last := time.Now()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-w.dirty:
		case <-w.stop:
			return
		}
		if w.unsynced.Load() < syncRecords {
			timer.Reset(syncInterval - time.Since(last))
		wait:
			for w.unsynced.Load() < syncRecords {
				select {
				case <-w.dirty:
				case <-timer.C:
					break wait
				case <-w.stop:
					timer.Stop()
					return
				}
			}
			timer.Stop()
		}
		// Lines written from here on are counted again and wake the loop,
		// even if this sync happens to cover them.
		w.unsynced.Store(0)
		last = time.Now()
		if err := w.f.Sync(); err != nil {
			w.fail(fmt.Errorf("campaign: sync state file: %w", err))
		}
	}
}

// close writes what is queued, syncs, and stops both goroutines. Appends
// after close fail with errJournalClosed. It returns the first write or
// sync error and is safe to call twice.
func (w *groupWriter) close() error {
	w.once.Do(func() {
		w.mu.Lock()
		w.closing = true
		w.mu.Unlock()
		select {
		case w.kick <- struct{}{}:
		default:
		}
		<-w.wdone
		close(w.stop)
		<-w.sdone
		if err := w.f.Sync(); err != nil {
			w.fail(fmt.Errorf("campaign: sync state file: %w", err))
		}
		w.mu.Lock()
		w.closeErr = w.err
		w.mu.Unlock()
	})
	return w.closeErr
}
