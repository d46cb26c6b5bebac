//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// TestWarnsOfSecretFilesOthersCanRead checks that a password file and a
// DKIM key that others may read are named in a warning that never shows
// the secret, once (send reads the key once), and that mode 0600 gives
// none (the config file: TestConfigPasswordReadableByOthersWarns).
func TestWarnsOfSecretFilesOthersCanRead(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Auth("joe", "s3cret"))
	for _, mode := range []os.FileMode{0o644, 0o600} {
		data, tmpl := sendCampaign(t, 1)
		pw := filepath.Join(t.TempDir(), "pw")
		writeFile(t, pw, "s3cret\n")
		key, _ := ed25519KeyFile(t)
		for _, f := range []string{pw, key} {
			if err := os.Chmod(f, mode); err != nil {
				t.Fatal(err)
			}
		}
		r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://joe@"+srv.Addr(), "--auth", "plain",
			"--smtp-password-file", pw, "--dkim-key", key, "--dkim-selector", "s")
		wantCode(t, r, 0)
		for _, w := range []struct{ file, what string }{{pw, "--smtp-password-file holds a secret"}, {key, "--dkim-key holds a private key"}} {
			warned := strings.Count(r.stderr, w.what+" but others may read it (mode -rw-r--r--)")
			if !strings.Contains(r.stderr, "file="+w.file) {
				warned = 0
			}
			if want := map[bool]int{true: 1, false: 0}[mode == 0o644]; warned != want {
				t.Errorf("mode %v: warned about %s %d times, want %d:\n%s", mode, w.file, warned, want, r.stderr)
			}
		}
		if strings.Contains(r.stderr+r.stdout, "s3cret") {
			t.Errorf("the secret shows in the output:\n%s", r.stderr)
		}
	}
}
