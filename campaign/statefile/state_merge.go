package statefile

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mailrun/mailrun/campaign"
)

// RelayCounts counts the recipients of one relay: Delivered counts the
// delivered records that name it; Failed and Deferred count the recipients
// whose last status is failed or deferred and whose last attempt went
// through it.
type RelayCounts struct {
	Relay     string `json:"relay"`
	Delivered int    `json:"delivered"`
	Failed    int    `json:"failed"`
	Deferred  int    `json:"deferred"`
}

// relayCounts builds the per-relay breakdown from the delivered records by
// relay and the failures, sorted by relay name.
func relayCounts(delivered map[string]int, fails []Failure) []RelayCounts {
	by := make(map[string]*RelayCounts)
	get := func(name string) *RelayCounts {
		if rc := by[name]; rc != nil {
			return rc
		}
		rc := &RelayCounts{Relay: name}
		by[name] = rc
		return rc
	}
	for name, n := range delivered {
		get(name).Delivered += n
	}
	for _, f := range fails {
		if f.Relay == "" {
			continue
		}
		if f.Status == campaign.StatusFailed {
			get(f.Relay).Failed++
		} else {
			get(f.Relay).Deferred++
		}
	}
	out := make([]RelayCounts, 0, len(by))
	for _, rc := range by {
		out = append(out, *rc)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Relay < out[b].Relay })
	return out
}

// Merge returns the union of the states of several state files, the
// shards of one list (see Shard): counts, failures, unknowns, bounces and relay
// counts add up; Path joins the paths with ", "; CampaignID, TemplateHash
// and DataFile are kept when every state agrees and are empty otherwise;
// Created is the earliest, LastActivity the latest. RowStatus answers from
// whichever state records the row, a delivered status first. One state is
// returned as it is.
func Merge(states ...*State) *State {
	if len(states) == 1 {
		return states[0]
	}
	m := &State{Failures: []Failure{}, Unknowns: []Attempt{}, Bounces: []Failure{}}
	var paths []string
	relays := make(map[string]int)
	for i, s := range states {
		paths = append(paths, s.Path)
		if i == 0 {
			m.CampaignID, m.TemplateHash, m.DataFile, m.Created = s.CampaignID, s.TemplateHash, s.DataFile, s.Created
		}
		if s.CampaignID != m.CampaignID {
			m.CampaignID = ""
		}
		if s.TemplateHash != m.TemplateHash {
			m.TemplateHash = ""
		}
		if s.DataFile != m.DataFile {
			m.DataFile = ""
		}
		if !s.Created.IsZero() && (m.Created.IsZero() || s.Created.Before(m.Created)) {
			m.Created = s.Created
		}
		if s.LastActivity.After(m.LastActivity) {
			m.LastActivity = s.LastActivity
		}
		m.TemplateChanges += s.TemplateChanges
		c, sc := &m.Counts, s.Counts
		c.Recipients += sc.Recipients
		c.Delivered += sc.Delivered
		c.Failed += sc.Failed
		c.Deferred += sc.Deferred
		c.Unknown += sc.Unknown
		c.Duplicate += sc.Duplicate
		c.Suppressed += sc.Suppressed
		c.Bounced += sc.Bounced
		c.Complained += sc.Complained
		c.SoftBounced += sc.SoftBounced
		m.Bounces = append(m.Bounces, s.Bounces...)
		m.MaybeTwice += s.MaybeTwice
		m.Failures = append(m.Failures, s.Failures...)
		m.Unknowns = append(m.Unknowns, s.Unknowns...)
		m.Refused = append(m.Refused, s.Refused...)
		c.Refused += sc.Refused
		for _, rc := range s.Relays {
			relays[rc.Relay] += rc.Delivered
		}
		if s.Recovered != "" {
			m.Recovered = strings.TrimSpace(m.Recovered + " " + s.Path + ": " + s.Recovered)
		}
		for row, st := range s.rows {
			if st != stNone {
				m.mergeRow(row, st)
			}
		}
		for row, st := range s.bigRows {
			m.mergeRow(row, st)
		}
		for row, st := range s.dupOf {
			if m.dupOf == nil {
				m.dupOf = make(map[int]uint8)
			}
			m.dupOf[row] = st
		}
	}
	m.Path = strings.Join(paths, ", ")
	sort.Slice(m.Failures, func(a, b int) bool { return m.Failures[a].Row < m.Failures[b].Row })
	sort.Slice(m.Unknowns, func(a, b int) bool { return m.Unknowns[a].Row < m.Unknowns[b].Row })
	sort.Slice(m.Bounces, func(a, b int) bool { return m.Bounces[a].Row < m.Bounces[b].Row })
	m.Relays = relayCounts(relays, m.Failures)
	if len(m.Relays) == 0 {
		m.Relays = nil
	}
	return m
}

// mergeRow merges the status st of row from another shard's state: a
// delivery wins, else the first status seen.
func (s *State) mergeRow(row int, st uint8) {
	if s.rowCode(row) == stNone || st == stDelivered {
		s.putRow(row, st)
	}
}

// CrossDelivery is a recipient key that several state files record as
// delivered: the shards it was sent from disagreed (for example a list
// split into 3 shards and again into 4), so the recipient got
// the message more than once, each time with another Message-ID.
type CrossDelivery struct {
	Key string `json:"key"`
	// Files names the state files that record its delivery.
	Files []string `json:"files"`
}

// maxStateFiles bounds the state files DeliveredInSeveral compares.
const maxStateFiles = 64

// DeliveredInSeveral reads the state files at paths (at most 64) and
// returns the keys that more than one of them records as delivered, sorted
// by key. It holds every delivered key in memory once. Errors are those of
// Read.
func DeliveredInSeveral(paths ...string) ([]CrossDelivery, error) {
	if len(paths) > maxStateFiles {
		return nil, fmt.Errorf("campaign: at most %d state files at once", maxStateFiles)
	}
	seen := make(map[string]uint64) // key → bit i set: delivered in paths[i]
	for i, p := range paths {
		f, err := openState(p)
		if err != nil {
			return nil, err
		}
		_, err = scanLines(f, p, true, func(_ int, r *lineRecord) error {
			if statusCode(r.typ) == stDelivered && len(r.key) > 0 {
				seen[string(r.key)] |= 1 << i
			}
			return nil
		})
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	var out []CrossDelivery
	for k, bits := range seen {
		if bits&(bits-1) == 0 {
			continue
		}
		cd := CrossDelivery{Key: k}
		for i, p := range paths {
			if bits&(1<<i) != 0 {
				cd.Files = append(cd.Files, p)
			}
		}
		out = append(out, cd)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Key < out[b].Key })
	return out, nil
}
