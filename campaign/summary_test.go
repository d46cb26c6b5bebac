package campaign_test

import (
	"testing"

	"github.com/mailrun/mailrun/campaign"
)

func TestSummaryUnrecord(t *testing.T) {
	var s campaign.Summary
	s.Sent, s.Failed, s.Deferred = 546, 3, 2
	s.Unrecord(map[campaign.Status]int{campaign.StatusDelivered: 1, campaign.StatusFailed: 1, campaign.StatusSending: 4})
	if s.Sent != 545 || s.Failed != 2 || s.Deferred != 2 || s.Unrecorded != 2 {
		t.Errorf("after Unrecord: %d sent, %d failed, %d deferred, %d unrecorded; want 545, 2, 2, 2", s.Sent, s.Failed, s.Deferred, s.Unrecorded)
	}
}
