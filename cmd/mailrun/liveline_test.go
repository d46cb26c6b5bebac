package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// screen plays terminal output the way a terminal shows it, for the
// control sequences the live line uses: CR, LF and ESC [ K (erase to the
// end of the line). It returns the lines on the screen.
func screen(out string) []string {
	lines := []string{""}
	col := 0
	for i := 0; i < len(out); i++ {
		cur := &lines[len(lines)-1]
		switch {
		case out[i] == '\r':
			col = 0
		case out[i] == '\n':
			lines = append(lines, "")
			col = 0
		case strings.HasPrefix(out[i:], "\033[K"):
			*cur = (*cur)[:col]
			i += 2
		default:
			if col < len(*cur) {
				*cur = (*cur)[:col] + out[i:i+1] + (*cur)[col+1:]
			} else {
				*cur += out[i : i+1]
			}
			col++
		}
	}
	return lines
}

// lockedBuffer is a bytes.Buffer safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// TestLiveLineKeepsLogRecordsAboveIt writes log records from several
// goroutines while the live line changes, and checks that on the screen
// every record has a line of its own, the live line stays the last line,
// and no line mixes the two.
func TestLiveLineKeepsLogRecordsAboveIt(t *testing.T) {
	var out lockedBuffer
	live := &liveLine{w: &out}
	log := slog.New(slog.NewTextHandler(live, nil))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				log.Info("retrying", "worker", g, "attempt", i)
			}
		})
	}
	wg.Go(func() {
		for i := range 200 {
			live.Show(fmt.Sprintf("%d/200 rows · sent %d · ETA 1s", i, i))
		}
	})
	wg.Wait()
	live.Show("200/200 rows · sent 200 · ETA 0s")

	lines := screen(out.b.String())
	records := 0
	for _, l := range lines[:len(lines)-1] {
		switch {
		case strings.Contains(l, "rows ·") && strings.Contains(l, "level="):
			t.Fatalf("a line mixes the live line and a record: %q", l)
		case strings.Contains(l, "level=INFO msg=retrying"):
			records++
		case l != "":
			t.Errorf("a line above the live line is neither a record nor empty: %q", l)
		}
	}
	if records != 200 {
		t.Errorf("%d records on the screen, want 200", records)
	}
	if last := lines[len(lines)-1]; last != "200/200 rows · sent 200 · ETA 0s" {
		t.Errorf("the last line is %q, want the live line", last)
	}
	live.Show("")
	if lines := screen(out.b.String()); lines[len(lines)-1] != "" {
		t.Errorf("Show(\"\") left %q", lines[len(lines)-1])
	}
}
