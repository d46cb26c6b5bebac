package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/source"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/render"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// readRows calls fn with every row of the data file at path.
func readRows(t *testing.T, path string, fn func(map[string]string)) {
	t.Helper()
	src, err := source.Open(path, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for {
		row, err := src.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		fn(row.Fields)
	}
}

// sendCampaign writes a campaign of n recipients (r1..rN@example.com) into
// a temporary folder and returns the paths of its data and template.
func sendCampaign(t *testing.T, n int) (data, tmpl string) {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("email,name\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "r%d@example.com,R %d\n", i, i)
	}
	data, tmpl = filepath.Join(dir, "list.csv"), filepath.Join(dir, "t.html")
	writeFile(t, data, b.String())
	writeFile(t, tmpl, "From: a@example.com\nTo: {{.name}} <{{.email}}>\nSubject: hi {{.name}}\n\n<p>Hi {{.name}}</p>\n")
	return data, tmpl
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestSendExitCodes(t *testing.T) {
	tests := []struct {
		name    string
		opts    []smtptest.Option
		args    []string
		env     map[string]string
		code    int
		stderr  []string
		nothing bool // the server must receive nothing
	}{
		{name: "all delivered", code: 0},
		{name: "a permanent failure", opts: []smtptest.Option{smtptest.FailRcpt(550, 0, "r2@example.com")}, code: 4, stderr: []string{"1 rows failed permanently", "mailrun status --state"}},
		{name: "a temporary failure after retries", opts: []smtptest.Option{smtptest.FailData(451, 0, "r3@example.com")}, args: []string{"--retries", "1", "--retry-wait", "1ms"}, code: 5, stderr: []string{"run the same command again"}},
		{name: "authentication fails", opts: []smtptest.Option{smtptest.Auth("joe", "right")}, args: []string{"--auth", "plain"}, env: map[string]string{"MAILRUN_SMTP_PASSWORD": "s3cret-wrong"}, code: 6, nothing: true},
		{name: "a column the template needs is missing", args: []string{"--key", "id"}, code: 3, nothing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts...)
			data, tmpl := sendCampaign(t, 4)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			user := ""
			if tt.env["MAILRUN_SMTP_PASSWORD"] != "" {
				user = "joe@"
			}
			args := append([]string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://" + user + srv.Addr(), "-q"}, tt.args...)
			r := mailrun(t, "", args...)
			wantCode(t, r, tt.code)
			for _, s := range tt.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			if strings.Contains(r.stderr+r.stdout, "s3cret") {
				t.Errorf("the password shows in the output:\n%s\n%s", r.stdout, r.stderr)
			}
			if tt.nothing && len(srv.Messages()) != 0 {
				t.Errorf("the server received %d messages, want none", len(srv.Messages()))
			}
		})
	}
}

func TestSendNeedsSMTPOrDryRun(t *testing.T) {
	data, tmpl := sendCampaign(t, 1)
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl)
	wantCode(t, r, 2)
	wantOneError(t, r, "--smtp", "--dry-run")
}

func TestSendRefusesPasswordInURL(t *testing.T) {
	data, tmpl := sendCampaign(t, 1)
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://joe:hunter2@127.0.0.1:1")
	wantCode(t, r, 2)
	wantOneError(t, r, "MAILRUN_SMTP_PASSWORD")
	if strings.Contains(r.stderr, "hunter2") {
		t.Fatalf("the error repeats the password:\n%s", r.stderr)
	}
}

func TestSendLockedStateExits7(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmpl := sendCampaign(t, 2)
	j, err := statefile.Open(data+".state", statefile.Header{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+srv.Addr())
	wantCode(t, r, 7)
	wantOneError(t, r, fmt.Sprint(os.Getpid()))
	if len(srv.Messages()) != 0 {
		t.Fatalf("the server received %d messages, want none", len(srv.Messages()))
	}
}

func TestSendDryRunNeverTouchesTheRealState(t *testing.T) {
	data, tmpl := sendCampaign(t, 3)
	outbox := filepath.Join(t.TempDir(), "outbox")
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--dry-run", "--outbox", outbox, "-q")
	wantCode(t, r, 0)
	files, err := filepath.Glob(filepath.Join(outbox, "*.eml"))
	if err != nil || len(files) != 3 {
		t.Fatalf("outbox has %d .eml files (%v), want 3", len(files), err)
	}
	if _, err := os.Stat(data + ".state"); !os.IsNotExist(err) {
		t.Fatalf("the dry run made the real state file (%v)", err)
	}
	// A real run afterwards sends all three.
	srv := smtptest.Start(t)
	r = mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+srv.Addr(), "-q")
	wantCode(t, r, 0)
	if len(srv.Messages()) != 3 {
		t.Fatalf("the real run after a dry run sent %d messages, want 3", len(srv.Messages()))
	}
}

func TestSendResumeSendsNothingTwice(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmpl := sendCampaign(t, 5)
	args := []string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://" + srv.Addr(), "-q"}
	wantCode(t, mailrun(t, "", append(args, "--limit", "2")...), 0)
	wantCode(t, mailrun(t, "", args...), 0)
	wantCode(t, mailrun(t, "", args...), 0)
	if n := len(srv.Messages()); n != 5 {
		t.Fatalf("three runs sent %d messages, want 5", n)
	}
}

func TestSendUnknownSkipLeavesUnknownOutcomesAlone(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmplPath := sendCampaign(t, 3)
	// A state file in which row 2's last attempt has no outcome, as after a
	// crash between the data and the server's reply.
	tmpl, err := render.New(tmplPath, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	j, err := statefile.Open(data+".state", statefile.Header{TemplateHash: tmpl.Hash()})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Sending(&campaign.Message{Row: 2, Key: "r2@example.com", ID: "x@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	args := []string{"send", "--data", data, "--template", tmplPath, "--smtp", "smtp://" + srv.Addr(), "-q"}
	r := mailrun(t, "", append(args, "--unknown", "skip")...)
	wantCode(t, r, 5)
	wantOneError(t, r, "1 message whose outcome is unknown", "--unknown send")
	if strings.Contains(r.stderr, "run the same command again to retry") {
		t.Errorf("with --unknown skip the error says the same command retries them:\n%s", r.stderr)
	}
	if got := srv.PerRecipient(); got["r2@example.com"] != 0 || got["r1@example.com"] != 1 || got["r3@example.com"] != 1 {
		t.Fatalf("with --unknown skip the server got %v, want r1 and r3 only", got)
	}
	// By default the unknown one is sent again.
	wantCode(t, mailrun(t, "", args...), 0)
	if got := srv.PerRecipient(); got["r2@example.com"] != 1 || len(srv.Messages()) != 3 {
		t.Fatalf("the default run got %v, want r2 sent once more", got)
	}
}

func TestSendLogsJSONStats(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmpl := sendCampaign(t, 5)
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+srv.Addr(), "--log-format", "json")
	wantCode(t, r, 0)
	var finished map[string]any
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("stderr line is not JSON: %q", line)
		}
		if rec["msg"] == "finished" {
			finished = rec
		}
	}
	if finished == nil {
		t.Fatalf("no \"finished\" stats line in:\n%s", r.stderr)
	}
	if sent, ok := finished["sent"].(float64); !ok || sent != 5 {
		t.Errorf("finished line says sent=%v, want the number 5", finished["sent"])
	}
	if _, ok := finished["msgs_per_sec"].(float64); !ok {
		t.Errorf("msgs_per_sec is %T, want a number", finished["msgs_per_sec"])
	}
}
