package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// binDir holds the mailrun binaries tests build; TestMain removes it.
var binDir = sync.OnceValues(func() (string, error) { return os.MkdirTemp("", "mailrun-bin-") })

// goBuild builds the mailrun command of the module in dir with extra go
// build flags into a new file and returns its path.
func goBuild(t *testing.T, dir, name string, flags ...string) string {
	t.Helper()
	bd, err := binDir()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(bd, name)
	cmd := exec.Command("go", append(append([]string{"build"}, flags...), "-o", out, "./cmd/mailrun")...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// mailrunBinary builds this checkout's mailrun command once per test run,
// as a user would in a checkout (with its version control stamp), and
// returns its path, for what only a real process shows (os.Args, the build
// information).
var builtOnce sync.Once
var builtPath string

func mailrunBinary(t *testing.T) string {
	t.Helper()
	builtOnce.Do(func() { builtPath = goBuild(t, "../..", "mailrun", "-buildvcs=true") })
	if builtPath == "" {
		t.Fatal("mailrun was not built")
	}
	return builtPath
}

func TestVersionFrom(t *testing.T) {
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build information", nil, "devel"},
		{"go install at a release", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0"},
		{"go build without VCS stamping", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{"go build in a checkout with changes", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201150611-62c5133547f3+dirty"},
			Settings: settings("vcs", "git", "vcs.revision", "62c5133547f328388e74a4271155525f76e72db6", "vcs.modified", "true")},
			"v0.0.0-20261201150611-62c5133547f3+dirty (commit 62c5133547f3, modified)"},
		{"VCS stamp without a module version", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: settings("vcs.revision", "62c5133547f328388e74a4271155525f76e72db6", "vcs.modified", "false")}, "devel (commit 62c5133547f3)"},
	}
	for _, tt := range tests {
		if got := versionFrom(tt.bi); got != tt.want {
			t.Errorf("%s: versionFrom = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestVersionOfABuildFromACheckout builds mailrun with go build in a git
// checkout and checks that --version names the commit, and whether the
// checkout had changes. Go does not read the VCS state of a git worktree:
// there the source is copied into a repository of its own first.
func TestVersionOfABuildFromACheckout(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		smtptest.Missing(t, "git", "install git")
	}
	repo := "../.."
	bin := mailrunBinary(t)
	if out, _ := exec.Command("go", "version", "-m", bin).Output(); !strings.Contains(string(out), "vcs.revision=") {
		repo = filepath.Join(t.TempDir(), "mailrun")
		copySource(t, "../..", repo)
		for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "source"}} {
			cmd := exec.Command("git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com"}, args...)...)
			cmd.Dir = repo
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git %v: %v\n%s", args, err, out)
			}
		}
		bin = goBuild(t, repo, "mailrun-vcs", "-buildvcs=true")
	}
	head, err := exec.Command("git", "-C", repo, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	status, err := exec.Command("git", "-C", repo, "status", "--porcelain").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := "(commit " + string(head[:12])
	if len(status) > 0 {
		want += ", modified)"
	} else {
		want += ")"
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), want) {
		t.Errorf("--version of a build at %s: %q, want it to contain %q", head[:12], out, want)
	}
}

// copySource copies the files of the module at src (but .git) to dst.
func copySource(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		switch {
		case d.Name() == ".git":
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
