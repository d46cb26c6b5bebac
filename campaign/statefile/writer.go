package statefile

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
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

// batch is one write's worth of lines.
type batch struct {
	done chan struct{}
	err  error
}

// groupWriter appends lines to a file through one writer goroutine.
type groupWriter struct {
	f *os.File

	mu      sync.Mutex
	buf     []byte // lines waiting for the writer
	lines   int    // len(lines) in buf
	cur     *batch // the batch buf will be written as
	closing bool
	err     error // first write or sync error; sticky

	spare    []byte        // the writer's other buffer (writer goroutine only)
	kick     chan struct{} // wakes the writer (capacity 1)
	dirty    chan struct{} // wakes the syncer (capacity 1)
	unsynced atomic.Int64  // lines written since the syncer last began a sync
	stop     chan struct{} // closed by close to stop the syncer
	wdone    chan struct{} // closed when the writer has exited
	sdone    chan struct{} // closed when the syncer has exited
	closeErr error
	once     sync.Once
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

// append queues line. With wait, or when too much is buffered, it returns
// only after line has been written to the file (not necessarily synced).
func (w *groupWriter) append(line []byte, wait bool) error {
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
	w.lines++
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

// writeLoop is the writer goroutine.
func (w *groupWriter) writeLoop() {
	defer close(w.wdone)
	for range w.kick {
		w.mu.Lock()
		data, lines, b, closing := w.buf, w.lines, w.cur, w.closing
		w.buf, w.lines = w.spare[:0], 0
		w.cur = &batch{done: make(chan struct{})}
		w.mu.Unlock()

		if len(data) > 0 {
			if _, err := w.f.Write(data); err != nil {
				b.err = fmt.Errorf("campaign: write state file: %w", err)
				w.fail(b.err)
			} else {
				w.unsynced.Add(int64(lines))
				select {
				case w.dirty <- struct{}{}:
				default:
				}
			}
		}
		close(b.done)
		if cap(data) <= maxBuffered {
			w.spare = data[:0]
		} else {
			w.spare = nil
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
