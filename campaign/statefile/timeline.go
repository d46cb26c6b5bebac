package statefile

import (
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// Timeline counts the records of each status over time, in equal steps.
type Timeline struct {
	// Start is the start of the first step, Step the length of each.
	Start time.Time
	Step  time.Duration
	// Series holds, for each status that has records (sending excepted, in
	// the order of the campaign.Status constants), the records per step.
	Series []Series
}

// Series is the records of one status per step.
type Series struct {
	Status campaign.Status
	Counts []int
}

// Steps returns the number of steps.
func (t Timeline) Steps() int {
	if len(t.Series) == 0 {
		return 0
	}
	return len(t.Series[0].Counts)
}

// timelineSteps are the step lengths Timeline picks from.
var timelineSteps = []time.Duration{
	time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
	time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour,
}

// Timeline returns the records of the history over time, in the shortest
// step (from one second to a week) that spans them in at most maxSteps
// steps (or in weeks). Steps start at multiples of the step since the Unix
// epoch. A history without timed records has an empty Timeline.
func (h *History) Timeline(maxSteps int) Timeline {
	if len(h.perSecond) == 0 {
		return Timeline{}
	}
	lo, hi := h.Span()
	first, last := lo.Unix(), hi.Unix()
	var seen [numStatus]bool
	for _, c := range h.perSecond {
		for st, n := range c {
			seen[st] = seen[st] || n > 0
		}
	}
	step := timelineSteps[len(timelineSteps)-1]
	for _, s := range timelineSteps {
		if n := last/int64(s/time.Second) - first/int64(s/time.Second) + 1; n <= int64(maxSteps) {
			step = s
			break
		}
	}
	secs := int64(step / time.Second)
	start := floorDiv(first, secs)
	n := floorDiv(last, secs) - start + 1
	t := Timeline{Start: time.Unix(start*secs, 0).UTC(), Step: step}
	index := make(map[uint8]int)
	for st := stSending + 1; st < numStatus; st++ {
		if seen[st] {
			index[st] = len(t.Series)
			t.Series = append(t.Series, Series{Status: statusNames[st], Counts: make([]int, n)})
		}
	}
	for sec, c := range h.perSecond {
		i := floorDiv(sec, secs) - start
		for st, k := range c {
			if k > 0 {
				t.Series[index[uint8(st)]].Counts[i] += k
			}
		}
	}
	return t
}

// floorDiv is a / b rounded down.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Span returns the times of the first and the last record that Timeline
// counts, zero times when there is none.
func (h *History) Span() (first, last time.Time) {
	if len(h.perSecond) == 0 {
		return time.Time{}, time.Time{}
	}
	lo, hi := int64(1<<62), int64(-1<<62)
	for sec := range h.perSecond {
		lo, hi = min(lo, sec), max(hi, sec)
	}
	return time.Unix(lo, 0).UTC(), time.Unix(hi, 0).UTC()
}
