package statefile

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// The state file is JSON Lines: one record per line. The first record of a
// file is a campaign header; a later campaign header marks a template change
// (Header.AllowTemplateChange). Every other record concerns one message and has
// its status as its type:
//
//	{"type":"campaign","id":"9f2c…","template_hash":"ab12…","data":"list.csv","created":"2026-11-26T20:00:00Z","version":1}
//	{"type":"sending","key":"ann@example.com","row":1,"message_id":"…@mailrun","time":"…"}
//	{"type":"delivered","key":"ann@example.com","row":1,"message_id":"…","reply":"250 2.0.0 Ok: queued as 4Bx1","attempts":1,"time":"…"}
//	{"type":"delivered","key":"cy@example.com","row":3,"message_id":"…","reply":"250 Ok","attempts":1,"relay":"ses","time":"…"}
//	{"type":"failed","key":"bob@example.com","row":2,"message_id":"…","code":550,"enhanced":"5.1.1","text":"no such user","recipient":"bob@example.com","attempts":1,"time":"…"}
//	{"type":"bounced","key":"ann@example.com","row":1,"message_id":"…","code":550,"enhanced":"5.1.1","text":"… User unknown","recipient":"ann@example.com","kind":"hard","notice":"3f9a…","time":"…"}
//	{"type":"delivered","key":"di@example.com","row":4,"message_id":"…","reply":"250 Ok","attempts":1,"refused":[{"recipient":"cc@example.com","status":"failed","code":550,"enhanced":"5.1.1","text":"no such user"}],"time":"…"}
//
// A sending record with "continues" begins a transaction to recipients that
// an earlier transaction of the same message did not reach (a recipient
// limit, a Cc refused for a while): it is not a second sending of the
// message. A deferred record with "ambiguous" counts as unknown
// (campaign.RecordStatus). Reply and error texts longer than maxText bytes
// are stored cut short, marked with truncatedMark.
//
// Bounce records (bounced, soft-bounced, complained) come from `mailrun
// bounces`, after the delivery; kind is the report's kind and notice
// identifies the report, so that one read twice is booked once.
//
// A record never holds credentials: only what campaign.Message and campaign.Outcome carry.

// stateVersion is the format version written in campaign headers.
const stateVersion = 1

// recordCampaign is the type of campaign header records.
const recordCampaign = "campaign"

// record is the on-disk form of one state-file line.
type record struct {
	Type string `json:"type"`

	// Campaign header fields.
	ID               string `json:"id,omitempty"`
	TemplateHash     string `json:"template_hash,omitempty"`
	PrevTemplateHash string `json:"previous_template_hash,omitempty"`
	Data             string `json:"data,omitempty"`
	Created          string `json:"created,omitempty"`
	Version          int    `json:"version,omitempty"`

	// Message fields.
	Key       string `json:"key,omitempty"`
	Row       int    `json:"row,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	Reply     string `json:"reply,omitempty"`
	Code      int    `json:"code,omitempty"`
	Enhanced  string `json:"enhanced,omitempty"`
	Text      string `json:"text,omitempty"`
	Recipient string `json:"recipient,omitempty"`
	Attempts  int    `json:"attempts,omitempty"`
	Ambiguous bool   `json:"ambiguous,omitempty"`
	Continues bool   `json:"continues,omitempty"`
	// Refused lists the recipients the message did not reach.
	Refused []refusedRecord `json:"refused,omitempty"`
	// Relay names the relay of the last attempt, when the sender spreads
	// messages over several.
	Relay string `json:"relay,omitempty"`
	// Kind and Notice are those of a bounce record (campaign.Outcome).
	Kind   string `json:"kind,omitempty"`
	Notice string `json:"notice,omitempty"`
	Time   string `json:"time,omitempty"`
}

// encodeLine returns r as one JSON line, newline included: the bytes
// json.Marshal writes for r, without its reflection (two records a message
// make this part of every message's cost).
func encodeLine(r *record) ([]byte, error) {
	b := make([]byte, 0, 160+len(r.Key)+len(r.MessageID)+len(r.Reply)+len(r.Text))
	b = append(b, `{"type":`...)
	b = appendJSONString(b, r.Type)
	b = appendStringField(b, "id", r.ID)
	b = appendStringField(b, "template_hash", r.TemplateHash)
	b = appendStringField(b, "previous_template_hash", r.PrevTemplateHash)
	b = appendStringField(b, "data", r.Data)
	b = appendStringField(b, "created", r.Created)
	b = appendIntField(b, "version", r.Version)
	b = appendStringField(b, "key", r.Key)
	b = appendIntField(b, "row", r.Row)
	b = appendStringField(b, "message_id", r.MessageID)
	b = appendStringField(b, "reply", r.Reply)
	b = appendIntField(b, "code", r.Code)
	b = appendStringField(b, "enhanced", r.Enhanced)
	b = appendStringField(b, "text", r.Text)
	b = appendStringField(b, "recipient", r.Recipient)
	b = appendIntField(b, "attempts", r.Attempts)
	if r.Ambiguous {
		b = append(b, `,"ambiguous":true`...)
	}
	if r.Continues {
		b = append(b, `,"continues":true`...)
	}
	b = appendRefused(b, r.Refused)
	b = appendStringField(b, "relay", r.Relay)
	b = appendStringField(b, "kind", r.Kind)
	b = appendStringField(b, "notice", r.Notice)
	b = appendStringField(b, "time", r.Time)
	return append(b, '}', '\n'), nil
}

// appendStringField appends `,"name":"value"` unless value is empty
// (omitempty).
func appendStringField(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

// appendIntField appends `,"name":value` unless value is 0 (omitempty).
func appendIntField(b []byte, name string, value int) []byte {
	if value == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, int64(value), 10)
}

// appendJSONString appends s as a JSON string exactly as encoding/json
// writes it: printable ASCII other than the characters it escapes is copied
// in one go, anything else goes through json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// outcomeRecord converts o to its record. The reply of a delivery is stored
// as "reply"; the reply or error text of any other outcome as "text".
func outcomeRecord(o campaign.Outcome, now time.Time) *record {
	t := o.Time
	if t.IsZero() {
		t = now
	}
	r := &record{
		Type:      string(o.Status),
		Key:       o.Key,
		Row:       o.Row,
		MessageID: o.MessageID,
		Code:      o.Code,
		Enhanced:  o.Enhanced,
		Recipient: o.Recipient,
		Attempts:  o.Attempts,
		Ambiguous: o.Ambiguous,
		Relay:     o.Relay,
		Kind:      string(o.Kind),
		Notice:    o.Notice,
		Refused:   refusedRecords(o.Refused),
		Time:      formatTime(t),
	}
	if o.Status == campaign.StatusDelivered {
		r.Reply = truncate(o.Reply)
	} else {
		r.Text = truncate(o.Reply)
	}
	return r
}

// formatTime formats t the way every record stores times.
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// status codes as kept in memory, one byte per key.
const (
	stNone uint8 = iota
	stSending
	stDelivered
	stFailed
	stDeferred
	stDuplicate
	stSuppressed
	stBounced
	stComplained
	stSoftBounced
	numStatus
)

var statusNames = [numStatus]campaign.Status{
	stSending:     campaign.StatusSending,
	stDelivered:   campaign.StatusDelivered,
	stFailed:      campaign.StatusFailed,
	stDeferred:    campaign.StatusDeferred,
	stDuplicate:   campaign.StatusDuplicate,
	stSuppressed:  campaign.StatusSuppressed,
	stBounced:     campaign.StatusBounced,
	stComplained:  campaign.StatusComplained,
	stSoftBounced: campaign.StatusSoftBounced,
}

// statusCode returns the code of the record type typ, or stNone if typ is
// not a message status.
func statusCode(typ []byte) uint8 {
	for c := stSending; c < numStatus; c++ {
		if string(statusNames[c]) == string(typ) {
			return c
		}
	}
	return stNone
}

// validStatus reports whether s is one of the campaign.Status constants.
func validStatus(s campaign.Status) bool {
	return statusCode([]byte(s)) != stNone
}

// merged is campaign.MergeStatus on status codes, for the million records a
// large state file is read from.
var merged = func() (m [numStatus][numStatus]uint8) {
	for old := range numStatus {
		for next := stSending; next < numStatus; next++ {
			st := campaign.MergeStatus(statusNames[old], statusNames[next])
			m[old][next] = statusCode([]byte(st))
		}
	}
	return m
}()

// mergeStatus returns the status code a key has after a record with code
// next when it had old (see campaign.MergeStatus).
func mergeStatus(old, next uint8) uint8 { return merged[old][next] }

// lineRecord is one parsed line. Its byte slices point into the line (or,
// for strings with escapes, to decoded copies) and are valid only until the
// next line is read.
type lineRecord struct {
	typ, key, messageID, reply, text, enhanced, recipient, tm, relay []byte
	kind, notice                                                     []byte
	id, templateHash, data, created                                  []byte
	row, code, version, attempts                                     int64
	ambiguous, continues                                             bool
	refused                                                          []byte // the raw JSON array
}

// status returns the status code that r establishes (campaign.RecordStatus),
// stNone when r is not a message record.
func (r *lineRecord) status() uint8 {
	st := statusCode(r.typ)
	if r.ambiguous && st != stNone {
		st = statusCode([]byte(campaign.RecordStatus(statusNames[st], true)))
	}
	return st
}

// recipientKey returns, in dst's memory, the key by which r counts as a
// recipient: its key, or for a record without one (a row that failed
// before its key was known) a stand-in that names its row and starts with
// a NUL byte, which no key does (see isStandIn).
func recipientKey(dst []byte, r *lineRecord) []byte {
	if len(r.key) > 0 {
		return append(dst[:0], r.key...)
	}
	return strconv.AppendInt(append(dst[:0], "\x00row "...), r.row, 10)
}

// isStandIn reports whether key is the stand-in recipientKey gives a
// record without a key.
func isStandIn(key []byte) bool { return len(key) > 0 && key[0] == 0 }

// noCampaignRecord is the error of a state file at path that holds no
// record at all.
func noCampaignRecord(path string) error {
	return &campaign.InputError{File: path, Line: 1, Err: errors.New("campaign: not a mailrun state file (no campaign record)")}
}

var errNotObject = errors.New("not a JSON object")

// parseLine parses a state-file line (without its newline) into r. It
// allocates only for strings that contain escapes.
func parseLine(line []byte, r *lineRecord) error {
	*r = lineRecord{}
	if !json.Valid(line) {
		return errors.New("not valid JSON")
	}
	return scanObject(line, func(name, val []byte) error {
		switch string(name) {
		case `"type"`:
			return unquote(val, &r.typ)
		case `"key"`:
			return unquote(val, &r.key)
		case `"message_id"`:
			return unquote(val, &r.messageID)
		case `"reply"`:
			return unquote(val, &r.reply)
		case `"text"`:
			return unquote(val, &r.text)
		case `"enhanced"`:
			return unquote(val, &r.enhanced)
		case `"recipient"`:
			return unquote(val, &r.recipient)
		case `"time"`:
			return unquote(val, &r.tm)
		case `"relay"`:
			return unquote(val, &r.relay)
		case `"kind"`:
			return unquote(val, &r.kind)
		case `"notice"`:
			return unquote(val, &r.notice)
		case `"id"`:
			return unquote(val, &r.id)
		case `"template_hash"`:
			return unquote(val, &r.templateHash)
		case `"data"`:
			return unquote(val, &r.data)
		case `"created"`:
			return unquote(val, &r.created)
		case `"row"`:
			return parseInt(name, val, &r.row)
		case `"code"`:
			return parseInt(name, val, &r.code)
		case `"version"`:
			return parseInt(name, val, &r.version)
		case `"ambiguous"`:
			r.ambiguous = string(val) == "true"
		case `"continues"`:
			r.continues = string(val) == "true"
		case `"refused"`:
			r.refused = val
		case `"attempts"`:
			return parseInt(name, val, &r.attempts)
		}
		return nil
	})
}
