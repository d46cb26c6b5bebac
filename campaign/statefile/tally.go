package statefile

import (
	"slices"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// secondLayout is the first 19 bytes of a record's time (RFC 3339, UTC):
// the time to the second. Such prefixes compare as strings in time order.
const secondLayout = "2006-01-02T15:04:05"

// tally counts delivered records by the second they were recorded, in all
// and by the relay they name, from a point in time on. Counting by second
// bounds its memory by the length of the period, not by the deliveries.
type tally struct {
	since   string // the first second counted; "" counts nothing
	all     map[string]int
	byRelay map[string]map[string]int
}

func newTally(since time.Time) *tally {
	t := &tally{all: map[string]int{}}
	if !since.IsZero() {
		t.since = since.UTC().Format(secondLayout)
	}
	return t
}

// add counts a delivered record with the time tm and the relay relay
// (empty: none), when tm is at or after the tally's start.
func (t *tally) add(tm, relay []byte) {
	if t.since == "" || len(tm) < len(secondLayout) || string(tm[:len(secondLayout)]) < t.since {
		return
	}
	sec := tm[:len(secondLayout)]
	t.all[string(sec)]++
	if len(relay) == 0 {
		return
	}
	if t.byRelay == nil {
		t.byRelay = map[string]map[string]int{}
	}
	m := t.byRelay[string(relay)]
	if m == nil {
		m = map[string]int{}
		t.byRelay[string(relay)] = m
	}
	m[string(sec)]++
}

// counts returns the counts of m, oldest first.
func counts(m map[string]int) []campaign.DeliveryCount {
	out := make([]campaign.DeliveryCount, 0, len(m))
	for sec, n := range m {
		at, err := time.Parse(secondLayout, sec)
		if err != nil {
			continue // not a time: a hand-edited record
		}
		out = append(out, campaign.DeliveryCount{At: at, N: n})
	}
	slices.SortFunc(out, func(a, b campaign.DeliveryCount) int { return a.At.Compare(b.At) })
	return out
}
