package statefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// Recipient is what the state files record of one recipient key. Status is
// the key's status by the rule State.Counts counts by (campaign.MergeStatus
// of its records); Row, Code, Enhanced, Reply, Refused, Relay and Last
// come from the record that gave it that status.
type Recipient struct {
	Row    int
	Key    string // "" for a row that failed before its key was known
	Status campaign.Status
	// Code and Enhanced are the SMTP reply code and enhanced status code:
	// those recorded with a failure, or read from the reply of a delivery
	// ("250 2.0.0 Ok" gives 250 and 2.0.0); 0 and "" without a reply.
	Code     int
	Enhanced string
	// Reply is the server's reply, or the error text of a failure.
	Reply string
	// Refused is the envelope recipient the server refused, if any.
	Refused string
	Relay   string
	// Attempts counts delivery attempts over every run: the attempts of
	// each outcome record, plus one for an attempt whose outcome is unknown.
	Attempts int
	// First is the time of the key's first attempt (of its first record
	// when none was attempted), Last the time of the record that gave it its
	// status.
	First, Last time.Time
	MessageID   string
}

// History is the reading of state files record by record: every
// recipient, and the outcome records over time.
type History struct {
	// Recipients holds one entry per recipient key of each file, by row
	// (then key).
	Recipients []Recipient
	// perSecond counts the records of each status (other than sending) by
	// Unix second.
	perSecond map[int64]*[numStatus]int
}

// ReadHistory reads the state files at paths, as Read does (without
// locking; an unusable last line is ignored), and returns every recipient
// of each. A key recorded in two files (overlapping shards) appears once for
// each. Errors are those of Read.
func ReadHistory(paths ...string) (*History, error) {
	h := &History{perSecond: make(map[int64]*[numStatus]int)}
	for _, p := range paths {
		if err := h.read(p); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(h.Recipients, func(a, b Recipient) int {
		if a.Row != b.Row {
			return a.Row - b.Row
		}
		return strings.Compare(a.Key, b.Key)
	})
	return h, nil
}

// recipientState is a Recipient being read, with its status code.
type recipientState struct {
	Recipient
	st        uint8
	attempted bool // a sending record was seen
}

func (h *History) read(path string) error {
	f, err := openState(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var (
		recs  []recipientState
		byKey = make(map[string]int)
		key   []byte
	)
	res, err := scanLines(f, path, true, func(_ int, r *lineRecord) error {
		st := statusCode(r.typ)
		if st == stNone {
			return nil
		}
		tm := parseTime(r.tm)
		if st != stSending && !tm.IsZero() {
			h.count(tm.Unix(), st)
		}
		key = recipientKey(key, r)
		i, ok := byKey[string(key)]
		if !ok {
			i = len(recs)
			byKey[string(key)] = i
			recs = append(recs, recipientState{Recipient: Recipient{Key: string(r.key), First: tm}})
		}
		rs := &recs[i]
		if st == stSending {
			if !rs.attempted {
				rs.First, rs.attempted = tm, true
			}
		} else {
			rs.Attempts += int(r.attempts)
		}
		merged := mergeStatus(rs.st, st)
		if merged == st || rs.st == stNone {
			rs.take(r, st, tm)
		}
		rs.st = merged
		return nil
	})
	if err != nil {
		return err
	}
	if res.Lines == 0 {
		return noCampaignRecord(path)
	}
	for _, rs := range recs {
		rs.Status = statusNames[rs.st]
		if rs.st == stSending {
			rs.Attempts++
		}
		h.Recipients = append(h.Recipients, rs.Recipient)
	}
	return nil
}

// take sets the fields that come from the record r of status st.
func (rs *recipientState) take(r *lineRecord, st uint8, tm time.Time) {
	rs.Row, rs.Last = int(r.row), tm
	if len(r.messageID) > 0 {
		rs.MessageID = string(r.messageID)
	}
	if st == stSending || st == stDuplicate {
		return // the outcome fields stay those of the last outcome
	}
	rs.Code, rs.Enhanced = int(r.code), string(r.enhanced)
	rs.Reply, rs.Refused, rs.Relay = string(r.text), string(r.recipient), string(r.relay)
	if st == stDelivered {
		rs.Reply = string(r.reply)
		if rs.Code == 0 {
			rs.Code, rs.Enhanced = replyCodes(rs.Reply)
		}
	}
}

// replyCodes reads the reply code and the enhanced status code at the start
// of an SMTP reply such as "250 2.0.0 Ok: queued"; 0 and "" when it has
// none.
func replyCodes(reply string) (int, string) {
	if len(reply) < 3 || (len(reply) > 3 && reply[3] != ' ' && reply[3] != '-') {
		return 0, ""
	}
	code, err := strconv.Atoi(reply[:3])
	if err != nil || code < 200 || code > 599 {
		return 0, ""
	}
	enhanced, _, _ := strings.Cut(strings.TrimLeft(reply[3:], " -"), " ")
	if !campaign.IsEnhancedCode(enhanced) || enhanced[0] != reply[0] {
		return code, ""
	}
	return code, enhanced
}

func (h *History) count(sec int64, st uint8) {
	c := h.perSecond[sec]
	if c == nil {
		c = new([numStatus]int)
		h.perSecond[sec] = c
	}
	c[st]++
}

// openState opens the state file at path for reading. A missing file is a
// *campaign.InputError.
func openState(path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &campaign.InputError{File: path, Err: errors.New("campaign: no such state file")}
	}
	if err != nil {
		return nil, fmt.Errorf("campaign: %w", err)
	}
	return f, nil
}
