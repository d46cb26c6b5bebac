package main

import (
	"bytes"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// TestProofCopies checks send --test-to: real rows, each sent only to the
// proof address (envelope and To), their real recipients in a header,
// through the real relay; the state file is never made.
func TestProofCopies(t *testing.T) {
	srv := smtptest.Start(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "list.csv")
	writeFile(t, data, "email,name,mgr\nann@example.com,Ann,boss@example.com\nbob@example.com,Bob,\ncy@example.com,Cy,\n")
	tmpl := filepath.Join(dir, "t.txt")
	writeFile(t, tmpl, "From: news@example.com\nTo: {{.name}} <{{.email}}>\nCc: {{.mgr}}\nBcc: archive@example.com\nSubject: hi {{.name}}\n\nHello {{.name}}\n")
	base := []string{"send", "--data", data, "--template", tmpl, "--smtp", srv.URL()}

	tests := []struct {
		name     string
		args     []string
		subjects []string
	}{
		{"the first row by default", []string{"--test-to", "me@mine.example"}, []string{"hi Ann"}},
		{"the first N rows", []string{"--test-to", "me@mine.example", "--limit", "2"}, []string{"hi Ann", "hi Bob"}},
		{"chosen rows", []string{"--test-to", "me@mine.example", "--rows", "3,1"}, []string{"hi Ann", "hi Cy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Messages())
			r := mailrun(t, "", append(base, tt.args...)...)
			wantCode(t, r, 0)
			got := srv.Messages()[before:]
			var subjects []string
			for _, m := range got {
				if !slices.Equal(m.To, []string{"me@mine.example"}) {
					t.Errorf("envelope recipients %v, want only me@mine.example", m.To)
				}
				msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
				if err != nil {
					t.Fatal(err)
				}
				if to, cc := msg.Header.Get("To"), msg.Header.Get("Cc"); to != "<me@mine.example>" || cc != "" {
					t.Errorf("To %q, Cc %q; want <me@mine.example> and none", to, cc)
				}
				subjects = append(subjects, msg.Header.Get("Subject"))
				if msg.Header.Get("Subject") == "hi Ann" && msg.Header.Get("X-Mailrun-Original-To") != "ann@example.com; Cc: boss@example.com; Bcc: archive@example.com" {
					t.Errorf("X-Mailrun-Original-To: %q", msg.Header.Get("X-Mailrun-Original-To"))
				}
			}
			slices.Sort(subjects)
			if !slices.Equal(subjects, tt.subjects) {
				t.Errorf("proofs of %v, want %v", subjects, tt.subjects)
			}
			if !strings.Contains(r.stdout, "the state file was not touched") {
				t.Errorf("stdout:\n%s", r.stdout)
			}
		})
	}
	if _, err := os.Stat(data + ".state"); !os.IsNotExist(err) {
		t.Errorf("proof copies made a state file: %v", err)
	}

	for _, bad := range [][]string{
		{"--test-to", "not an address"},
		{"--test-to", "me@mine.example", "--rows", "x"},
		{"--test-to", "me@mine.example", "--rows", "1", "--limit", "1"},
		{"--rows", "1"},
	} {
		r := mailrun(t, "", append(base, bad...)...)
		wantCode(t, r, 2)
	}
	r := mailrun(t, "", append(base, "--test-to", "me@mine.example", "--rows", "9")...)
	wantCode(t, r, 4)
	if !strings.Contains(r.stdout, "row 9: no such row in the data") {
		t.Errorf("a missing row is not named:\n%s", r.stdout)
	}
}
