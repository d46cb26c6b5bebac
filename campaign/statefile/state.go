package statefile

import (
	"sort"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// State summarises a state file, for `mailrun status`.
type State struct {
	Path         string    `json:"path"`
	CampaignID   string    `json:"campaign_id"`
	TemplateHash string    `json:"template_hash"`
	DataFile     string    `json:"data_file,omitempty"`
	Created      time.Time `json:"created"`
	// TemplateChanges counts resumes allowed to change the template.
	TemplateChanges int `json:"template_changes,omitempty"`
	// Counts counts recipients (keys) by their last status.
	Counts Counts `json:"counts"`
	// Failures lists the recipients whose last status is failed or
	// deferred, by row number.
	Failures []Failure `json:"failures"`
	// Refused lists, by row number, the envelope recipients that the last
	// record of a row says the message did not reach: the Cc and Bcc
	// recipients a server refused while the row was delivered, and the
	// other refused recipients of a failed row.
	Refused []Refused `json:"refused,omitempty"`
	// Unknowns lists the recipients whose last attempt has no outcome, by
	// row number.
	Unknowns []Attempt `json:"unknowns"`
	// Bounces lists the recipients whose status is bounced or complained,
	// by row number, with the report that decided it.
	Bounces []Failure `json:"bounces"`
	// MaybeTwice counts the recipients that may have received the message
	// twice: an attempt whose outcome was unknown was followed by another
	// (campaign.AttemptTrail).
	MaybeTwice int `json:"may_have_received_twice"`
	// LastActivity is the time of the last record.
	LastActivity time.Time `json:"last_activity"`
	// Recovered describes an unusable last line that was ignored, "" if
	// none (a run may have been writing it).
	Recovered string `json:"recovered,omitempty"`
	// Relays breaks the counts down by the relay named in the records
	// (see RelayCounts); empty when no record names a relay.
	Relays []RelayCounts `json:"relays,omitempty"`

	rows    []uint8       // status by row number, for small row numbers
	bigRows map[int]uint8 // the others
	// dupOf holds, for each row recorded as a duplicate, the status of its
	// key once the whole file was read: the row waits as long as the key.
	dupOf map[int]uint8
}

// Counts counts recipients by status.
type Counts struct {
	Recipients int `json:"recipients"`
	Delivered  int `json:"delivered"`
	Failed     int `json:"failed"`
	Deferred   int `json:"deferred"`
	Unknown    int `json:"unknown"`
	Duplicate  int `json:"duplicate"`
	// Suppressed counts recipients left out because of a suppression list.
	Suppressed int `json:"suppressed"`
	// Bounced and Complained count recipients whose status is bounced or
	// complained (mailrun bounces booked it); SoftBounced counts the other
	// recipients with soft bounces below the limit.
	Bounced     int `json:"bounced"`
	Complained  int `json:"complained"`
	SoftBounced int `json:"soft_bounced"`
	// Refused counts the entries of State.Refused.
	Refused int `json:"refused"`
}

// Failure is a recipient whose last status is failed or deferred, or,
// in State.Bounces, bounced or complained (with the report's Kind; Text is
// the diagnostic and Recipient the address the report names).
type Failure struct {
	Row       int             `json:"row"`
	Key       string          `json:"key"`
	Status    campaign.Status `json:"status"`
	Kind      string          `json:"kind,omitempty"`
	Code      int             `json:"code,omitempty"`
	Enhanced  string          `json:"enhanced,omitempty"`
	Text      string          `json:"text,omitempty"`
	Recipient string          `json:"recipient,omitempty"`
	Relay     string          `json:"relay,omitempty"`
	Time      time.Time       `json:"time"`
}

// Attempt is a recipient and the data row of its last record.
type Attempt struct {
	Row int    `json:"row"`
	Key string `json:"key"`
}

// maxDenseRow bounds the row numbers kept in State's slice.
const maxDenseRow = 1 << 24

// RowStatus returns the last status recorded for data row row, and false if
// no record names the row. As for keys, a duplicate or skipped record does
// not hide an earlier delivery status.
func (s *State) RowStatus(row int) (campaign.Status, bool) {
	st := s.rowCode(row)
	return statusNames[st], st != stNone
}

// rowCode returns the status code of data row row, stNone when no record
// names it.
func (s *State) rowCode(row int) uint8 {
	if row >= 0 && row < len(s.rows) {
		return s.rows[row]
	}
	return s.bigRows[row]
}

// putRow sets the status code of data row row.
func (s *State) putRow(row int, st uint8) {
	if row < maxDenseRow {
		if row >= len(s.rows) {
			s.rows = append(s.rows, make([]uint8, row+1-len(s.rows))...)
		}
		s.rows[row] = st
		return
	}
	if s.bigRows == nil {
		s.bigRows = make(map[int]uint8)
	}
	s.bigRows[row] = st
}

// Pending reports whether data row row still waits for a run under policy
// p: the state file has no record of it, or its recipient's status is one
// that p sends again (campaign.ResumePolicy.Sends). A row recorded as a
// duplicate waits as long as its recipient key does.
func (s *State) Pending(row int, p campaign.ResumePolicy) bool {
	st, ok := s.RowStatus(row)
	if !ok {
		return true
	}
	if st == campaign.StatusDuplicate {
		if k, ok := s.dupOf[row]; ok {
			st = statusNames[k]
		}
	}
	return p.Sends(st)
}

// setRow merges a record of status code st into the status of data row
// row (campaign.MergeStatus).
func (s *State) setRow(row int, st uint8) { s.putRow(row, mergeStatus(s.rowCode(row), st)) }

// Read reads the state file at path without locking it: a run may be
// appending to it, so an incomplete or unusable last line is ignored and
// described in Recovered. A record without a key (a row that failed before
// its key was known) counts as a recipient of its own. Errors: *campaign.InputError
// when the file is missing or is not a usable state file (naming the line).
func Read(path string) (*State, error) {
	f, err := openState(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	s := &State{Path: path, Failures: []Failure{}, Unknowns: []Attempt{}, Bounces: []Failure{}}
	var (
		hdr   stateHeader
		idx   = new(index)
		fails = make(map[string]Failure)
		refs  = make(map[string][]Refused) // by key: of its last record
		byRel = make(map[string]int)       // delivered records by relay
		last  []byte                       // time of the last record
		dups  = make(map[int]string)       // key of each duplicate row
		key   []byte
		soft  = make(map[string]int) // soft-bounced records by key
	)
	res, err := scanLines(f, path, true, func(n int, r *lineRecord) error {
		if err := hdr.add(n, r); err != nil {
			return &campaign.InputError{File: path, Line: n, Err: err}
		}
		if len(r.tm) > 0 {
			last = append(last[:0], r.tm...)
		} else if len(r.created) > 0 {
			last = append(last[:0], r.created...)
		}
		st := r.status()
		if st == stNone {
			return nil
		}
		key = recipientKey(key, r)
		if st == stSoftBounced {
			soft[string(key)]++
			return nil // counted; never a status (campaign.MergeStatus)
		}
		idx.add(key, st, r)
		if st != stSending && st != stDuplicate {
			if rs := parseRefused(r); rs != nil {
				refs[string(key)] = rs
			} else if len(refs) > 0 {
				delete(refs, string(key))
			}
		}
		s.setRow(int(r.row), st)
		if st == stDuplicate && len(r.key) > 0 {
			dups[int(r.row)] = string(r.key)
		}
		if st == stDelivered && len(r.relay) > 0 {
			byRel[string(r.relay)]++
		}
		if st == stFailed || st == stDeferred || st == stBounced || st == stComplained {
			if sl, _ := idx.get(string(key)); sl.st == st { // a bounce sticks: keep its report
				fails[string(key)] = Failure{
					Row: int(r.row), Key: string(r.key), Status: statusNames[st], Kind: string(r.kind), Code: int(r.code),
					Enhanced: string(r.enhanced), Text: string(r.text), Recipient: string(r.recipient),
					Relay: string(r.relay), Time: parseTime(r.tm),
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if res.Lines == 0 {
		return nil, noCampaignRecord(path)
	}
	s.CampaignID, s.TemplateHash, s.DataFile = hdr.id, hdr.templateHash, hdr.data
	s.Created, s.TemplateChanges, s.Recovered = hdr.created, hdr.changes, res.Torn
	s.LastActivity = parseTime(last)
	s.collect(idx, fails, soft)
	s.collectRefused(idx, refs)
	s.dupOf = make(map[int]uint8, len(dups))
	for row, k := range dups {
		sl, _ := idx.get(k)
		s.dupOf[row] = sl.st
	}
	s.Relays = relayCounts(byRel, s.Failures)
	return s, nil
}

// collect fills the counts and lists from the index, the last failure or
// bounce of each key and the soft bounces by key.
func (s *State) collect(idx *index, fails map[string]Failure, soft map[string]int) {
	c := &s.Counts
	idx.each(func(key []byte, sl slot) {
		c.Recipients++
		if sl.trail.MayHaveReceivedTwice() {
			s.MaybeTwice++
		}
		switch sl.st {
		case stDelivered:
			c.Delivered++
		case stFailed, stDeferred:
			if sl.st == stFailed {
				c.Failed++
			} else {
				c.Deferred++
			}
			s.Failures = append(s.Failures, fails[string(key)])
		case stSending:
			c.Unknown++
			k := string(key)
			if isStandIn(key) {
				k = ""
			}
			s.Unknowns = append(s.Unknowns, Attempt{Row: int(sl.row), Key: k})
		case stDuplicate:
			c.Duplicate++
		case stSuppressed:
			c.Suppressed++
		case stBounced, stComplained:
			if sl.st == stBounced {
				c.Bounced++
			} else {
				c.Complained++
			}
			s.Bounces = append(s.Bounces, fails[string(key)])
		}
		if soft[string(key)] > 0 && sl.st != stBounced && sl.st != stComplained {
			c.SoftBounced++
		}
	})
	sort.Slice(s.Bounces, func(a, b int) bool { return s.Bounces[a].Row < s.Bounces[b].Row })
	sort.Slice(s.Failures, func(a, b int) bool { return s.Failures[a].Row < s.Failures[b].Row })
	sort.Slice(s.Unknowns, func(a, b int) bool { return s.Unknowns[a].Row < s.Unknowns[b].Row })
}

// collectRefused fills Refused from the refused lists of the keys whose
// status is delivered or failed.
func (s *State) collectRefused(idx *index, refs map[string][]Refused) {
	s.Refused = []Refused{}
	for k, rs := range refs {
		if sl, _ := idx.get(k); sl.st == stDelivered || sl.st == stFailed || sl.st == stDeferred {
			s.Refused = append(s.Refused, rs...)
		}
	}
	sort.Slice(s.Refused, func(a, b int) bool {
		if s.Refused[a].Row != s.Refused[b].Row {
			return s.Refused[a].Row < s.Refused[b].Row
		}
		return s.Refused[a].Recipient < s.Refused[b].Recipient
	})
	s.Counts.Refused = len(s.Refused)
}

// parseTime parses a record time, returning the zero time if it is not one.
func parseTime(b []byte) time.Time {
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return time.Time{}
	}
	return t
}
