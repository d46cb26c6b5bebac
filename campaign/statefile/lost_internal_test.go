package statefile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mailrun/mailrun/campaign"
)

// TestJournalCountsWhatAFullDiskLost writes outcomes to a journal whose
// file is full (/dev/full fails every write with ENOSPC): the outcomes
// Record accepted must be counted as lost, by status.
func TestJournalCountsWhatAFullDiskLost(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full here:", err)
	}
	j, err := Open(filepath.Join(t.TempDir(), "s.state"), Header{TemplateHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	j.w.close()
	j.w = newGroupWriter(full)
	accepted := map[campaign.Status]int{}
	for i, st := range []campaign.Status{campaign.StatusDelivered, campaign.StatusDelivered, campaign.StatusFailed} {
		// An interim record (a retry follows) is lost too, but no summary
		// counted it.
		if i == 1 && j.Record(campaign.Outcome{Row: i + 1, Key: "k", Status: campaign.StatusDeferred, Interim: true}) != nil {
			t.Fatal("Record refused the first outcomes")
		}
		if err := j.Record(campaign.Outcome{Row: i + 1, Key: "k", Status: st}); err == nil {
			accepted[st]++
		}
	}
	j.Close()
	if len(accepted) == 0 {
		t.Fatal("Record accepted nothing")
	}
	lost := j.Lost()
	if len(lost) != len(accepted) {
		t.Errorf("lost %v, want every accepted outcome but the interim one (%v)", lost, accepted)
	}
	for st, n := range accepted {
		if lost[st] != n {
			t.Errorf("lost %v, want every accepted outcome but the interim one (%v)", lost, accepted)
		}
	}
}
