//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWarnsOfSecretFilesOthersCanRead(t *testing.T) {
	data, tmpl := sendCampaign(t, 1)
	dir := t.TempDir()
	pw, cfg, key := filepath.Join(dir, "pw"), filepath.Join(dir, "mailrun.yaml"), filepath.Join(dir, "dkim.pem")
	writeFile(t, pw, "s3cret\n")
	writeFile(t, cfg, "smtp-password: s3cret\n")
	writeFile(t, key, "not even a key\n")
	for _, f := range []string{pw, cfg} {
		if err := os.Chmod(f, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--dry-run", "--outbox", filepath.Join(dir, "out"),
		"--config", cfg, "--smtp-password-file", pw, "--dkim-key", key, "--dkim-selector", "s")
	for _, want := range []string{"file=" + pw, "file=" + cfg} {
		if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "readable by other users") {
			t.Errorf("no warning about %s:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "file="+key) {
		t.Errorf("a warning about %s, which is mode 0600:\n%s", key, r.stderr)
	}
	if strings.Contains(r.stderr, "s3cret") {
		t.Errorf("the secret shows in the output:\n%s", r.stderr)
	}
}
