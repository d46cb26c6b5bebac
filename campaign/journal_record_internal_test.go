package campaign

import (
	"encoding/json"
	"testing"
)

// FuzzParseLine checks the hand-written field scanner against
// encoding/json: whatever parseLine accepts, json.Unmarshal reads the same
// values from.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		`{"type":"sending","key":"ann@example.com","row":1,"message_id":"1.a@mailrun","time":"2026-11-26T20:00:00Z"}`,
		`{"type":"failed","key":"b\u00e9\"\\","row":-2,"code":550,"enhanced":"5.1.1","text":"no\nsuch","recipient":"b"}`,
		` { "type" : "delivered" , "key" : "k" , "reply" : "250 ok" , "x" : {"y":[1,2,"]}"]} , "row" : 3 } `,
		`{"type":"campaign","id":"c","template_hash":"h","version":1,"data":null}`,
		`{"key":"a","key":"b","row":1e3}`,
		`[1,2]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var r lineRecord
		if parseLine(line, &r) != nil {
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("parseLine accepted %q, json.Unmarshal: %v", line, err)
		}
		for name, got := range map[string][]byte{
			"type": r.typ, "key": r.key, "message_id": r.messageID, "reply": r.reply, "text": r.text,
			"enhanced": r.enhanced, "recipient": r.recipient, "time": r.tm, "id": r.id,
			"template_hash": r.templateHash, "data": r.data, "created": r.created,
		} {
			var want *string
			if raw, ok := m[name]; ok {
				if err := json.Unmarshal(raw, &want); err != nil {
					t.Fatalf("%q: parseLine took %s = %s, json: %v", line, name, raw, err)
				}
			}
			if (want == nil) != (got == nil) || (want != nil && *want != string(got)) {
				t.Fatalf("%q: %s = %q, json says %v", line, name, got, want)
			}
		}
		for name, got := range map[string]int64{"row": r.row, "code": r.code, "version": r.version} {
			var want *int64
			if raw, ok := m[name]; ok {
				if err := json.Unmarshal(raw, &want); err != nil {
					t.Fatalf("%q: parseLine took %s = %s, json: %v", line, name, raw, err)
				}
			}
			if (want == nil && got != 0) || (want != nil && *want != got) {
				t.Fatalf("%q: %s = %d, json says %v", line, name, got, want)
			}
		}
	})
}
