package statefile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

func TestReadState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.state")
	j := openJournal(t, path, header("h"))
	send(t, j, 1, "ann@example.com", campaign.StatusDelivered)
	send(t, j, 2, "bob@example.com", campaign.StatusFailed)
	send(t, j, 3, "cy@example.com", campaign.StatusDeferred)
	send(t, j, 4, "di@example.com", "")                        // unknown
	send(t, j, 5, "eve@example.com", campaign.StatusDeferred)  // deferred, then
	send(t, j, 5, "eve@example.com", campaign.StatusDelivered) // delivered on resume
	send(t, j, 6, "fay@example.com", campaign.StatusFailed)    // failed, then
	send(t, j, 6, "fay@example.com", "")                       // unknown on retry
	record(t, j, campaign.Outcome{Row: 7, Key: "ann@example.com", Status: campaign.StatusDuplicate})
	record(t, j, campaign.Outcome{Row: 8, Key: "gus@example.com", Status: campaign.StatusDuplicate})
	record(t, j, campaign.Outcome{Row: 9, Status: campaign.StatusFailed, Reply: "template: no such column"})
	last := testNow.Add(time.Minute)
	record(t, j, campaign.Outcome{Row: 10, Key: "ann@example.com", Status: campaign.StatusDuplicate, Time: last})
	closeJournal(t, j)

	s, err := statefile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	want := statefile.Counts{Recipients: 8, Delivered: 2, Failed: 2, Deferred: 1, Unknown: 2, Duplicate: 1}
	if s.Counts != want {
		t.Errorf("Counts = %+v, want %+v", s.Counts, want)
	}
	if s.CampaignID != j.CampaignID() || s.TemplateHash != "h" || s.DataFile != absPath(t, "list.csv") || !s.Created.Equal(testNow) {
		t.Errorf("header: %q %q %q %v", s.CampaignID, s.TemplateHash, s.DataFile, s.Created)
	}
	if s.MaybeTwice != 0 {
		t.Errorf("MaybeTwice = %d, want 0: eve's and fay's later attempts followed known outcomes", s.MaybeTwice)
	}
	if !s.LastActivity.Equal(last) {
		t.Errorf("LastActivity = %v, want %v", s.LastActivity, last)
	}
	wantFail := []statefile.Failure{
		{Row: 2, Key: "bob@example.com", Status: campaign.StatusFailed, Code: 550, Enhanced: "5.1.1", Text: "no such user", Recipient: "bob@example.com", Time: testNow},
		{Row: 3, Key: "cy@example.com", Status: campaign.StatusDeferred, Code: 451, Enhanced: "4.3.0", Text: "try later", Time: testNow},
		{Row: 9, Status: campaign.StatusFailed, Text: "template: no such column", Time: testNow},
	}
	if len(s.Failures) != len(wantFail) {
		t.Fatalf("Failures = %+v, want %+v", s.Failures, wantFail)
	}
	for i := range wantFail {
		if s.Failures[i] != wantFail[i] {
			t.Errorf("Failures[%d] = %+v, want %+v", i, s.Failures[i], wantFail[i])
		}
	}
	if len(s.Unknowns) != 2 || s.Unknowns[0] != (statefile.Attempt{Row: 4, Key: "di@example.com"}) || s.Unknowns[1].Row != 6 {
		t.Errorf("Unknowns = %+v", s.Unknowns)
	}
	rows := map[int]campaign.Status{1: campaign.StatusDelivered, 2: campaign.StatusFailed, 4: campaign.StatusSending,
		7: campaign.StatusDuplicate, 9: campaign.StatusFailed, 11: ""}
	for row, want := range rows {
		if got, ok := s.RowStatus(row); got != want || ok != (want != "") {
			t.Errorf("RowStatus(%d) = %q, %v; want %q", row, got, ok, want)
		}
	}
}

func record(t *testing.T, j *statefile.Journal, o campaign.Outcome) {
	t.Helper()
	if err := j.Record(o); err != nil {
		t.Fatalf("Record: %v", err)
	}
}

func TestReadStateWhileWriting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.state")
	j := openJournal(t, path, header("h"))
	send(t, j, 1, "ann@example.com", "")
	// ReadState does not need the lock, and ignores a line being written.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"type":"delivered","key":"ann@exa`); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	s, err := statefile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Counts.Unknown != 1 || s.Recovered == "" {
		t.Errorf("Counts %+v, Recovered %q; want 1 unknown and the partial line reported", s.Counts, s.Recovered)
	}
}

func TestReadStateMissing(t *testing.T) {
	_, err := statefile.Read(filepath.Join(t.TempDir(), "nope.state"))
	var ie *campaign.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("ReadState of a missing file: %v, want *campaign.InputError", err)
	}
}

// TestStatePendingFollowsTheResumeRule checks that a row is pending exactly
// when the runner would send its recipient again: a duplicate row waits as
// long as its key does, and a suppressed row waits (the lists are checked
// again at the next run).
func TestStatePendingFollowsTheResumeRule(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.state")
	j := openJournal(t, path, header("h"))
	send(t, j, 1, "ann@example.com", campaign.StatusDelivered)
	send(t, j, 2, "bob@example.com", campaign.StatusFailed)
	send(t, j, 3, "cy@example.com", campaign.StatusDeferred)
	send(t, j, 4, "di@example.com", "") // unknown
	record(t, j, campaign.Outcome{Row: 5, Key: "ann@example.com", Status: campaign.StatusDuplicate})
	record(t, j, campaign.Outcome{Row: 6, Key: "cy@example.com", Status: campaign.StatusDuplicate})
	record(t, j, campaign.Outcome{Row: 7, Key: "eve@example.com", Status: campaign.StatusSuppressed})
	closeJournal(t, j)

	s, err := statefile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []campaign.ResumePolicy{{}, {RetryFailed: true}, {SkipUnknown: true}} {
		keyStatus := map[int]campaign.Status{1: campaign.StatusDelivered, 2: campaign.StatusFailed, 3: campaign.StatusDeferred,
			4: campaign.StatusSending, 5: campaign.StatusDelivered, 6: campaign.StatusDeferred, 7: campaign.StatusSuppressed, 8: ""}
		for row, st := range keyStatus {
			if got, want := s.Pending(row, p), p.Sends(st); got != want {
				t.Errorf("%+v: Pending(%d) = %v, want %v (its key's status is %q)", p, row, got, want, st)
			}
		}
	}
}

// TestStateMaybeTwice checks that only an attempt of unknown outcome
// followed by another counts as a message that may have arrived twice.
func TestStateMaybeTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "list.csv.state")
	j := openJournal(t, path, header("h"))
	for _, st := range []campaign.Status{campaign.StatusDeferred, campaign.StatusDeferred, campaign.StatusDelivered} {
		send(t, j, 1, "ann@example.com", st) // two 4xx refusals, then delivered
	}
	send(t, j, 2, "bob@example.com", "") // a crash after sending, then resumed
	send(t, j, 2, "bob@example.com", campaign.StatusDelivered)
	if err := j.Sending(msg(3, "cy@example.com")); err != nil { // cut after the final dot, retried
		t.Fatal(err)
	}
	record(t, j, campaign.Outcome{Row: 3, Key: "cy@example.com", Status: campaign.StatusDeferred, Ambiguous: true})
	send(t, j, 3, "cy@example.com", campaign.StatusDelivered)
	// dee: a recipient limit; the second transaction continues to the Cc.
	send(t, j, 4, "dee@example.com", "")
	cont := msg(4, "dee@example.com")
	cont.MarkSent("dee@example.com")
	if err := j.Sending(cont); err != nil {
		t.Fatal(err)
	}
	record(t, j, campaign.Outcome{Row: 4, Key: "dee@example.com", Status: campaign.StatusDelivered, Reply: "250 ok"})
	closeJournal(t, j)
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), `"continues":true`) {
		t.Fatalf("no continuing sending record:\n%s", b)
	}
	s, err := statefile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.MaybeTwice != 2 {
		t.Errorf("MaybeTwice = %d, want 2 (bob, cy; not dee, whose second transaction went to others)", s.MaybeTwice)
	}
}
