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
		{campaign.StatusBounced, true, false, false},
		{campaign.StatusComplained, true, false, false},
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
		// A bounce after a delivery wins, and sticks.
		{campaign.StatusDelivered, campaign.StatusBounced, campaign.StatusBounced},
		{campaign.StatusSending, campaign.StatusBounced, campaign.StatusBounced},
		{campaign.StatusBounced, campaign.StatusDelivered, campaign.StatusBounced},
		{campaign.StatusBounced, campaign.StatusSending, campaign.StatusBounced},
		{campaign.StatusBounced, campaign.StatusSuppressed, campaign.StatusBounced},
		{campaign.StatusBounced, campaign.StatusComplained, campaign.StatusComplained},
		{campaign.StatusComplained, campaign.StatusBounced, campaign.StatusComplained},
		{campaign.StatusComplained, campaign.StatusDelivered, campaign.StatusComplained},
		{campaign.StatusDelivered, campaign.StatusComplained, campaign.StatusComplained},
		// A soft bounce below the limit is only counted.
		{campaign.StatusDelivered, campaign.StatusSoftBounced, campaign.StatusDelivered},
		{"", campaign.StatusSoftBounced, ""},
	}
	for _, tt := range tests {
		if got := campaign.MergeStatus(tt.old, tt.next); got != tt.want {
			t.Errorf("MergeStatus(%q, %q) = %q, want %q", tt.old, tt.next, got, tt.want)
		}
	}
}

func TestAttemptTrail(t *testing.T) {
	type rec struct {
		st                   campaign.Status
		ambiguous, continues bool
	}
	var (
		sending   = rec{st: campaign.StatusSending}
		delivered = rec{st: campaign.StatusDelivered}
		deferred  = rec{st: campaign.StatusDeferred}
		cutOff    = rec{st: campaign.StatusDeferred, ambiguous: true}
		failed    = rec{st: campaign.StatusFailed}
		dup       = rec{st: campaign.StatusDuplicate}
		continued = rec{st: campaign.StatusSending, continues: true}
		bounced   = rec{st: campaign.StatusBounced}
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
		{"partial delivery, then the rest", []rec{sending, delivered, continued, delivered}, false},
		{"partial delivery, cut while continuing", []rec{sending, delivered, continued, continued, delivered}, false},
		{"a bounce changes nothing", []rec{sending, delivered, bounced}, false},
	}
	for _, tt := range tests {
		var tr campaign.AttemptTrail
		for _, r := range tt.recs {
			tr = tr.Next(r.st, r.ambiguous, r.continues)
		}
		if got := tr.MayHaveReceivedTwice(); got != tt.want {
			t.Errorf("%s: MayHaveReceivedTwice = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestBouncePolicy(t *testing.T) {
	tests := []struct {
		limit, softBefore int
		kind              campaign.BounceKind
		action            string
		books             bool
		want              campaign.Status
	}{
		{0, 0, campaign.BounceHard, "failed", true, campaign.StatusBounced},
		{0, 0, campaign.BounceComplaint, "", true, campaign.StatusComplained},
		{0, 0, campaign.BounceSoft, "failed", true, campaign.StatusSoftBounced},
		{0, 1, campaign.BounceSoft, "failed", true, campaign.StatusSoftBounced},
		{0, 2, campaign.BounceSoft, "failed", true, campaign.StatusBounced}, // the third: default limit 3
		{1, 0, campaign.BounceSoft, "failed", true, campaign.StatusBounced},
		{5, 3, campaign.BounceSoft, "failed", true, campaign.StatusSoftBounced},
		{0, 0, campaign.BounceSoft, "delayed", false, ""},
		{0, 0, "", "delivered", false, ""},
	}
	for _, tt := range tests {
		p := campaign.BouncePolicy{SoftLimit: tt.limit}
		if got := p.Books(tt.kind, tt.action); got != tt.books {
			t.Errorf("%+v.Books(%q, %q) = %v, want %v", p, tt.kind, tt.action, got, tt.books)
		}
		if tt.books {
			if got := p.Status(tt.kind, tt.softBefore); got != tt.want {
				t.Errorf("%+v.Status(%q, %d) = %q, want %q", p, tt.kind, tt.softBefore, got, tt.want)
			}
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
