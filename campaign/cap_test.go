package campaign_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

func TestStartOfDay(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	seoul := time.FixedZone("KST", 9*3600)
	for _, tc := range []struct {
		t    time.Time
		loc  *time.Location
		want time.Time
	}{
		{time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC), seoul, time.Date(2026, 11, 27, 0, 0, 0, 0, seoul)},
		{time.Date(2026, 11, 26, 14, 59, 59, 0, time.UTC), seoul, time.Date(2026, 11, 26, 0, 0, 0, 0, seoul)},
		{time.Date(2026, 3, 8, 12, 0, 0, 0, ny), ny, time.Date(2026, 3, 8, 0, 0, 0, 0, ny)}, // a 23-hour day
	} {
		if got := campaign.StartOfDay(tc.t, tc.loc); !got.Equal(tc.want) {
			t.Errorf("StartOfDay(%v, %v) = %v, want %v", tc.t, tc.loc, got, tc.want)
		}
	}
}

func TestJournalCountsDeliveriesSince(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.state")
	var now time.Time
	clock := func() time.Time { return now }
	j, err := statefile.Open(path, statefile.Header{TemplateHash: "h", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	midnight := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	for i, at := range []time.Time{
		midnight.Add(-time.Nanosecond),       // yesterday
		midnight.Add(-time.Second),           // yesterday
		midnight,                             // today
		midnight.Add(500 * time.Millisecond), // today, with a fraction
		midnight.Add(10 * time.Hour),         // today
	} {
		o := campaign.Outcome{Row: i + 1, Key: string(rune('a' + i)), Status: campaign.StatusDelivered, Time: at}
		if err := j.Record(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Record(campaign.Outcome{Row: 9, Key: "z", Status: campaign.StatusFailed, Time: midnight.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		since time.Time
		want  int
	}{{time.Time{}, 0}, {midnight, 3}, {midnight.Add(-24 * time.Hour), 5}, {midnight.Add(time.Second), 1}} {
		j, err := statefile.Open(path, statefile.Header{TemplateHash: "h", CountDeliveredSince: tc.since})
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, d := range j.Deliveries() {
			got += d.N
		}
		if got != tc.want {
			t.Errorf("Deliveries since %v count %d, want %d", tc.since, got, tc.want)
		}
		j.Close()
	}
}

func TestCapLimits(t *testing.T) {
	now := time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	day := campaign.Limit{Max: 4, Location: time.UTC}
	rolling := campaign.Limit{Max: 3, Rolling: 24 * time.Hour}

	if campaign.NewCap([]campaign.Limit{{Max: 0}}, nil, clock) != nil {
		t.Fatal("a cap of no limit is not nil")
	}
	c := campaign.NewCap([]campaign.Limit{day, rolling}, []campaign.DeliveryCount{{At: now.Add(-23 * time.Hour), N: 1}}, clock)
	// The rolling limit has 2 slots left, the daily one 3.
	for i, want := range []bool{true, true, false} {
		if got := c.TryTake(); got != want {
			t.Fatalf("TryTake #%d = %v: the rolling limit has 2 slots left", i+1, got)
		}
	}
	c.Settle(false) // a failure gives its slot back
	c.Settle(true)
	if c.Left() != 1 || c.Full() {
		t.Fatalf("left %d full %v after a delivery and a failure, want 1 and false", c.Left(), c.Full())
	}
	if !c.Take() {
		t.Fatal("Take refused the last slot")
	}
	c.Settle(true)
	lim, at, full := c.Reached()
	if !full || lim.Rolling == 0 || !at.Equal(now.Add(time.Hour)) {
		t.Fatalf("Reached = %+v %v %v, want the rolling limit, freeing at %v", lim, at, full, now.Add(time.Hour))
	}
	if c.Take() {
		t.Fatal("Take with every slot kept and none in flight did not refuse")
	}
	// An hour later the oldest delivery frees its rolling slot, while the
	// calendar day (2 of 4 kept today) still has room.
	now = now.Add(time.Hour)
	if !c.TryTake() {
		t.Fatal("the slot of a delivery made 24 hours ago is not free")
	}
}

func TestCapLowered(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	history := []campaign.DeliveryCount{{At: now.Add(-20 * time.Hour), N: 5}, {At: now.Add(-2 * time.Hour), N: 5}}
	c := campaign.NewCap([]campaign.Limit{{Max: 6, Rolling: 24 * time.Hour}}, history, func() time.Time { return now })
	// 10 kept against a cap of 6: the first 5 freeing leaves 5, under 6.
	if _, at, full := c.Reached(); !full || !at.Equal(now.Add(4*time.Hour)) {
		t.Errorf("Reached = %v %v, want full until the first five free at %v", at, full, now.Add(4*time.Hour))
	}
}
