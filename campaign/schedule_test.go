package campaign_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	return loc
}

func TestScheduleNext(t *testing.T) {
	seoul := mustLoad(t, "Asia/Seoul")
	ny := mustLoad(t, "America/New_York")
	at := func(loc *time.Location, day, hh, mm int) time.Time {
		return time.Date(2026, 11, day, hh, mm, 0, 0, loc)
	}
	schedule := func(loc *time.Location, days string, windows ...string) *campaign.Schedule {
		s := &campaign.Schedule{Location: loc}
		for _, w := range windows {
			win, err := campaign.ParseWindow(w)
			if err != nil {
				t.Fatal(err)
			}
			s.Windows = append(s.Windows, win)
		}
		if days != "" {
			d, err := campaign.ParseDays(days)
			if err != nil {
				t.Fatal(err)
			}
			s.Days = d
		}
		return s
	}
	office := schedule(seoul, "mon-fri", "09:00-18:00")
	// 2026-11-23 is a Monday.
	tests := []struct {
		name string
		s    *campaign.Schedule
		t    time.Time
		open bool
		at   time.Time
	}{
		{"before the window", office, at(seoul, 23, 8, 59), false, at(seoul, 23, 9, 0)},
		{"at its start", office, at(seoul, 23, 9, 0), true, at(seoul, 23, 18, 0)},
		{"at its end", office, at(seoul, 27, 18, 0), false, at(seoul, 30, 9, 0)},
		{"a Saturday", office, at(seoul, 28, 12, 0), false, at(seoul, 30, 9, 0)},
		{"another zone's clock", office, time.Date(2026, 11, 23, 0, 30, 0, 0, time.UTC), true, at(seoul, 23, 18, 0)},
		{"across midnight", schedule(seoul, "fri", "22:00-06:00"), at(seoul, 28, 5, 0), true, at(seoul, 28, 6, 0)},
		{"a crossing window belongs to its first day", schedule(seoul, "fri", "22:00-06:00"), at(seoul, 27, 5, 0), false, at(seoul, 27, 22, 0)},
		{"touching windows join", schedule(seoul, "", "09:00-12:00", "12:00-18:00"), at(seoul, 23, 10, 0), true, at(seoul, 23, 18, 0)},
		{"days alone: whole days, joined", schedule(seoul, "sat,sun"), at(seoul, 28, 10, 0), true, at(seoul, 30, 0, 0)},
		{"days alone, before", schedule(seoul, "sat-sun"), at(seoul, 27, 23, 0), false, at(seoul, 28, 0, 0)},
		{"daylight saving starts", schedule(ny, "", "09:00-10:00"), time.Date(2026, 3, 8, 1, 0, 0, 0, ny), false, time.Date(2026, 3, 8, 9, 0, 0, 0, ny)},
	}
	if open, _ := schedule(seoul, "").Next(at(seoul, 27, 23, 0)); !open {
		t.Error("a schedule without windows or days is closed")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open, got := tt.s.Next(tt.t)
			if open != tt.open || !got.Equal(tt.at) {
				t.Errorf("Next(%v) = %v %v, want %v %v", tt.t, open, got.In(tt.at.Location()), tt.open, tt.at)
			}
		})
	}
}

func TestParseWindowAndDays(t *testing.T) {
	for _, bad := range []string{"9-18", "09:00", "25:00-26:00", "09:00-09:00", "24:00-01:00", "09:60-10:00", "09:0-10:00"} {
		if _, err := campaign.ParseWindow(bad); err == nil {
			t.Errorf("ParseWindow(%q) took it", bad)
		}
	}
	if w, err := campaign.ParseWindow("18:30-24:00"); err != nil || w.Start != 18*time.Hour+30*time.Minute || w.End != 24*time.Hour {
		t.Errorf("ParseWindow(18:30-24:00) = %+v, %v", w, err)
	}
	for in, want := range map[string]string{"mon-fri": ".XXXXX.", "fri-mon": "XX...XX", "Monday,wed": ".X.X...", "sun": "X......"} {
		days, err := campaign.ParseDays(in)
		var got strings.Builder
		for _, d := range days {
			got.WriteString(map[bool]string{true: "X", false: "."}[d])
		}
		if err != nil || got.String() != want {
			t.Errorf("ParseDays(%q) = %s, %v; want %s (Sunday first)", in, got.String(), err, want)
		}
	}
	for _, bad := range []string{"funday", "mo", "mon-", "mon,,fri"} {
		if _, err := campaign.ParseDays(bad); err == nil {
			t.Errorf("ParseDays(%q) took it", bad)
		}
	}
}
