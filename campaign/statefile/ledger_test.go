package statefile_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

// sentCampaign writes a state file in which rows 1-4 were delivered to
// ann, bob, cy and di@example.com, and returns its path and campaign id.
func sentCampaign(t *testing.T, dir, name string) (path, id string) {
	t.Helper()
	path = filepath.Join(dir, name)
	j := openJournal(t, path, header("h"))
	for i, k := range []string{"ann@example.com", "bob@example.com", "cy@example.com", "di@example.com"} {
		send(t, j, i+1, k, campaign.StatusDelivered)
	}
	id = j.CampaignID()
	closeJournal(t, j)
	return path, id
}

func openLedger(t *testing.T, path string) *statefile.Ledger {
	t.Helper()
	l, err := statefile.OpenLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func book(t *testing.T, p campaign.BouncePolicy, ls []campaign.Ledger, n campaign.Notice) campaign.Booking {
	t.Helper()
	b, err := p.Book(ls, n, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLedgerBooksBounces(t *testing.T) {
	path, id := sentCampaign(t, t.TempDir(), "a.state")
	l := openLedger(t, path)
	ls := []campaign.Ledger{l}
	p := campaign.BouncePolicy{}
	hard := campaign.Notice{ID: "n1", Recipient: "Bob@Example.com", Kind: campaign.BounceHard, Action: "failed",
		Status: "5.1.1", ReplyCode: 550, Diagnostic: "550 5.1.1 <bob@example.com>: User unknown",
		MessageIDs: []string{"nothing@else", msg(2, "bob@example.com").ID}}
	tests := []struct {
		name       string
		n          campaign.Notice
		key, by    string
		status     campaign.Status
		dup, match bool
	}{
		{name: "by Message-ID", n: hard, key: "bob@example.com", by: campaign.MatchedByMessageID, status: campaign.StatusBounced, match: true},
		{name: "the same notice again", n: hard, key: "bob@example.com", by: campaign.MatchedByMessageID, dup: true, match: true},
		{name: "by VERP, without the original's headers",
			n:   campaign.Notice{ID: "n2", Recipient: "x@forward.example", Kind: campaign.BounceHard, Action: "failed", Envelope: []string{"bounces+" + campaign.VERPToken(id, 3, "cy@example.com") + "@example.com"}},
			key: "cy@example.com", by: campaign.MatchedByVERP, status: campaign.StatusBounced, match: true},
		{name: "a forged VERP token falls back to the address",
			n:   campaign.Notice{ID: "n3", Recipient: "di@example.com", Kind: campaign.BounceComplaint, Envelope: []string{"bounces+" + campaign.VERPToken("guess", 1, "ann@example.com") + "@example.com"}},
			key: "di@example.com", by: campaign.MatchedByAddress, status: campaign.StatusComplained, match: true},
		{name: "a delay is matched but not booked",
			n:   campaign.Notice{ID: "n4", Recipient: "ann@example.com", Kind: campaign.BounceSoft, Action: "delayed"},
			key: "ann@example.com", by: campaign.MatchedByAddress, match: true},
		{name: "unknown recipient", n: campaign.Notice{ID: "n5", Recipient: "zed@example.com", Kind: campaign.BounceHard, Action: "failed"}},
	}
	for _, tt := range tests {
		b := book(t, p, ls, tt.n)
		if b.Matched != tt.match || b.Key != tt.key || b.By != tt.by || b.Status != tt.status || b.Duplicate != tt.dup {
			t.Errorf("%s: %+v, want key %q by %q, status %q, duplicate %v", tt.name, b, tt.key, tt.by, tt.status, tt.dup)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := statefile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	want := statefile.Counts{Recipients: 4, Delivered: 1, Bounced: 2, Complained: 1}
	if s.Counts != want {
		t.Errorf("Counts = %+v, want %+v", s.Counts, want)
	}
	if len(s.Bounces) != 3 || s.Bounces[0] != (statefile.Failure{Row: 2, Key: "bob@example.com", Status: campaign.StatusBounced, Kind: "hard",
		Code: 550, Enhanced: "5.1.1", Text: hard.Diagnostic, Recipient: "bob@example.com", Time: testNow}) {
		t.Errorf("Bounces = %+v", s.Bounces)
	}
	if addrs, _ := s.BouncedAddresses(); len(addrs) != 3 || addrs[0] != "bob@example.com" || addrs[1] != "di@example.com" || addrs[2] != "x@forward.example" {
		t.Errorf("BouncedAddresses = %v, want bob, di and the address cy's mail bounced at", addrs)
	}
	for row, want := range map[int]bool{1: false, 2: false, 3: false, 4: false} {
		if got := s.Pending(row, campaign.ResumePolicy{RetryFailed: true}); got != want {
			t.Errorf("row %d pending %v, want %v", row, got, want)
		}
	}

	// A later run finds what was booked: nothing is booked twice.
	l2 := openLedger(t, path)
	if b := book(t, p, []campaign.Ledger{l2}, hard); !b.Duplicate || b.Status != "" {
		t.Errorf("after reopening: %+v, want a duplicate", b)
	}
	// The send journal sees the bounced recipients and skips them.
	if err := l2.Close(); err != nil {
		t.Fatal(err)
	}
	j := openJournal(t, path, header("h"))
	if st, _ := j.Previous("bob@example.com"); st != campaign.StatusBounced {
		t.Errorf("Previous(bob) = %q, want bounced", st)
	}
}

func TestLedgerSoftBouncesAcrossStateFiles(t *testing.T) {
	dir := t.TempDir()
	older, _ := sentCampaign(t, dir, "older.state")
	newer, _ := sentCampaign(t, dir, "newer.state")
	p := campaign.BouncePolicy{SoftLimit: 3}
	soft := func(id string) campaign.Notice {
		return campaign.Notice{ID: id, Recipient: "ann@example.com", Kind: campaign.BounceSoft, Action: "failed", Status: "4.2.2"}
	}
	var got []campaign.Status
	for i, id := range []string{"s1", "s2"} {
		ls := []campaign.Ledger{openLedger(t, older), openLedger(t, newer)}
		b := book(t, p, ls, soft(id))
		if b.Ledger != 1 {
			t.Errorf("soft bounce %d booked in state file %d, want the last one that records the address (1)", i+1, b.Ledger)
		}
		got = append(got, b.Status)
		for _, l := range ls {
			if err := l.(*statefile.Ledger).Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A third one, matched by its Message-ID in the older file, counts the
	// two of the newer.
	ls := []campaign.Ledger{openLedger(t, older), openLedger(t, newer)}
	n := soft("s3")
	n.MessageIDs = []string{msg(1, "ann@example.com").ID}
	b := book(t, p, ls, n)
	got = append(got, b.Status)
	want := []campaign.Status{campaign.StatusSoftBounced, campaign.StatusSoftBounced, campaign.StatusBounced}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("soft bounce %d: %q, want %q", i+1, got[i], want[i])
		}
	}
	for _, l := range ls {
		if err := l.(*statefile.Ledger).Close(); err != nil {
			t.Fatal(err)
		}
	}
	s, err := statefile.Read(newer)
	if err != nil {
		t.Fatal(err)
	}
	if s.Counts.SoftBounced != 1 || s.Counts.Delivered != 4 {
		t.Errorf("newer: %+v, want ann delivered with soft bounces", s.Counts)
	}
}

func TestLedgerRefusesALockedOrMissingFile(t *testing.T) {
	dir := t.TempDir()
	path, _ := sentCampaign(t, dir, "a.state")
	j := openJournal(t, path, header("h")) // a send holds it
	_, err := statefile.OpenLedger(path)
	var le *campaign.LockedError
	if !errors.As(err, &le) {
		t.Errorf("while a send runs: %v, want *campaign.LockedError", err)
	}
	closeJournal(t, j)
	l := openLedger(t, path)
	if _, err := statefile.Open(path, header("h")); !errors.As(err, &le) {
		t.Errorf("send while bounces are booked: %v, want *campaign.LockedError", err)
	}
	_ = l.Close()
	_, err = statefile.OpenLedger(filepath.Join(dir, "missing.state"))
	var ie *campaign.InputError
	if !errors.As(err, &ie) {
		t.Errorf("missing file: %v, want *campaign.InputError", err)
	}
}
