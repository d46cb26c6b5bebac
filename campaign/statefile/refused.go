package statefile

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/mailrun/mailrun/campaign"
)

// refusedRecord is the on-disk form of a campaign.Refusal: its Class is
// stored as the status the recipient has, failed (permanent) or deferred.
type refusedRecord struct {
	Recipient string `json:"recipient"`
	Status    string `json:"status"`
	Code      int    `json:"code,omitempty"`
	Enhanced  string `json:"enhanced,omitempty"`
	Text      string `json:"text,omitempty"`
}

func refusedRecords(rs []campaign.Refusal) []refusedRecord {
	if len(rs) == 0 {
		return nil
	}
	out := make([]refusedRecord, len(rs))
	for i, r := range rs {
		st := campaign.StatusDeferred
		if r.Class == campaign.Permanent {
			st = campaign.StatusFailed
		}
		out[i] = refusedRecord{Recipient: r.Recipient, Status: string(st), Code: r.Code, Enhanced: r.Enhanced, Text: truncate(r.Text)}
	}
	return out
}

// appendRefused appends `,"refused":[...]` unless rs is empty.
func appendRefused(b []byte, rs []refusedRecord) []byte {
	if len(rs) == 0 {
		return b
	}
	b = append(b, `,"refused":[`...)
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"recipient":`...)
		b = appendJSONString(b, r.Recipient)
		b = appendStringField(b, "status", r.Status)
		b = appendIntField(b, "code", r.Code)
		b = appendStringField(b, "enhanced", r.Enhanced)
		b = appendStringField(b, "text", r.Text)
		b = append(b, '}')
	}
	return append(b, ']')
}

// maxText bounds the reply and error texts a record stores: a server's
// reply can be as long as it likes, and a delivered record is written for
// every message.
const maxText = 1000

// truncatedMark ends a text cut short to maxText bytes.
const truncatedMark = " [truncated; "

// truncate returns s, or its first maxText bytes (cut between characters)
// followed by truncatedMark and the length of s.
func truncate(s string) string {
	if len(s) <= maxText {
		return s
	}
	n := maxText
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + truncatedMark + strconv.Itoa(len(s)) + " bytes in all]"
}

// Refused is an envelope recipient that a row's message did not reach
// while the row was delivered to its To recipients, or the refused
// recipients of a row that failed, beside the one Failure names.
type Refused struct {
	Row       int             `json:"row"`
	Key       string          `json:"key"`
	Recipient string          `json:"recipient"`
	Status    campaign.Status `json:"status"` // failed (permanently) or deferred
	Code      int             `json:"code,omitempty"`
	Enhanced  string          `json:"enhanced,omitempty"`
	Text      string          `json:"text,omitempty"`
	Time      time.Time       `json:"time"`
}

// parseRefused decodes the refused list of r, nil when it has none or it
// does not decode (it is informational).
func parseRefused(r *lineRecord) []Refused {
	if len(r.refused) == 0 {
		return nil
	}
	var rs []refusedRecord
	if err := json.Unmarshal(r.refused, &rs); err != nil {
		return nil
	}
	out := make([]Refused, 0, len(rs))
	t := parseTime(r.tm)
	for _, x := range rs {
		out = append(out, Refused{Row: int(r.row), Key: string(r.key), Recipient: x.Recipient,
			Status: campaign.Status(x.Status), Code: x.Code, Enhanced: x.Enhanced, Text: x.Text, Time: t})
	}
	return out
}
