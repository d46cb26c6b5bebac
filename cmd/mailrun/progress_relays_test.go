package main

import (
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
)

func TestProgressLineShowsRelaysOut(t *testing.T) {
	var p campaign.Progress
	if line := progressLine(p.Snapshot()); strings.Contains(line, "relays out") {
		t.Errorf("line %q names relays out before any is", line)
	}
	p.SetRelaysOut([]string{"ses", "mx2"})
	if line := progressLine(p.Snapshot()); !strings.Contains(line, "relays out: ses, mx2") {
		t.Errorf("line %q does not name the relays out of rotation", line)
	}
	p.SetRelaysOut(nil)
	if line := progressLine(p.Snapshot()); strings.Contains(line, "relays out") {
		t.Errorf("line %q still names relays after they came back", line)
	}
}
