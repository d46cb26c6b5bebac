package statefile_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

// writeState writes a state file holding outcomes and returns its path.
func writeState(t *testing.T, name string, outcomes ...campaign.Outcome) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	j, err := statefile.Open(path, statefile.Header{TemplateHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outcomes {
		msg := &campaign.Message{Row: o.Row, Key: o.Key, ID: o.Key + "@id"}
		if err := j.Sending(msg); err != nil {
			t.Fatal(err)
		}
		if err := j.Record(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMergeStatesAndCrossDeliveries(t *testing.T) {
	d := func(row int, key, relay string) campaign.Outcome {
		return campaign.Outcome{Row: row, Key: key, Status: campaign.StatusDelivered, Reply: "250 ok", Relay: relay}
	}
	a := writeState(t, "a.state", d(1, "ann@x", "ses"), d(2, "bob@x", "mx"),
		campaign.Outcome{Row: 3, Key: "cy@x", Status: campaign.StatusFailed, Code: 550, Relay: "mx"})
	b := writeState(t, "b.state", d(4, "dee@x", "ses"), d(2, "bob@x", "ses"),
		campaign.Outcome{Row: 5, Key: "eve@x", Status: campaign.StatusDeferred, Relay: "ses"})
	var states []*statefile.State
	for _, p := range []string{a, b} {
		st, err := statefile.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, st)
	}
	m := statefile.Merge(states...)
	if c := m.Counts; c.Recipients != 6 || c.Delivered != 4 || c.Failed != 1 || c.Deferred != 1 {
		t.Errorf("merged counts %+v", c)
	}
	wantRelays := []statefile.RelayCounts{
		{Relay: "mx", Delivered: 1, Failed: 1},
		{Relay: "ses", Delivered: 3, Deferred: 1},
	}
	if !reflect.DeepEqual(m.Relays, wantRelays) {
		t.Errorf("merged relays %+v, want %+v", m.Relays, wantRelays)
	}
	if len(m.Failures) != 2 || m.Failures[0].Row != 3 || m.Failures[1].Row != 5 {
		t.Errorf("merged failures %+v", m.Failures)
	}
	for row, want := range map[int]campaign.Status{1: campaign.StatusDelivered, 3: campaign.StatusFailed, 4: campaign.StatusDelivered} {
		if got, _ := m.RowStatus(row); got != want {
			t.Errorf("row %d: %q, want %q", row, got, want)
		}
	}
	cross, err := statefile.DeliveredInSeveral(a, b)
	if err != nil {
		t.Fatal(err)
	}
	want := []statefile.CrossDelivery{{Key: "bob@x", Files: []string{a, b}}}
	if !reflect.DeepEqual(cross, want) {
		t.Errorf("DeliveredInSeveral = %+v, want %+v", cross, want)
	}
}
