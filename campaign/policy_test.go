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
		{campaign.StatusDelivered, campaign.StatusSending, campaign.StatusSending},
	}
	for _, tt := range tests {
		if got := campaign.MergeStatus(tt.old, tt.next); got != tt.want {
			t.Errorf("MergeStatus(%q, %q) = %q, want %q", tt.old, tt.next, got, tt.want)
		}
	}
}

func TestAttemptTrail(t *testing.T) {
	type rec struct {
		st        campaign.Status
		ambiguous bool
	}
	var (
		sending   = rec{st: campaign.StatusSending}
		delivered = rec{st: campaign.StatusDelivered}
		deferred  = rec{st: campaign.StatusDeferred}
		cutOff    = rec{st: campaign.StatusDeferred, ambiguous: true}
		failed    = rec{st: campaign.StatusFailed}
		dup       = rec{st: campaign.StatusDuplicate}
	)
	tests := []struct {
		name string
		recs []rec
		want bool
	}{
		{"one delivery", []rec{sending, delivered}, false},
		{"retries after 4xx refusals", []rec{sending, deferred, sending, deferred, sending, delivered}, false},
		{"a run deferred it, the next delivered", []rec{sending, deferred, sending, delivered}, false},
		{"failed, then --retry-failed", []rec{sending, failed, sending, delivered}, false},
		{"crash after sending, then resumed", []rec{sending, sending, delivered}, true},
		{"cut after the final dot, then retried", []rec{sending, cutOff, sending, delivered}, true},
		{"cut after the final dot, never retried", []rec{sending, cutOff}, false},
		{"unknown, not yet resumed", []rec{sending}, false},
		{"a duplicate row changes nothing", []rec{sending, delivered, dup}, false},
	}
	for _, tt := range tests {
		var tr campaign.AttemptTrail
		for _, r := range tt.recs {
			tr = tr.Next(r.st, r.ambiguous)
		}
		if got := tr.MayHaveReceivedTwice(); got != tt.want {
			t.Errorf("%s: MayHaveReceivedTwice = %v, want %v", tt.name, got, tt.want)
		}
	}
}
