//go:build unix

package statefile

import (
	"maps"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/mailrun/mailrun/campaign"
)

// TestJournalCountsWhatAFailedWriteLost queues outcomes to a journal whose
// writes block (a pipe nobody reads, its buffer full), then breaks the pipe:
// every write fails, and the outcomes Record accepted must be counted as
// lost, by status, the interim one (a retry followed it) left out. The
// pipe makes the order certain: nothing is written, or refused, before
// every record is queued.
func TestJournalCountsWhatAFailedWriteLost(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// Fill the pipe's buffer so that the writer's first write blocks.
	// (Fd puts the file in blocking mode, so it is called once.)
	fd := int(w.Fd())
	if err := syscall.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := syscall.Write(fd, chunk); err != nil {
			break
		}
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		t.Fatal(err)
	}
	j, err := Open(filepath.Join(t.TempDir(), "s.state"), Header{TemplateHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	j.w.close()
	j.w = newGroupWriter(w)
	records := []campaign.Outcome{
		{Row: 1, Key: "a", Status: campaign.StatusDelivered},
		{Row: 2, Key: "b", Status: campaign.StatusDeferred, Interim: true},
		{Row: 2, Key: "b", Status: campaign.StatusDelivered},
		{Row: 3, Key: "c", Status: campaign.StatusFailed},
	}
	for _, o := range records {
		if err := j.Record(o); err != nil {
			t.Fatalf("Record refused %+v before any write failed: %v", o, err)
		}
	}
	r.Close() // the blocked write fails with EPIPE, and so does every later one
	j.Close()
	want := map[campaign.Status]int{campaign.StatusDelivered: 2, campaign.StatusFailed: 1}
	if got := j.Lost(); !maps.Equal(got, want) {
		t.Errorf("Lost() = %v, want %v (every accepted outcome but the interim one)", got, want)
	}
}
