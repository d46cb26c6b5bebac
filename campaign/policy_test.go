package campaign_test

import (
	"testing"

	"github.com/mailrun/mailrun/campaign"
)

func TestResumePolicySends(t *testing.T) {
	tests := []struct {
		prev                     campaign.Status
		retryFailed, skipUnknown bool
		want                     bool
	}{
		{campaign.StatusDelivered, true, false, false},
		{campaign.StatusDeferred, false, false, true},
		{campaign.StatusFailed, false, false, false},
		{campaign.StatusFailed, true, false, true},
		{campaign.StatusSending, false, false, true},
		{campaign.StatusSending, false, true, false},
		{campaign.StatusDuplicate, false, false, true},
		{campaign.StatusSuppressed, false, false, true},
		{"", false, true, true},
	}
	for _, tt := range tests {
		p := campaign.ResumePolicy{RetryFailed: tt.retryFailed, SkipUnknown: tt.skipUnknown}
		if got := p.Sends(tt.prev); got != tt.want {
			t.Errorf("%+v.Sends(%q) = %v, want %v", p, tt.prev, got, tt.want)
		}
	}
}

func TestMergeStatus(t *testing.T) {
	tests := []struct {
		old, next, want campaign.Status
	}{
		{"", campaign.StatusDuplicate, campaign.StatusDuplicate},
		{campaign.StatusDelivered, campaign.StatusDuplicate, campaign.StatusDelivered},
		{campaign.StatusSending, campaign.StatusDuplicate, campaign.StatusSending},
		{campaign.StatusFailed, campaign.StatusDuplicate, campaign.StatusFailed},
		{campaign.StatusSuppressed, campaign.StatusDuplicate, campaign.StatusDuplicate},
		{campaign.StatusDeferred, campaign.StatusDelivered, campaign.StatusDelivered},
		{campaign.StatusDelivered, campaign.StatusSending, campaign.StatusDelivered},
		{campaign.StatusDeferred, campaign.StatusSending, campaign.StatusSending},
	}
	for _, tt := range tests {
		if got := campaign.MergeStatus(tt.old, tt.next); got != tt.want {
			t.Errorf("MergeStatus(%q, %q) = %q, want %q", tt.old, tt.next, got, tt.want)
		}
	}
}

func TestRecordStatus(t *testing.T) {
	tests := []struct {
		st        campaign.Status
		ambiguous bool
		want      campaign.Status
	}{
		{campaign.StatusDeferred, false, campaign.StatusDeferred},
		{campaign.StatusDeferred, true, campaign.StatusSending},
		{campaign.StatusFailed, true, campaign.StatusFailed},
		{campaign.StatusDelivered, true, campaign.StatusDelivered},
	}
	for _, tt := range tests {
		if got := campaign.RecordStatus(tt.st, tt.ambiguous); got != tt.want {
			t.Errorf("RecordStatus(%q, %v) = %q, want %q", tt.st, tt.ambiguous, got, tt.want)
		}
	}
}
