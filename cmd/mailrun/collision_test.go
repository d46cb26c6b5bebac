package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// TestCollidingAddressesBothGetTheirMessage sends to two addresses with the
// same 64-bit FNV-1a hash (see campaign's collision test): neither may be
// taken for a duplicate of the other.
func TestCollidingAddressesBothGetTheirMessage(t *testing.T) {
	a, b := "9d3655414a6dcb64@x.io", "56b3c067732dc400@x.io"
	_, tmpl := sendCampaign(t, 0)
	data := filepath.Join(t.TempDir(), "list.csv")
	writeFile(t, data, "email,name\n"+a+",A\n"+b+",B\n")
	r := mailrun(t, "", "validate", "--data", data, "--template", tmpl)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "2 messages") || !strings.Contains(r.stdout, "0 duplicate keys") {
		t.Errorf("validate does not count two messages and no duplicate:\n%s", r.stdout)
	}
	srv := smtptest.Start(t)
	wantCode(t, mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+srv.Addr(), "-q"), 0)
	got := srv.PerRecipient()
	if got[a] != 1 || got[b] != 1 {
		t.Errorf("the server received %v, want one message for each address", got)
	}
}
