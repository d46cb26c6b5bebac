package statefile_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mailrun/mailrun/campaign"
)

// BenchmarkJournal compares the journal's group commit with writing and
// syncing each record on its own, both driven by 16 goroutines that each
// record an attempt and its outcome per iteration (2 records).
func BenchmarkJournal(b *testing.B) {
	b.Run("group-commit", func(b *testing.B) {
		j := openJournal(b, filepath.Join(b.TempDir(), "s.state"), header("h"))
		runPairs(b, j.Sending, j.Record)
		closeJournal(b, j)
	})
	b.Run("fsync-per-record", func(b *testing.B) {
		f, err := os.OpenFile(filepath.Join(b.TempDir(), "s.state"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		var mu sync.Mutex
		write := func(v any) error {
			line, err := json.Marshal(v)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if _, err := f.Write(append(line, '\n')); err != nil {
				return err
			}
			return f.Sync()
		}
		runPairs(b,
			func(m *campaign.Message) error { return write(m) },
			func(o campaign.Outcome) error { return write(o) })
	})
}

func runPairs(b *testing.B, sending func(*campaign.Message) error, record func(campaign.Outcome) error) {
	b.Helper()
	var next atomic.Int64
	b.SetParallelism(16 / max(1, runtimeProcs()))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			row := int(next.Add(1))
			key := "r" + strconv.Itoa(row) + "@example.com"
			m := &campaign.Message{Row: row, Key: key, ID: strconv.Itoa(row) + "@mailrun"}
			if err := sending(m); err != nil {
				b.Error(err)
				return
			}
			o := campaign.Outcome{Row: row, Key: key, MessageID: m.ID, Status: campaign.StatusDelivered,
				Reply: "250 2.0.0 Ok: queued as 4Bx1", Attempts: 1}
			if err := record(o); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "records/s")
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
