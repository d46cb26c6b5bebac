package campaign_test

import (
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// TestSnapshotWorkAndETA checks that skipped rows are no work done, that
// the ETA comes from the rows still to send at the pace of those sent, and
// that a limit caps the rows of work.
func TestSnapshotWorkAndETA(t *testing.T) {
	tests := []struct {
		name        string
		s           campaign.Snapshot
		done, total int64
		eta         time.Duration
		etaOK       bool
	}{
		{"fresh run", campaign.Snapshot{Total: 200, Sent: 50, Elapsed: 5 * time.Second}, 50, 200, 15 * time.Second, true},
		{"resume: 117 rows settled, skipped first", campaign.Snapshot{Total: 200, Settled: 117, Skipped: 117, Sent: 6, Elapsed: time.Second},
			6, 83, 77 * time.Second / 6, true},
		{"resume before the skips are read", campaign.Snapshot{Total: 200, Settled: 117, Sent: 6, Elapsed: time.Second}, 6, 83, 77 * time.Second / 6, true},
		{"limit", campaign.Snapshot{Total: 200, Limit: 60, Sent: 30, Elapsed: 3 * time.Second}, 30, 60, 3 * time.Second, true},
		{"limit above the rows left", campaign.Snapshot{Total: 200, Settled: 190, Limit: 60, Sent: 5, Elapsed: time.Second}, 5, 10, time.Second, true},
		{"failures are work done", campaign.Snapshot{Total: 10, Sent: 2, Failed: 1, Deferred: 1, Suppressed: 1, Elapsed: time.Second}, 5, 10, time.Second, true},
		{"duplicates and other shards are no work", campaign.Snapshot{Total: 100, Duplicates: 10, OtherShard: 40, Sent: 25, Elapsed: time.Second}, 25, 50, time.Second, true},
		{"unknown total", campaign.Snapshot{Sent: 5, Elapsed: time.Second}, 5, 0, 0, false},
		{"nothing done yet", campaign.Snapshot{Total: 10, Skipped: 3, Elapsed: time.Second}, 0, 10 - 3, 0, false},
		{"never below the rows under way", campaign.Snapshot{Total: 10, Settled: 10, Sent: 2, InFlight: 1, Elapsed: time.Second}, 2, 3, time.Second / 2, true},
	}
	for _, tt := range tests {
		done, total := tt.s.Work()
		if done != tt.done || total != tt.total {
			t.Errorf("%s: Work = %d, %d; want %d, %d", tt.name, done, total, tt.done, tt.total)
		}
		eta, ok := tt.s.ETA()
		if ok != tt.etaOK || (ok && (eta-tt.eta).Abs() > time.Millisecond) {
			t.Errorf("%s: ETA = %v, %v; want %v, %v", tt.name, eta, ok, tt.eta, tt.etaOK)
		}
	}
}
