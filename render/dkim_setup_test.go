package render_test

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

// TestDKIMFaultOfEveryRowStopsSetup checks that a DKIM setting that would
// fail every message (here an RSA key of 512 bits, which Go refuses to sign
// with) is one *campaign.InputError at setup, not a failure per row.
func TestDKIMFaultOfEveryRowStopsSetup(t *testing.T) {
	const path = "testdata/dkim-rsa-512.pem"
	_, err := render.LoadDKIMKey(path)
	var ie *campaign.InputError
	if !errors.As(err, &ie) || ie.File != path || !strings.Contains(err.Error(), "RSA key of 512 bits") {
		t.Fatalf("LoadDKIMKey(512-bit key) = %v, want an input error naming the file and the size", err)
	}

	// The same key handed over without LoadDKIMKey: New finds it.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	key, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	_, err = newTemplate(t, t.TempDir(), "From: a@example.com\nTo: {{.email}}\n\nHi\n",
		render.Options{DKIM: &render.DKIM{Selector: "sel", Key: key}})
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "512") {
		t.Fatalf("New with a 512-bit key = %v, want an input error", err)
	}
}
