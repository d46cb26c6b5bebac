package statefile_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

// TestJournalConcurrent runs Sending and Record from 16 goroutines (run it
// with -race) and checks after every Sending that its record is already in
// the file, as a process killed right then would leave it.
func TestJournalConcurrent(t *testing.T) {
	const workers, each = 16, 40
	path := filepath.Join(t.TempDir(), "s.state")
	j := openJournal(t, path, header("h"))
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				row := w*each + i + 1
				key := fmt.Sprintf("r%d@example.com", row)
				m := msg(row, key)
				if err := j.Sending(m); err != nil {
					errs <- err
					return
				}
				b, err := os.ReadFile(path)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Contains(b, []byte(`"message_id":"`+m.ID+`"`)) {
					errs <- fmt.Errorf("row %d: Sending returned before its record was in the file", row)
					return
				}
				st := campaign.StatusDelivered
				if row%10 == 0 {
					st = campaign.StatusFailed
				}
				if err := j.Record(campaign.Outcome{Row: row, Key: key, MessageID: m.ID, Status: st}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	closeJournal(t, j)

	if n := len(checkLines(t, path)); n != 1+2*workers*each {
		t.Errorf("%d lines, want %d", n, 1+2*workers*each)
	}
	s, err := statefile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	want := statefile.Counts{Recipients: workers * each, Delivered: workers * each * 9 / 10, Failed: workers * each / 10}
	if s.Counts != want {
		t.Errorf("Counts = %+v, want %+v", s.Counts, want)
	}
}
