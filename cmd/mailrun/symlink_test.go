package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// plantLinks makes each of names in dir a symbolic link to a file of its
// own outside dir, and returns a func that fails the test if any of those
// files changed.
func plantLinks(t *testing.T, dir string, names ...string) func() {
	t.Helper()
	outside := t.TempDir()
	for _, name := range names {
		victim := filepath.Join(outside, name)
		writeFile(t, victim, "precious")
		if err := os.Symlink(victim, filepath.Join(dir, name)); err != nil {
			t.Skip("no symbolic links here:", err)
		}
	}
	return func() {
		t.Helper()
		for _, name := range names {
			if b, err := os.ReadFile(filepath.Join(outside, name)); err != nil || string(b) != "precious" {
				t.Errorf("the file that %s linked to was changed: %q, %v", name, b, err)
			}
		}
	}
}

func TestPreviewAndDryRunNeverWriteThroughLinks(t *testing.T) {
	dir := t.TempDir()
	check := plantLinks(t, dir, "index.html", "000001-minji.kim@example.com.eml", "000001-minji.kim@example.com.envelope")
	args := append(append([]string{"preview"}, newsletterArgs()...), "--out", dir)
	wantCode(t, mailrun(t, "", args...), 0)
	check()

	outbox := t.TempDir()
	check = plantLinks(t, outbox, "000001-r1@example.com.eml")
	data, tmpl := sendCampaign(t, 2)
	wantCode(t, mailrun(t, "", "send", "--data", data, "--template", tmpl, "--dry-run", "--outbox", outbox, "-q"), 0)
	check()
}

func TestStatusAndReportNeverWriteThroughLinks(t *testing.T) {
	srv := smtptest.Start(t, smtptest.FailRcpt(550, 0, "r2@example.com"))
	data, tmpl := sendCampaign(t, 3)
	wantCode(t, mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+srv.Addr(), "-q"), 4)
	dir := t.TempDir()
	check := plantLinks(t, dir, "failed.csv", "refused.txt", "outcomes.csv", "report.html")
	for _, args := range [][]string{
		{"status", "--data", data, "--failed-csv", filepath.Join(dir, "failed.csv")},
		{"status", "--suppress-out", filepath.Join(dir, "refused.txt")},
		{"status", "--csv", filepath.Join(dir, "outcomes.csv")},
		{"report", "--out", filepath.Join(dir, "report.html")},
	} {
		r := mailrun(t, "", append(append(args[:1:1], "--state", data+".state"), args[1:]...)...)
		if r.code == 0 {
			t.Errorf("%v wrote through a symbolic link:\n%s", args, r.stdout)
		}
		wantOneError(t, r, "symbolic link")
	}
	check()
}
