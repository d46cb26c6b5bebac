package campaign

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Window is a time of day during which a campaign may send, from Start to
// End, both as offsets from midnight. An End at or before Start crosses
// midnight: 22:00-06:00 runs from 22:00 to 06:00 the next morning.
type Window struct {
	Start, End time.Duration
}

// ParseWindow parses "HH:MM-HH:MM" (24-hour clock; 24:00 is the end of the
// day), for example "09:00-18:00" or "22:00-06:00".
func ParseWindow(s string) (Window, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	start, err1 := parseClock(a, false)
	end, err2 := parseClock(b, true)
	if !ok || err1 != nil || err2 != nil {
		return Window{}, fmt.Errorf("campaign: send window %q: want HH:MM-HH:MM, for example 09:00-18:00", s)
	}
	if start == end {
		return Window{}, fmt.Errorf("campaign: send window %q is empty: it starts when it ends", s)
	}
	return Window{Start: start, End: end}, nil
}

// parseClock parses "HH:MM"; "24:00" only when end is true.
func parseClock(s string, end bool) (time.Duration, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	switch {
	case !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || mm < 0 || mm > 59:
		return 0, errors.New("bad time")
	case hh > 24 || (hh == 24 && (mm != 0 || !end)):
		return 0, errors.New("bad time")
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// ParseDays parses a list of weekdays: names (mon, tue, ... sun, or
// longer beginnings of the English names) and ranges of them, joined by commas, for example "mon-fri" or
// "mon,wed,fri" or "fri-mon" (a range may wrap past Sunday). It returns the
// days allowed, indexed by time.Weekday.
func ParseDays(s string) ([7]bool, error) {
	var days [7]bool
	day := func(name string) (int, bool) {
		name = strings.ToLower(strings.TrimSpace(name))
		for i := range 7 {
			if len(name) >= 3 && strings.HasPrefix(strings.ToLower(time.Weekday(i).String()), name) {
				return i, true
			}
		}
		return 0, false
	}
	for part := range strings.SplitSeq(s, ",") {
		a, b, isRange := strings.Cut(part, "-")
		from, ok1 := day(a)
		to, ok2 := from, true
		if isRange {
			to, ok2 = day(b)
		}
		if !ok1 || !ok2 {
			return days, fmt.Errorf("campaign: days %q: want weekday names or ranges such as mon-fri or sat,sun", s)
		}
		for i := from; ; i = (i + 1) % 7 {
			days[i] = true
			if i == to {
				break
			}
		}
	}
	return days, nil
}

// Schedule says when a campaign may send: during its Windows (every hour
// when there is none) on its Days (every day when none is set), in
// Location (nil: time.Local). A window that crosses midnight belongs to the
// day it starts on. The zero Schedule is always open.
type Schedule struct {
	Windows  []Window
	Days     [7]bool
	Location *time.Location
}

// span is one opening of a Schedule.
type span struct{ from, to time.Time }

// Next reports whether the schedule is open at t. When it is, at is when
// it closes (the end of the opening t falls in, openings that touch or
// overlap joined; at most about a week ahead); when it is not, at is when
// it opens next. A schedule that never opens returns false and the zero
// time.
func (s *Schedule) Next(t time.Time) (open bool, at time.Time) {
	loc := s.Location
	if loc == nil {
		loc = time.Local
	}
	windows := s.Windows
	if len(windows) == 0 {
		windows = []Window{{0, 24 * time.Hour}}
	}
	every := s.Days == [7]bool{}
	// The openings of the day before t to a week after: enough to find the
	// next one, and to join one that started yesterday.
	y, m, d := t.In(loc).Date()
	var spans []span
	for i := -1; i <= 8; i++ {
		day := time.Date(y, m, d+i, 0, 0, 0, 0, loc)
		if !every && !s.Days[day.Weekday()] {
			continue
		}
		for _, w := range windows {
			end := w.End
			if end <= w.Start {
				end += 24 * time.Hour
			}
			spans = append(spans, span{clock(day, w.Start), clock(day, end)})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from.Compare(b.from) })
	var joined []span
	for _, sp := range spans {
		if n := len(joined); n > 0 && !sp.from.After(joined[n-1].to) {
			if sp.to.After(joined[n-1].to) {
				joined[n-1].to = sp.to
			}
			continue
		}
		joined = append(joined, sp)
	}
	for _, sp := range joined {
		switch {
		case t.Before(sp.from):
			return false, sp.from
		case t.Before(sp.to):
			return true, sp.to
		}
	}
	return false, time.Time{}
}

// clock returns the time of day off on day (midnight in its location),
// counted on the wall clock, so that 09:00 is 09:00 on the days that
// daylight saving time starts or ends.
func clock(day time.Time, off time.Duration) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, day.Location())
}
