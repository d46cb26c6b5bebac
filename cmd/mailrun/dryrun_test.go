package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDryRunChecksSendingFlags checks that a dry run refuses the sending
// settings a real run refuses, with the same exit code, before it writes
// anything.
func TestDryRunChecksSendingFlags(t *testing.T) {
	data, tmpl := sendCampaign(t, 3)
	pwFile := filepath.Join(t.TempDir(), "missing-password")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"rate without a unit", []string{"--rate", "10"}, "--rate"},
		{"unknown TLS policy", []string{"--tls-policy", "bogus"}, `--tls-policy: sender: TLS policy "bogus"`},
		{"not an SMTP URL", []string{"--smtp", "ftp://x"}, `SMTP URL scheme "ftp"`},
		{"unknown AUTH mechanism", []string{"--auth", "bogus"}, `AUTH mechanism "bogus"`},
		{"negative workers", []string{"--workers", "-1"}, "must not be negative"},
		{"unreadable password file", []string{"--smtp-password-file", pwFile}, "--smtp-password-file"},
		{"negative limit", []string{"--limit", "-5"}, "--limit must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outbox := filepath.Join(t.TempDir(), "outbox")
			for _, dry := range []bool{false, true} {
				args := append([]string{"send", "--data", data, "--template", tmpl}, tt.args...)
				if dry {
					args = append(args, "--dry-run", "--outbox", outbox)
				} else if !strings.HasPrefix(strings.Join(tt.args, " "), "--smtp ") {
					args = append(args, "--smtp", "smtp://127.0.0.1:1")
				}
				r := mailrun(t, "", args...)
				wantCode(t, r, 2)
				wantOneError(t, r, tt.want)
			}
			if files, _ := filepath.Glob(filepath.Join(outbox, "*.eml")); len(files) > 0 {
				t.Errorf("the refused dry run wrote %d messages", len(files))
			}
		})
	}
}

// TestDryRunStartsAfresh checks that each dry run writes every message
// again, into an outbox without the files of the last one, even after the
// template changed; --resume goes on from the last dry run instead.
func TestDryRunStartsAfresh(t *testing.T) {
	data, tmpl := sendCampaign(t, 3)
	outbox := filepath.Join(t.TempDir(), "outbox")
	dry := []string{"send", "--data", data, "--template", tmpl, "--dry-run", "--outbox", outbox}

	r := mailrun(t, "", dry...)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "written (.eml)") || strings.Contains(r.stdout, "delivered") {
		t.Errorf("a dry run's summary must say written, not delivered:\n%s", r.stdout)
	}
	stale := filepath.Join(outbox, "000099-gone@example.com.eml")
	writeFile(t, stale, "from an older dry run")
	keep := filepath.Join(outbox, "notes.txt")
	writeFile(t, keep, "mine")

	// The template changes: a fresh dry run neither skips nor refuses.
	b, err := os.ReadFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, tmpl, strings.Replace(string(b), "Subject: hi", "Subject: hello", 1))
	r = mailrun(t, "", dry...)
	wantCode(t, r, 0)
	if !summaryHas(r.stdout, "written (.eml)", 3) || strings.Contains(r.stdout, "skipped") {
		t.Errorf("the second dry run did not write all 3 messages again:\n%s", r.stdout)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the outbox kept a message of an earlier dry run (%v)", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("the outbox lost a file that is not a message: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(outbox, "*.eml"))
	if len(files) != 3 {
		t.Errorf("outbox holds %d .eml files, want 3", len(files))
	}

	// --resume goes on: everything is done already.
	r = mailrun(t, "", append(dry, "--resume")...)
	wantCode(t, r, 0)
	if !summaryHas(r.stdout, "skipped (earlier run)", 3) {
		t.Errorf("--resume did not go on from the last dry run:\n%s", r.stdout)
	}
	// --resume means nothing to a real run, which always resumes.
	r = mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://127.0.0.1:1", "--resume")
	wantCode(t, r, 2)
	wantOneError(t, r, "--resume is for --dry-run")
}

// summaryHas reports whether the summary table of a send in out has the
// line label with the count n.
func summaryHas(out, label string, n int) bool {
	for _, l := range strings.Split(out, "\n") {
		if f := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), label)); strings.HasPrefix(strings.TrimSpace(l), label) && f == strconv.Itoa(n) {
			return true
		}
	}
	return false
}
