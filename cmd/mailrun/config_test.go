package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// writeConfig writes a YAML config file into a new folder and returns its
// path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mailrun.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPrecedence proves flag > env > config file > default on --out, whose
// effect a user sees: where preview writes its files.
func TestPrecedence(t *testing.T) {
	data, err := filepath.Abs(example("newsletter/recipients.csv"))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := filepath.Abs(example("newsletter/template.md"))
	if err != nil {
		t.Fatal(err)
	}
	layout, partials := filepath.Join(filepath.Dir(tmpl), "layout.html"), filepath.Join(filepath.Dir(tmpl), "partials")
	work := t.TempDir()
	t.Chdir(work)
	dirs := map[string]string{
		"default": filepath.Join(work, "preview"),
		"config":  filepath.Join(work, "from-config"),
		"env":     filepath.Join(work, "from-env"),
		"flag":    filepath.Join(work, "from-flag"),
	}
	// The config file also supplies --data and --template.
	cfg := writeConfig(t, "data: "+data+"\ntemplate: "+tmpl+"\nlayout: "+layout+"\npartials: "+partials+"\nlimit: 1\nout: "+dirs["config"]+"\n")

	tests := []struct {
		level string
		env   map[string]string
		args  []string
	}{
		{"default", nil, []string{"preview", "--data", data, "--template", tmpl, "--layout", layout, "--partials", partials, "--limit", "1"}},
		{"config", nil, []string{"preview", "--config", cfg}},
		{"env", map[string]string{"MAILRUN_OUT": dirs["env"]}, []string{"preview", "--config", cfg}},
		{"flag", map[string]string{"MAILRUN_OUT": dirs["env"]}, []string{"preview", "--config", cfg, "--out", dirs["flag"]}},
	}
	t.Setenv("MAILRUN_OUT", "") // restored when the test ends
	for _, tt := range tests {
		for _, d := range dirs {
			if err := os.RemoveAll(d); err != nil {
				t.Fatal(err)
			}
		}
		os.Unsetenv("MAILRUN_OUT")
		for k, v := range tt.env {
			t.Setenv(k, v)
		}
		r := mailrun(t, "", tt.args...)
		wantCode(t, r, 0)
		for level, d := range dirs {
			_, err := os.Stat(filepath.Join(d, "index.html"))
			switch {
			case level == tt.level && err != nil:
				t.Errorf("%s level: no index.html in %s: %v", tt.level, d, err)
			case level != tt.level && err == nil:
				t.Errorf("%s level: preview wrote to the %s level's %s", tt.level, level, d)
			}
		}
		if got := len(emlFiles(t, dirs[tt.level])); got != 1 {
			t.Errorf("%s level: %d .eml files, want 1 (--limit 1 from the flag or the config)", tt.level, got)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "wokers: 4\n", []string{`unknown key "wokers"`}},
		{"wrong type", "limit: ten\n", []string{"limit"}},
		{"not a mapping", "- data\n- template\n", []string{"want a mapping"}},
		{"not YAML", "data: [\n", []string{"mailrun.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeConfig(t, tt.yaml)
			r := mailrun(t, "", append([]string{"preview", "--config", cfg}, newsletterArgs()...)...)
			wantCode(t, r, 2)
			wantOneError(t, r, append(tt.want, "--config "+cfg)...)
		})
	}
}

func TestConfigMayHoldOtherCommandsKeys(t *testing.T) {
	// One config file serves every command: send's keys do not upset
	// validate.
	cfg := writeConfig(t, "workers: 8\nsmtp-password: secret\nlimit: 3\n")
	r := mailrun(t, "", append([]string{"validate", "--config", cfg}, newsletterArgs()...)...)
	wantCode(t, r, 0)
	if strings.Contains(r.stdout+r.stderr, "secret") {
		t.Error("the password from the config file was printed")
	}
}

func TestLogFlags(t *testing.T) {
	t.Setenv("MAILRUN_LOG_FORMAT", "json")
	r := mailrun(t, "", append([]string{"validate", "-v"}, newsletterArgs()...)...)
	wantCode(t, r, 0)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.stderr == "" {
		t.Fatal("-v logged nothing")
	}
	for _, l := range lines {
		var rec struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("MAILRUN_LOG_FORMAT=json: a log line is not JSON: %q", l)
		}
		if rec.Level != "DEBUG" && rec.Level != "INFO" {
			t.Errorf("log line at level %q", rec.Level)
		}
	}
	r = mailrun(t, "", append([]string{"validate", "-q"}, newsletterArgs()...)...)
	wantCode(t, r, 0)
	if r.stderr != "" {
		t.Errorf("-q logged:\n%s", r.stderr)
	}
}

// TestConfigPasswordReadableByOthersWarns checks that a config file that
// holds smtp-password and that others may read is named in a warning,
// which never shows the password; mode 0600 gives none.
func TestConfigPasswordReadableByOthersWarns(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Auth("joe", "s3cret-right"))
	for _, mode := range []os.FileMode{0o644, 0o600} {
		data, tmpl := sendCampaign(t, 1)
		cfg := writeConfig(t, "smtp-password: s3cret-right\n")
		if err := os.Chmod(cfg, mode); err != nil {
			t.Fatal(err)
		}
		r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://joe@"+srv.Addr(), "--auth", "plain", "--config", cfg)
		wantCode(t, r, 0)
		warned := strings.Contains(r.stderr, "holds smtp-password but others may read it (mode -rw-r--r--)")
		if warned != (mode == 0o644) {
			t.Errorf("mode %v: warned %v:\n%s", mode, warned, r.stderr)
		}
		if strings.Contains(r.stderr+r.stdout, "s3cret") {
			t.Errorf("the password shows:\n%s", r.stderr)
		}
	}
}
