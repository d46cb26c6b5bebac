package statefile_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

// writeList writes content to name in dir and returns its path.
func writeList(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSuppressionContains(t *testing.T) {
	dir := t.TempDir()
	list := writeList(t, dir, "unsub.txt", "\ufeff# unsubscribed\n\nAnn@Example.com\n  @Blocked.Test  \nBob Smith <bob@example.org>\n")
	csv := writeList(t, dir, "bounces.csv", "# exported\nname,E-Mail Status,EMAIL\nCarol,x,carol@example.net\nnobody,,\nDan,y,\"dan@example.net\"\n")
	s, err := statefile.LoadSuppression(list, csv)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 5 {
		t.Errorf("Len = %d, want 5", s.Len())
	}
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"ann@example.com", true},
		{"ANN@EXAMPLE.COM", true},
		{"bob@example.org", true},
		{"carol@example.net", true},
		{"dan@example.net", true},
		{"anyone@blocked.test", true},
		{"x@BLOCKED.test", true},
		{"x@sub.blocked.test", false},
		{"ann@example.org", false},
		{"e-mail status", false},
		{"", false},
	} {
		if got := s.Contains(tc.addr); got != tc.want {
			t.Errorf("Contains(%q) = %v, want %v", tc.addr, got, tc.want)
		}
	}
	var none *campaign.Suppression
	if none.Contains("ann@example.com") || none.Len() != 0 {
		t.Error("a nil Suppression contains something")
	}
}

func TestSuppressionErrors(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		line          int
	}{
		{"not an address", "ann@example.com\n# fine\nnot an address\n", 3},
		{"bare at", "@\n", 1},
		{"domain with at", "@a@b.test\n", 1},
		{"csv without email column", "name,address\nAnn,ann@example.com\n", 1},
		{"csv bad cell", "email\nann@example.com\nno-at-sign\n", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeList(t, t.TempDir(), "list", tc.content)
			_, err := statefile.LoadSuppression(p)
			var ie *campaign.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an *campaign.InputError", err)
			}
			if ie.File != p || ie.Line != tc.line {
				t.Errorf("error at %s:%d, want %s:%d (%v)", ie.File, ie.Line, p, tc.line, err)
			}
		})
	}
	_, err := statefile.LoadSuppression(filepath.Join(t.TempDir(), "missing"))
	var ie *campaign.InputError
	if !errors.As(err, &ie) {
		t.Errorf("missing file: err = %v, want an *campaign.InputError", err)
	}
}

func FuzzLoadSuppression(f *testing.F) {
	for _, seed := range []string{
		"ann@example.com\n@blocked.test\n# c\n\n",
		"email\nann@example.com\n",
		"name,email\n\"A, B\",b@example.com\n,\n",
		"\ufeffEmail\r\nx@y.z\r\n",
		"@\n",
		"a,\"b\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, content string) {
		p := writeList(t, t.TempDir(), "list", content)
		s, err := statefile.LoadSuppression(p)
		if err != nil {
			var ie *campaign.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *campaign.InputError", err)
			}
			return
		}
		s.Contains(content)
	})
}
