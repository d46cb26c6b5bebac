package statefile_test

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

func TestJournalRecordsTheRelay(t *testing.T) {
	now := time.Now()
	path := writeState(t, "relay.state",
		campaign.Outcome{Row: 1, Key: "a@x", Status: campaign.StatusDelivered, Relay: "ses", Time: now},
		campaign.Outcome{Row: 2, Key: "b@x", Status: campaign.StatusDelivered, Relay: "ses", Time: now},
		campaign.Outcome{Row: 3, Key: "c@x", Status: campaign.StatusDelivered, Relay: "mx", Time: now},
		campaign.Outcome{Row: 4, Key: "d@x", Status: campaign.StatusDelivered, Relay: "mx", Time: now.Add(-48 * time.Hour)},
		campaign.Outcome{Row: 5, Key: "e@x", Status: campaign.StatusDelivered, Time: now},
	)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, l := range lines {
		switch {
		case strings.Contains(l, `"key":"a@x"`) && strings.Contains(l, `"type":"delivered"`):
			if !strings.Contains(l, `"relay":"ses"`) {
				t.Errorf("outcome record without its relay: %s", l)
			}
		case strings.Contains(l, `"key":"e@x"`) || strings.Contains(l, `"type":"sending"`):
			if strings.Contains(l, `"relay"`) {
				t.Errorf("a record with no relay to name has one: %s", l)
			}
		}
	}
	j, err := statefile.Open(path, statefile.Header{TemplateHash: "h", CountDeliveredSince: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	sec := now.UTC().Truncate(time.Second)
	want := map[string][]campaign.DeliveryCount{"ses": {{At: sec, N: 2}}, "mx": {{At: sec, N: 1}}}
	if got := j.DeliveriesByRelay(); !reflect.DeepEqual(got, want) {
		t.Errorf("DeliveriesByRelay = %v, want %v (the 48-hour-old one and the one without relay left out)", got, want)
	}
	if got := j.Deliveries(); !reflect.DeepEqual(got, []campaign.DeliveryCount{{At: sec, N: 4}}) {
		t.Errorf("Deliveries = %v, want 4 at %v", got, sec)
	}
}
