package statefile_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

// countsOf counts recipients by status the way State.Counts does.
func countsOf(rs []statefile.Recipient) statefile.Counts {
	var c statefile.Counts
	for _, r := range rs {
		c.Recipients++
		switch r.Status {
		case campaign.StatusDelivered:
			c.Delivered++
		case campaign.StatusFailed:
			c.Failed++
		case campaign.StatusDeferred:
			c.Deferred++
		case campaign.StatusSending:
			c.Unknown++
		case campaign.StatusDuplicate:
			c.Duplicate++
		case campaign.StatusSuppressed:
			c.Suppressed++
		}
	}
	return c
}

// historyAsRead reads the history of the state file at path and checks
// that its recipients count up, status by status, to Read's Counts.
func historyAsRead(t *testing.T, path string) *statefile.History {
	t.Helper()
	h, err := statefile.ReadHistory(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := statefile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := countsOf(h.Recipients); got != st.Counts {
		t.Fatalf("%s: recipients by status %+v, Read's Counts %+v", path, got, st.Counts)
	}
	return h
}

func TestReadHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.state")
	j := openJournal(t, path, header("h"))
	send(t, j, 1, "ann@example.com", campaign.StatusDelivered)
	send(t, j, 2, "bob@example.com", campaign.StatusFailed)
	send(t, j, 3, "cy@example.com", campaign.StatusDeferred)
	send(t, j, 3, "cy@example.com", campaign.StatusDelivered) // delivered on resume
	send(t, j, 4, "di@example.com", "")                       // unknown
	record(t, j, campaign.Outcome{Row: 5, Key: "ann@example.com", Status: campaign.StatusDuplicate})
	record(t, j, campaign.Outcome{Row: 6, Status: campaign.StatusFailed, Reply: "render: no such column"})
	closeJournal(t, j)

	h := historyAsRead(t, path)
	want := []statefile.Recipient{
		{Row: 1, Key: "ann@example.com", Status: campaign.StatusDelivered, Code: 250, Enhanced: "2.0.0", Reply: "250 2.0.0 Ok: queued as ann@example.com", Attempts: 1, MessageID: "1.ann@example.com@mailrun"},
		{Row: 2, Key: "bob@example.com", Status: campaign.StatusFailed, Code: 550, Enhanced: "5.1.1", Reply: "no such user", Refused: "bob@example.com", Attempts: 1, MessageID: "2.bob@example.com@mailrun"},
		{Row: 3, Key: "cy@example.com", Status: campaign.StatusDelivered, Code: 250, Enhanced: "2.0.0", Reply: "250 2.0.0 Ok: queued as cy@example.com", Attempts: 2, MessageID: "3.cy@example.com@mailrun"},
		{Row: 4, Key: "di@example.com", Status: campaign.StatusSending, Attempts: 1, MessageID: "4.di@example.com@mailrun"},
		{Row: 6, Status: campaign.StatusFailed, Reply: "render: no such column"},
	}
	if len(h.Recipients) != len(want) {
		t.Fatalf("%d recipients, want %d: %+v", len(h.Recipients), len(want), h.Recipients)
	}
	for i, w := range want {
		got := h.Recipients[i]
		if got.First.IsZero() || got.Last.Before(got.First) {
			t.Errorf("row %d: First %v, Last %v", got.Row, got.First, got.Last)
		}
		got.First, got.Last = time.Time{}, time.Time{}
		if got != w {
			t.Errorf("recipient %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
}

// TestReadHistoryCountsAsRead writes random state files and checks that the
// recipients' statuses always count up to what Read (and so status) says.
func TestReadHistoryCountsAsRead(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	statuses := []campaign.Status{"", campaign.StatusDelivered, campaign.StatusFailed, campaign.StatusDeferred}
	for n := range 20 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("%d.state", n))
		j := openJournal(t, path, header("h"))
		for range 60 {
			row := 1 + rng.IntN(15)
			key := fmt.Sprintf("k%d@example.com", row%12)
			switch rng.IntN(6) {
			case 0:
				record(t, j, campaign.Outcome{Row: row, Key: key, Status: campaign.StatusDuplicate})
			case 1:
				record(t, j, campaign.Outcome{Row: row, Key: key, Status: campaign.StatusSuppressed})
			default:
				send(t, j, row, key, statuses[rng.IntN(len(statuses))])
			}
		}
		closeJournal(t, j)
		historyAsRead(t, path)
	}
}

func TestTimeline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.state")
	j := openJournal(t, path, header("h"))
	at := func(min int, row int, st campaign.Status) {
		record(t, j, campaign.Outcome{Row: row, Key: fmt.Sprint(row), Status: st, Time: testNow.Add(time.Duration(min) * time.Minute)})
	}
	at(0, 1, campaign.StatusDelivered)
	at(0, 2, campaign.StatusDelivered)
	at(1, 3, campaign.StatusFailed)
	at(59, 4, campaign.StatusDeferred)
	at(59, 5, campaign.StatusDelivered)
	closeJournal(t, j)
	h, err := statefile.ReadHistory(path)
	if err != nil {
		t.Fatal(err)
	}
	tl := h.Timeline(60)
	if tl.Step != time.Minute || !tl.Start.Equal(testNow) || tl.Steps() != 60 {
		t.Fatalf("Timeline(60): start %v, step %v, %d steps; want %v, 1m, 60", tl.Start, tl.Step, tl.Steps(), testNow)
	}
	want := map[campaign.Status][]int{
		campaign.StatusDelivered: {0: 2, 59: 1},
		campaign.StatusFailed:    {1: 1},
		campaign.StatusDeferred:  {59: 1},
	}
	if len(tl.Series) != len(want) {
		t.Fatalf("series %+v", tl.Series)
	}
	for _, s := range tl.Series {
		for i, n := range s.Counts {
			if w := want[s.Status]; (i < len(w) && n != w[i]) || (i >= len(w) && n != 0) {
				t.Errorf("%s step %d: %d", s.Status, i, n)
			}
		}
	}
	if tl := h.Timeline(10); tl.Step != 10*time.Minute || tl.Steps() != 6 || tl.Series[0].Counts[0] != 2 || tl.Series[0].Counts[5] != 1 {
		t.Errorf("Timeline(10): step %v, %d steps, %+v", tl.Step, tl.Steps(), tl.Series)
	}
}
