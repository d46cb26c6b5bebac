package statefile_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

var testNow = time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC)

func header(hash string) statefile.Header {
	return statefile.Header{TemplateHash: hash, DataFile: "list.csv", Now: func() time.Time { return testNow }}
}

// openJournal opens the journal at path and closes it when the test ends.
func openJournal(t testing.TB, path string, h statefile.Header) *statefile.Journal {
	t.Helper()
	j, err := statefile.Open(path, h)
	if err != nil {
		t.Fatalf("OpenJournal: %v", err)
	}
	t.Cleanup(func() { _ = j.Close() })
	return j
}

// absPath returns path made absolute, as a state file records a data file.
func absPath(t testing.TB, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func closeJournal(t testing.TB, j *statefile.Journal) {
	t.Helper()
	if err := j.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func msg(row int, key string) *campaign.Message {
	return &campaign.Message{Row: row, Key: key, ID: fmt.Sprintf("%d.%s@mailrun", row, key)}
}

// send records an attempt of key at row and, unless st is empty, its outcome.
func send(t testing.TB, j *statefile.Journal, row int, key string, st campaign.Status) {
	t.Helper()
	if err := j.Sending(msg(row, key)); err != nil {
		t.Fatalf("Sending: %v", err)
	}
	if st == "" {
		return
	}
	o := campaign.Outcome{Row: row, Key: key, MessageID: msg(row, key).ID, Status: st, Attempts: 1}
	switch st {
	case campaign.StatusDelivered:
		o.Reply = "250 2.0.0 Ok: queued as " + key
	case campaign.StatusFailed:
		o.Code, o.Enhanced, o.Reply, o.Recipient = 550, "5.1.1", "no such user", key
	case campaign.StatusDeferred:
		o.Code, o.Enhanced, o.Reply = 451, "4.3.0", "try later"
	}
	if err := j.Record(o); err != nil {
		t.Fatalf("Record: %v", err)
	}
}

// checkLines fails unless every line of the file is a complete JSON object.
func checkLines(t testing.TB, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Fatalf("%s does not end with a newline", path)
	}
	var recs []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d %q: %v", i+1, line, err)
		}
		recs = append(recs, m)
	}
	return recs
}

func TestJournalRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "list.csv.state")
	j := openJournal(t, path, header("h1"))
	id := j.CampaignID()
	if len(id) != 32 {
		t.Errorf("CampaignID() = %q, want 32 hex digits", id)
	}
	send(t, j, 1, "ann@example.com", campaign.StatusDelivered)
	send(t, j, 2, "bob@example.com", campaign.StatusFailed)
	send(t, j, 3, "cy@example.com", campaign.StatusDeferred)
	send(t, j, 4, "di@example.com", "")
	if err := j.Record(campaign.Outcome{Row: 5, Key: "ann@example.com", Status: campaign.StatusDuplicate}); err != nil {
		t.Fatal(err)
	}
	if err := j.Record(campaign.Outcome{Row: 6, Key: "eve@example.com", Status: campaign.StatusSuppressed}); err != nil {
		t.Fatal(err)
	}
	send(t, j, 7, "f\x80y \"q\"@example.com", campaign.StatusDelivered) // invalid UTF-8 and quotes
	closeJournal(t, j)
	closeJournal(t, j) // idempotent

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}
	recs := checkLines(t, path)
	if recs[0]["type"] != "campaign" || recs[0]["id"] != id || recs[0]["template_hash"] != "h1" ||
		recs[0]["data"] != absPath(t, "list.csv") || recs[0]["created"] != "2026-11-26T20:00:00Z" || recs[0]["version"] != 1.0 {
		t.Errorf("campaign record = %v", recs[0])
	}
	if r := recs[4]; r["type"] != "failed" || r["code"] != 550.0 || r["enhanced"] != "5.1.1" ||
		r["text"] != "no such user" || r["recipient"] != "bob@example.com" || r["row"] != 2.0 {
		t.Errorf("failed record = %v", r)
	}
	if r := recs[2]; r["type"] != "delivered" || r["reply"] != "250 2.0.0 Ok: queued as ann@example.com" {
		t.Errorf("delivered record = %v", r)
	}

	j = openJournal(t, path, statefile.Header{TemplateHash: "h1", CampaignID: "ignored"})
	if j.CampaignID() != id {
		t.Errorf("CampaignID() after reopen = %q, want %q", j.CampaignID(), id)
	}
	if j.Unknown() != 1 {
		t.Errorf("Unknown() = %d, want 1", j.Unknown())
	}
	tests := []struct {
		key  string
		want campaign.Status
		ok   bool
	}{
		{"ann@example.com", campaign.StatusDelivered, true}, // the duplicate record does not hide it
		{"bob@example.com", campaign.StatusFailed, true},
		{"cy@example.com", campaign.StatusDeferred, true},
		{"di@example.com", campaign.StatusSending, true},
		{"eve@example.com", campaign.StatusSuppressed, true},
		{"f\x80y \"q\"@example.com", campaign.StatusDelivered, true},
		{"nobody@example.com", "", false},
	}
	for _, tt := range tests {
		if got, ok := j.Previous(tt.key); got != tt.want || ok != tt.ok {
			t.Errorf("Previous(%q) = %q, %v; want %q, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}

func TestJournalNewFileUsesGivenID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.state")
	h := header("h")
	h.CampaignID = "c0ffee"
	j := openJournal(t, path, h)
	if j.CampaignID() != "c0ffee" {
		t.Errorf("CampaignID() = %q, want c0ffee", j.CampaignID())
	}
}

func TestJournalTightensPermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.state")
	closeJournal(t, openJournal(t, path, header("h")))
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	j := openJournal(t, path, header("h"))
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after open, want 0600", fi.Mode().Perm())
	}
	if w := j.Warnings(); len(w) != 1 || !strings.Contains(w[0], "0600") {
		t.Errorf("Warnings() = %q, want one about the mode", w)
	}
}

func TestJournalTornLastRecord(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.state")
	j := openJournal(t, base, header("h"))
	send(t, j, 1, "ann@example.com", campaign.StatusDelivered)
	send(t, j, 2, "bob@example.com", campaign.StatusFailed)
	closeJournal(t, j)
	full, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	lastStart := bytes.LastIndexByte(full[:len(full)-1], '\n') + 1

	for cut := lastStart; cut < len(full); cut++ {
		path := filepath.Join(dir, fmt.Sprintf("cut%d.state", cut))
		if err := os.WriteFile(path, full[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := statefile.Open(path, header("h"))
		if err != nil {
			t.Fatalf("cut at %d: OpenJournal: %v", cut, err)
		}
		wantBob := campaign.StatusSending
		switch {
		case cut == len(full)-1: // only the newline is missing: the record is whole
			wantBob = campaign.StatusFailed
			if j.Recovered() != "" {
				t.Errorf("cut at %d: Recovered() = %q for a whole record", cut, j.Recovered())
			}
		case cut > lastStart:
			if j.Recovered() == "" || len(j.Warnings()) == 0 {
				t.Errorf("cut at %d: torn line not reported", cut)
			}
		}
		if st, _ := j.Previous("ann@example.com"); st != campaign.StatusDelivered {
			t.Errorf("cut at %d: Previous(ann) = %q, want delivered", cut, st)
		}
		if st, _ := j.Previous("bob@example.com"); st != wantBob {
			t.Errorf("cut at %d: Previous(bob) = %q, want %q", cut, st, wantBob)
		}
		send(t, j, 3, "cy@example.com", campaign.StatusDelivered)
		closeJournal(t, j)

		checkLines(t, path)
		s, err := statefile.Read(path)
		if err != nil {
			t.Fatalf("cut at %d: ReadState: %v", cut, err)
		}
		if s.Recovered != "" || s.Counts.Delivered != 2 {
			t.Errorf("cut at %d: after append: Recovered %q, %d delivered; want none, 2", cut, s.Recovered, s.Counts.Delivered)
		}
	}
}

func TestJournalCorruptLine(t *testing.T) {
	tests := []struct {
		name     string
		lines    []string
		wantLine int
	}{
		{"garbage in the middle", []string{`{"type":"sending","key":"a","row":1}`, `{"type":"deliv`, `{"type":"delivered","key":"b","row":2}`}, 3},
		{"unknown type", []string{`{"type":"exploded","key":"a","row":1}`}, 2},
		{"blank line", []string{``, `{"type":"sending","key":"a","row":1}`}, 2},
		{"row not a number", []string{`{"type":"sending","key":"a","row":"one"}`, `{"type":"sending","key":"b","row":2}`}, 2},
		{"not a state file", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.state")
			content := `{"type":"campaign","id":"c1","template_hash":"h","version":1}` + "\n"
			if tt.lines == nil {
				content = "email,name\nann@example.com,Ann\n"
			}
			for _, l := range tt.lines {
				content += l + "\n"
			}
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, open := range []func() error{
				func() error { _, err := statefile.Open(path, header("h")); return err },
				func() error { _, err := statefile.Read(path); return err },
			} {
				err := open()
				var ie *campaign.InputError
				if !errors.As(err, &ie) || ie.Line != tt.wantLine || ie.File != path {
					t.Fatalf("error %v, want an *campaign.InputError at %s:%d", err, path, tt.wantLine)
				}
			}
			if b, _ := os.ReadFile(path); string(b) != content {
				t.Errorf("the corrupt file was modified")
			}
		})
	}
}

func TestJournalLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.state")
	j := openJournal(t, path, header("h"))
	_, err := statefile.Open(path, header("h"))
	var le *campaign.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second OpenJournal: %v, want *LockedError", err)
	}
	if le.PID != os.Getpid() || le.Path != path {
		t.Errorf("LockedError = %+v, want pid %d, path %s", le, os.Getpid(), path)
	}
	if !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) {
		t.Errorf("error %q does not name the pid", err)
	}
	closeJournal(t, j)
	closeJournal(t, openJournal(t, path, header("h")))
}

func TestJournalTemplateChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.state")
	j := openJournal(t, path, header("old"))
	id := j.CampaignID()
	send(t, j, 1, "ann@example.com", campaign.StatusDelivered)
	closeJournal(t, j)

	_, err := statefile.Open(path, header("new"))
	var me *campaign.TemplateChangedError
	if !errors.As(err, &me) || me.Recorded != "old" || me.Template != "new" {
		t.Fatalf("Open with another template: %v, want *campaign.TemplateChangedError", err)
	}
	closeJournal(t, openJournal(t, path, header("old"))) // the lock was released

	h := header("new")
	h.AllowTemplateChange = true
	j = openJournal(t, path, h)
	if j.CampaignID() != id {
		t.Errorf("CampaignID() = %q after template change, want %q", j.CampaignID(), id)
	}
	if st, _ := j.Previous("ann@example.com"); st != campaign.StatusDelivered {
		t.Errorf("Previous(ann) = %q after template change, want delivered", st)
	}
	closeJournal(t, j)
	closeJournal(t, openJournal(t, path, header("new"))) // now the campaign's template
	recs := checkLines(t, path)
	if last := recs[len(recs)-1]; last["type"] != "campaign" || last["previous_template_hash"] != "old" || last["id"] != id {
		t.Errorf("last record %v, want a campaign record noting the change", last)
	}
}

func TestJournalAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.state")
	j := openJournal(t, path, header("h"))
	closeJournal(t, j)
	if err := j.Sending(msg(1, "a")); err == nil {
		t.Error("Sending after Close succeeded")
	}
	if err := j.Record(campaign.Outcome{Row: 1, Key: "a", Status: campaign.StatusDelivered}); err == nil {
		t.Error("Record after Close succeeded")
	}
	if err := j.Record(campaign.Outcome{Row: 1, Key: "a", Status: "sent"}); err == nil {
		t.Error("Record with an unknown status succeeded")
	}
}

func TestJournalDataFileChange(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "list.csv")
	writeFile(t, list, "email\nann@example.com\n")
	other := filepath.Join(dir, "other.csv")
	writeFile(t, other, "email\nbob@example.com\n")
	alias := filepath.Join(dir, "alias.csv")
	if err := os.Link(list, alias); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	path := filepath.Join(dir, "s.state")
	withData := func(data string) statefile.Header {
		h := header("h")
		h.DataFile = data
		return h
	}
	closeJournal(t, openJournal(t, path, withData("list.csv")))

	// The same file, spelt otherwise, reached through a link, or grown.
	writeFile(t, list, "email\nann@example.com\ncy@example.com\n")
	if err := os.Mkdir("sub", 0o700); err != nil {
		t.Fatal(err)
	}
	for _, same := range []string{"list.csv", list, "./sub/../list.csv", alias} {
		closeJournal(t, openJournal(t, path, withData(same)))
	}

	_, err := statefile.Open(path, withData("other.csv"))
	var de *campaign.DataChangedError
	if !errors.As(err, &de) || de.Recorded != list || de.Data != "other.csv" {
		t.Fatalf("Open with another data file: %v, want *campaign.DataChangedError naming both", err)
	}
	h := withData("other.csv")
	h.AllowDataChange = true
	closeJournal(t, openJournal(t, path, h))
	// Now the campaign's data file is the other one.
	closeJournal(t, openJournal(t, path, withData(other)))
	if _, err := statefile.Open(path, withData("list.csv")); !errors.As(err, &de) {
		t.Errorf("Open with the first data file after the change: %v, want *campaign.DataChangedError", err)
	}
	s, err := statefile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.DataFile != other || s.TemplateChanges != 0 {
		t.Errorf("Read: data file %q, %d template changes; want %q, 0", s.DataFile, s.TemplateChanges, other)
	}
}

func TestJournalFreshStartsAnew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "list.csv.dry-run.state")
	j := openJournal(t, path, header("old"))
	send(t, j, 1, "ann@example.com", campaign.StatusDelivered)
	id := j.CampaignID()
	closeJournal(t, j)

	// Another template, without AllowTemplateChange: Fresh drops what the
	// file held, so there is nothing to mismatch.
	h := header("new")
	h.Fresh = true
	j = openJournal(t, path, h)
	if _, ok := j.Previous("ann@example.com"); ok {
		t.Error("a fresh journal still knows an earlier record")
	}
	if j.CampaignID() == id {
		t.Error("a fresh journal kept the old campaign id")
	}
	closeJournal(t, j)
	st, err := statefile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.TemplateHash != "new" || st.Counts.Recipients != 0 {
		t.Errorf("fresh state file: template %q, %d recipients; want new, 0", st.TemplateHash, st.Counts.Recipients)
	}
}

// TestJournalFreshLeavesOtherFilesAlone checks that Fresh empties only a
// state file: a file of something else at the path is refused and left as
// it was, permissions included.
func TestJournalFreshLeavesOtherFilesAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	writeFile(t, path, "precious notes\n")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	h := header("h")
	h.Fresh = true
	_, err := statefile.Open(path, h)
	var ie *campaign.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "not a mailrun state file") {
		t.Fatalf("Open with Fresh of a file that is not a state file: %v, want an input error", err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "precious notes\n" {
		t.Errorf("the file now holds %q (%v), want it untouched", b, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("the file's mode is now %v (%v), want 0644", fi.Mode().Perm(), err)
	}
}
