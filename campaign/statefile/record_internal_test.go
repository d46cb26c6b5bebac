package statefile

import (
	"bytes"
	"encoding/json"
	"testing"
)

// marshalLine is what encodeLine must write: encoding/json's bytes.
func marshalLine(t testing.TB, r *record) []byte {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestEncodeLineMatchesEncodingJSON(t *testing.T) {
	for _, r := range []*record{
		{Type: recordCampaign, ID: "9f2c", TemplateHash: "ab12", Data: "list.csv", Created: "2026-11-26T20:00:00Z", Version: 1},
		{Type: "sending", Key: "kim@example.com", Row: 42, MessageID: "a1@example.com", Time: "2026-11-26T20:00:00.123Z"},
		{Type: "delivered", Key: "kim@example.com", Row: 42, MessageID: "a1@example.com", Reply: "250 2.0.0 Ok: queued as 4Bx1", Attempts: 1, Relay: "ses"},
		{Type: "failed", Key: "x", Row: -3, Code: 550, Enhanced: "5.1.1", Text: `user <unknown> & "gone"\r\n`, Recipient: "x@example.com", Ambiguous: true},
		{Type: "deferred", Key: "김민지@example.com", Text: "bad \xff utf-8 \u2028 \x00", Attempts: 4},
		{Type: ""},
	} {
		got, err := encodeLine(r)
		if err != nil {
			t.Fatal(err)
		}
		if want := marshalLine(t, r); !bytes.Equal(got, want) {
			t.Errorf("encodeLine(%+v)\n got %s\nwant %s", r, got, want)
		}
	}
}

func FuzzEncodeLine(f *testing.F) {
	f.Add("delivered", "kim@example.com", 42, "250 ok <x> & \"y\"", 550, true)
	f.Add("", "\xff\u2028", 0, "\x00\t\n", -1, false)
	f.Fuzz(func(t *testing.T, typ, key string, row int, text string, code int, ambiguous bool) {
		r := &record{Type: typ, Key: key, Row: row, MessageID: key + text, Reply: text, Code: code, Text: text,
			Recipient: key, Attempts: row, Ambiguous: ambiguous, Relay: typ, Time: text}
		got, err := encodeLine(r)
		if err != nil {
			t.Fatal(err)
		}
		if want := marshalLine(t, r); !bytes.Equal(got, want) {
			t.Fatalf("encodeLine differs from json.Marshal\n got %s\nwant %s", got, want)
		}
	})
}
