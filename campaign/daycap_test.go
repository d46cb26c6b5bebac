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

func TestJournalCountsDeliveredSince(t *testing.T) {
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
		if got := j.DeliveredSince(); got != tc.want {
			t.Errorf("DeliveredSince %v = %d, want %d", tc.since, got, tc.want)
		}
		j.Close()
	}
}
