package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/source"
	"github.com/mailrun/mailrun/campaign/statefile"
)

// statusFixture writes a data file of 6 rows and a state file in which row
// 1 was delivered, 2 failed, 3 was deferred, 4 is unknown, 5 failed with a
// reply that looks like a spreadsheet formula, and 6 was never tried.
func statusFixture(t *testing.T) (dir, data, state string) {
	t.Helper()
	dir = t.TempDir()
	data = filepath.Join(dir, "list.csv")
	csv := "email,name,note\n" +
		"ann@example.com,Ann,\n" +
		"bob@example.com,Bob,\"multi\nline\"\n" +
		"cy@example.com,Cy,\n" +
		"di@example.com,Di,\n" +
		"eve@example.com,\"Eve, Jr\",\n" +
		"fay@example.com,Fay,\n"
	if err := os.WriteFile(data, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	state = data + ".state"
	j, err := statefile.Open(state, statefile.Header{TemplateHash: "abc123", DataFile: data})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := []campaign.Outcome{
		{Row: 1, Key: "ann@example.com", Status: campaign.StatusDelivered, Reply: "250 ok"},
		{Row: 2, Key: "bob@example.com", Status: campaign.StatusFailed, Code: 550, Enhanced: "5.1.1", Reply: "no such\x1b[2J user", Recipient: "bob@example.com"},
		{Row: 3, Key: "cy@example.com", Status: campaign.StatusDeferred, Code: 451, Reply: "try again later"},
		{Row: 4, Key: "di@example.com"},
		{Row: 5, Key: "eve@example.com", Status: campaign.StatusFailed, Code: 554, Reply: "=HYPERLINK(\"http://evil\")"},
	}
	for _, o := range outcomes {
		if err := j.Sending(&campaign.Message{Row: o.Row, Key: o.Key, ID: o.Key + ".id"}); err != nil {
			t.Fatal(err)
		}
		if o.Status != "" {
			o.Time = time.Now()
			if err := j.Record(o); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, data, state
}

func TestStatusHuman(t *testing.T) {
	_, data, state := statusFixture(t)
	r := mailrun(t, "", "status", "--state", state, "--data", data)
	wantCode(t, r, 0)
	for _, want := range []string{
		"Recipients 5", "delivered 1", "failed 2", "deferred 1", "unknown 1",
		"Data rows 6", "pending 3",
		"row 2 bob@example.com failed 550 5.1.1 no such [2J user",
		"row 3 cy@example.com deferred 451 try again later",
		"Unknown (1)", "row 4 di@example.com",
		"--failed-csv OUT",
	} {
		if !strings.Contains(squeeze(r.stdout), want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestStatusJSON(t *testing.T) {
	_, data, state := statusFixture(t)
	r := mailrun(t, "", "status", "--state", state, "--data", data, "--json")
	wantCode(t, r, 0)
	var got struct {
		CampaignID string           `json:"campaign_id"`
		Counts     statefile.Counts `json:"counts"`
		Failures   []statefile.Failure
		Pending    int `json:"pending"`
		DataRows   int `json:"data_rows"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	want := statefile.Counts{Recipients: 5, Delivered: 1, Failed: 2, Deferred: 1, Unknown: 1}
	if got.Counts != want || got.Pending != 3 || got.DataRows != 6 || len(got.Failures) != 3 || got.CampaignID == "" {
		t.Errorf("JSON = %+v", got)
	}
}

func TestStatusFailedCSV(t *testing.T) {
	dir, data, state := statusFixture(t)
	out := filepath.Join(dir, "retry.csv")
	r := mailrun(t, "", "status", "--state", state, "--data", data, "--failed-csv", out)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "Wrote 3 rows to "+out) {
		t.Errorf("stdout lacks the rows written:\n%s", r.stdout)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", out, fi.Mode().Perm())
	}

	// The file is a data file mailrun reads: the original columns and
	// values, plus status, code and error.
	cols, rows := readData(t, out)
	if want := []string{"email", "name", "note", "status", "code", "error"}; !slices.Equal(cols, want) {
		t.Fatalf("columns %q, want %q", cols, want)
	}
	want := []map[string]string{
		{"email": "bob@example.com", "name": "Bob", "note": "multi\nline", "status": "failed", "code": "550", "error": "5.1.1 no such [2J user (recipient bob@example.com)"},
		{"email": "cy@example.com", "name": "Cy", "note": "", "status": "deferred", "code": "451", "error": "try again later"},
		{"email": "eve@example.com", "name": "Eve, Jr", "note": "", "status": "failed", "code": "554", "error": `'=HYPERLINK("http://evil")`},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %v", len(rows), len(want), rows)
	}
	for i := range want {
		for k, v := range want[i] {
			if rows[i][k] != v {
				t.Errorf("row %d column %s = %q, want %q", i+1, k, rows[i][k], v)
			}
		}
	}

	// Used as the data of status again, it keeps its columns.
	out2 := filepath.Join(dir, "retry2.csv")
	r = mailrun(t, "", "status", "--state", state, "--data", out, "--failed-csv", out2)
	wantCode(t, r, 0)
	if cols2, _ := readData(t, out2); !slices.Equal(cols2, cols) {
		t.Errorf("columns of a failed CSV made from a failed CSV: %q, want %q", cols2, cols)
	}
}

// readData reads a data file as mailrun does.
func readData(t *testing.T, path string) ([]string, []map[string]string) {
	t.Helper()
	src, err := source.Open(path, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var rows []map[string]string
	for {
		row, err := src.Next()
		if errors.Is(err, io.EOF) {
			return src.Columns(), rows
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row.Fields)
	}
}

func TestStatusErrors(t *testing.T) {
	_, data, state := statusFixture(t)
	_, gone, goneState := statusFixture(t) // its data file is no longer there
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"no state flag", []string{"status"}, 2, []string{"--state"}},
		{"missing state file", []string{"status", "--state", state + ".nope"}, 3, []string{"no such state file", ".nope"}},
		{"failed csv without data", []string{"status", "--state", goneState, "--failed-csv", filepath.Join(t.TempDir(), "x.csv")}, 2,
			[]string{"--failed-csv needs --data", gone, "which is not here"}},
		{"missing data file", []string{"status", "--state", state, "--data", data + ".nope"}, 3, []string{".nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mailrun(t, "", tt.args...)
			wantCode(t, r, tt.code)
			wantOneError(t, r, tt.want...)
		})
	}
}

func TestStatusWhileLocked(t *testing.T) {
	_, _, state := statusFixture(t)
	j, err := statefile.Open(state, statefile.Header{TemplateHash: "abc123"})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	r := mailrun(t, "", "status", "--state", state)
	wantCode(t, r, 0)
	if !strings.Contains(squeeze(r.stdout), "delivered 1") {
		t.Errorf("status of a state file in use:\n%s", r.stdout)
	}
}

// squeeze collapses the runs of spaces that align the columns of the
// status output.
func squeeze(s string) string {
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	return s
}

// TestStatusFindsTheStateAndDataFiles checks that status needs no --state
// when the state file is the data file's path + .state, and that
// --failed-csv reads the data file the state file records when --data is
// not given, from any folder.
func TestStatusFindsTheStateAndDataFiles(t *testing.T) {
	dir, data, _ := statusFixture(t)
	r := mailrun(t, "", "status", "--data", data)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "pending") || !strings.Contains(r.stdout, data+".state") {
		t.Errorf("status --data did not read %s.state:\n%s", data, r.stdout)
	}
	t.Chdir(t.TempDir()) // the state file records the data file's absolute path
	out := filepath.Join(dir, "failed.csv")
	r = mailrun(t, "", "status", "--state", data+".state", "--failed-csv", out)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "Wrote 3 rows to "+out) {
		t.Errorf("--failed-csv without --data:\n%s", r.stdout)
	}
}

// TestStatusListsTwentyOfALongList checks that each list of the human
// status (here the failures and the unknown outcomes) shows 20 recipients
// and counts the others.
func TestStatusListsTwentyOfALongList(t *testing.T) {
	state := filepath.Join(t.TempDir(), "list.csv.state")
	j, err := statefile.Open(state, statefile.Header{TemplateHash: "abc123"})
	if err != nil {
		t.Fatal(err)
	}
	for row := 1; row <= 50; row++ {
		key := fmt.Sprintf("r%d@example.com", row)
		if err := j.Sending(&campaign.Message{Row: row, Key: key, ID: key + ".id"}); err != nil {
			t.Fatal(err)
		}
		if row <= 25 {
			o := campaign.Outcome{Row: row, Key: key, Status: campaign.StatusFailed, Code: 550, Reply: "no such user", Time: time.Now()}
			if err := j.Record(o); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	r := mailrun(t, "", "status", "--state", state)
	wantCode(t, r, 0)
	for _, want := range []string{"Failures (25):", "Unknown (25):", "r20@example.com", "r45@example.com"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, unwanted := range []string{"r21@example.com", "r46@example.com"} {
		if strings.Contains(r.stdout, unwanted) {
			t.Errorf("status lists %s, the 21st of its list:\n%s", unwanted, r.stdout)
		}
	}
	if n := strings.Count(r.stdout, "  and 5 more\n"); n != 2 {
		t.Errorf("status says \"and 5 more\" %d times, want 2:\n%s", n, r.stdout)
	}
}
