package render_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/render"
)

func TestDKIMKeyErrorsInPlainWords(t *testing.T) {
	dir := t.TempDir()
	for name, tt := range map[string]struct{ content, want string }{
		"no PEM":       {"garbage\n", "the file has no PEM block"},
		"damaged body": {"-----BEGIN PRIVATE KEY-----\naGVsbG8gd29ybGQgZ2FyYmFnZSBkYXRh\n-----END PRIVATE KEY-----\n", "does not hold a readable private key"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".pem")
		if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := render.LoadDKIMKey(path)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "asn1") {
			t.Errorf("%s: %v, want %q and no asn1 internals", name, err, tt.want)
		}
	}
}
