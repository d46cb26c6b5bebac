package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// TestStrayWordStopsEveryCommand checks that a word that is neither a flag
// nor a flag's value stops the command with exit 2, naming the word and the
// flags after it, which flag parsing would otherwise have dropped: a
// --dry-run after a stray word must never turn into a real send.
func TestStrayWordStopsEveryCommand(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmpl := sendCampaign(t, 3)
	supp := filepath.Join(filepath.Dir(data), "bounces.txt")
	writeFile(t, supp, "nobody@example.com\n")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"second file of a one-value flag", []string{"send", "--data", data, "--template", tmpl, "--smtp", srv.URL(), "--suppress", supp, "s2.txt", "--dry-run"},
			[]string{`send takes no arguments, but got "s2.txt"`, "not read: --dry-run", "repeat the flag"}},
		{"a command name after the flags", []string{"send", "--data", data, "--template", tmpl, "--smtp", srv.URL(), "--state", "stray.state", "preview", "--dry-run"},
			[]string{`got "preview"`, "--dry-run"}},
		{"validate", []string{"validate", "--data", data, "--template", tmpl, "extra"}, []string{`validate takes no arguments, but got "extra"`}},
		{"preview", []string{"preview", "--data", data, "--template", tmpl, "extra"}, []string{`preview takes no arguments`}},
		{"status", []string{"status", "--state", "x.state", "extra"}, []string{`status takes no arguments`}},
		{"report", []string{"report", "--state", "x.state", "extra"}, []string{`report takes no arguments`}},
		{"a flag after the files of bounces", []string{"bounces", "a.eml", "--state", "x.state"},
			[]string{`bounces: the flags after "a.eml" were not read: --state; put the flags before the [FILE.eml...]`}},
		{"misspelt command", []string{"sned", "--data", data}, []string{`unknown command "sned"; did you mean "send"?`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mailrun(t, "", tt.args...)
			wantCode(t, r, 2)
			wantOneError(t, r, tt.want...)
		})
	}
	if n := len(srv.Transactions()); n != 0 {
		t.Errorf("the server received %d messages, want none", n)
	}
	if _, err := os.Stat(data + ".state"); !os.IsNotExist(err) {
		t.Errorf("a state file was made: %v", err)
	}
}
