package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocarina/gocsv"
)

func TestStatusCSV(t *testing.T) {
	dir, _, state := statusFixture(t)
	out := filepath.Join(dir, "outcomes.csv")
	r := mailrun(t, "", "status", "--state", state, "--csv", out)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "Wrote 5 recipients to "+out) {
		t.Errorf("stdout lacks the lines written:\n%s", r.stdout)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v, %v (want mode 0600)", out, fi, err)
	}

	// gocsv reads back what it wrote, one line per recipient.
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []outcomeRow
	if err := gocsv.Unmarshal(f, &rows); err != nil {
		t.Fatal(err)
	}
	want := []outcomeRow{
		{Row: 1, Key: "ann@example.com", Status: "delivered", Code: "250", Reply: "250 ok", Attempts: 0, MessageID: "ann@example.com.id"},
		{Row: 2, Key: "bob@example.com", Status: "failed", Code: "550", Enhanced: "5.1.1", Reply: "no such [2J user", Refused: "bob@example.com", MessageID: "bob@example.com.id"},
		{Row: 3, Key: "cy@example.com", Status: "deferred", Code: "451", Reply: "try again later", MessageID: "cy@example.com.id"},
		{Row: 4, Key: "di@example.com", Status: "unknown", Attempts: 1, MessageID: "di@example.com.id"},
		{Row: 5, Key: "eve@example.com", Status: "failed", Code: "554", Reply: `'=HYPERLINK("http://evil")`, MessageID: "eve@example.com.id"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d lines, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		got := rows[i]
		if got.First == "" || got.Last == "" {
			t.Errorf("line %d: first %q, last %q attempt times missing", i+1, got.First, got.Last)
		}
		got.First, got.Last = "", ""
		if got != w {
			t.Errorf("line %d:\n got %+v\nwant %+v", i+1, got, w)
		}
	}

	// No cell starts with a character that makes a spreadsheet formula.
	f2, _ := os.Open(out)
	defer f2.Close()
	cells, err := csv.NewReader(f2).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.Join(cells[0], ","); h != "row,key,status,code,enhanced_code,reply,refused_recipient,relay,attempts,first_attempt,last_attempt,message_id" {
		t.Errorf("header %s", h)
	}
	for _, line := range cells {
		for _, c := range line {
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				t.Errorf("cell %q would be a formula", c)
			}
		}
	}

	// It is a data file: validate renders a message for each line.
	tmpl := filepath.Join(dir, "t.html")
	if err := os.WriteFile(tmpl, []byte("From: a@example.com\nTo: <{{.key}}>\nSubject: {{.status}} {{.code}} {{.reply}}\n\n<p>{{.message_id}} {{.attempts}}</p>\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = mailrun(t, "", "validate", "--data", out, "--template", tmpl)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "5 rows, 5 messages") {
		t.Errorf("validate of the outcome CSV:\n%s", r.stdout)
	}
}
