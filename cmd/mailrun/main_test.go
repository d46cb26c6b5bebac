package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestMain clears the MAILRUN_ settings of the environment the tests run in,
// so that only the settings a test makes count.
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, envPrefix) && !strings.HasPrefix(name, "MAILRUN_TEST_") {
			os.Unsetenv(name)
		}
	}
	code := m.Run()
	if bd, err := binDir(); err == nil {
		os.RemoveAll(bd)
	}
	os.Exit(code)
}

// result is what one run of mailrun left behind.
type result struct {
	code           int
	stdout, stderr string
}

// mailrun runs the program in-process with args (without the program name)
// and stdin, as a user would from a shell.
func mailrun(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"mailrun"}, args...), strings.NewReader(stdin), &out, &errOut)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// wantCode fails the test unless r ended with code.
func wantCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

// wantOneError fails the test unless stderr holds exactly one "mailrun: "
// error line containing each of parts, and no Go stack trace.
func wantOneError(t *testing.T, r result, parts ...string) {
	t.Helper()
	if n := strings.Count(r.stderr, "mailrun: "); n != 1 {
		t.Errorf("stderr has %d \"mailrun: \" lines, want 1:\n%s", n, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "mailrun: ") {
		t.Errorf("stderr does not start with \"mailrun: \":\n%s", r.stderr)
	}
	for _, p := range parts {
		if !strings.Contains(r.stderr, p) {
			t.Errorf("stderr lacks %q:\n%s", p, r.stderr)
		}
	}
	for _, bad := range []string{"goroutine ", "panic", ".go:", "Incorrect Usage"} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("stderr contains %q:\n%s", bad, r.stderr)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown flag", []string{"validate", "--nope"}, []string{"validate", "-nope"}},
		{"unknown command", []string{"frobnicate"}, []string{`unknown command "frobnicate"`}},
		{"missing data", []string{"validate", "--template", "t.html"}, []string{"--data", "MAILRUN_DATA"}},
		{"missing template", []string{"preview", "--data", "d.csv"}, []string{"--template"}},
		{"bad int", []string{"preview", "--limit", "ten"}, []string{"limit"}},
		{"bad limit", []string{"preview", "--data", "d.csv", "--template", "t.html", "--limit", "0"}, []string{"--limit must be at least 1"}},
		{"no cells", []string{"validate", "--data", "d.csv", "--template", "t.html", "--max-row-cells", "0"}, []string{"--max-row-cells must be at least 1, not 0"}},
		{"no strings", []string{"validate", "--data", "d.csv", "--template", "t.html", "--max-xlsx-strings", "-1"}, []string{"--max-xlsx-strings must be at least 1, not -1"}},
		{"bad log format", []string{"validate", "--log-format", "xml"}, []string{"--log-format must be text or json"}},
		{"verbose and quiet", []string{"validate", "-v", "-q"}, []string{"exclude each other"}},
		{"bad delimiter", []string{"validate", "--data", "d.csv", "--template", "t.html", "--delimiter", ";;"}, []string{"--delimiter"}},
		{"missing config file", []string{"validate", "--config", "/nonexistent/mailrun.yaml"}, []string{"--config", "/nonexistent/mailrun.yaml"}},
		{"config URL", []string{"validate", "--config", "http://127.0.0.1:1/x.yaml"}, []string{"not a URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mailrun(t, "", tt.args...)
			wantCode(t, r, 2)
			wantOneError(t, r, tt.want...)
		})
	}
}

func TestBadEnvironmentValueIsUsageError(t *testing.T) {
	t.Setenv("MAILRUN_LIMIT", "lots")
	r := mailrun(t, "", "preview", "--data", "d.csv", "--template", "t.html")
	wantCode(t, r, 2)
	wantOneError(t, r, "MAILRUN_LIMIT")
}

func TestHelpShowsAnExamplePerCommand(t *testing.T) {
	for _, cmd := range []string{"preview", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			r := mailrun(t, "", cmd, "--help")
			wantCode(t, r, 0)
			if !strings.Contains(r.stdout, "mailrun "+cmd+" --data examples/") {
				t.Errorf("%s --help has no example:\n%s", cmd, r.stdout)
			}
			for _, flag := range []string{"--data", "--template", "--config", "--key", "--log-format"} {
				if !strings.Contains(r.stdout, flag) {
					t.Errorf("%s --help lacks %s", cmd, flag)
				}
			}
		})
	}
	r := mailrun(t, "", "--help")
	wantCode(t, r, 0)
	for _, cmd := range []string{"send", "preview", "validate", "status", "report", "bounces"} {
		if !strings.Contains(r.stdout, cmd) {
			t.Errorf("mailrun --help lacks the %s command:\n%s", cmd, r.stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	r := mailrun(t, "", "--version")
	wantCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "mailrun version ") {
		t.Errorf("--version printed %q", r.stdout)
	}
}

// TestHelpOfEveryCommand checks that each command's help has a
// description and names what every flag takes: no placeholder "value".
func TestHelpOfEveryCommand(t *testing.T) {
	for _, cmd := range []string{"send", "preview", "validate", "status", "report", "bounces"} {
		r := mailrun(t, "", cmd, "--help")
		wantCode(t, r, 0)
		if !strings.Contains(r.stdout, "DESCRIPTION:") {
			t.Errorf("%s --help has no description", cmd)
		}
		for _, l := range strings.Split(r.stdout, "\n") {
			if strings.Contains(l, " value ") && strings.HasPrefix(strings.TrimSpace(l), "--") {
				t.Errorf("%s --help: %s", cmd, strings.TrimSpace(l))
			}
		}
	}
}

// TestCommandsRunInParallel runs commands at once, as the parallel tests
// do: under -race it fails if setting an app up races with another
// (urfave/cli writes to package-level flags as it sets a command up).
func TestCommandsRunInParallel(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			r := mailrun(t, "", "status", "--state", filepath.Join(t.TempDir(), "none.state"))
			if r.code != exitInput {
				t.Errorf("status of a missing state file: exit %d\n%s", r.code, r.stderr)
			}
		})
	}
	wg.Wait()
}
