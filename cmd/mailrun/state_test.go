package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// TestSendStateLockedWhateverThePath starts a slow run, then a second run
// of the same campaign whose --state reaches the same state file another
// way: the second must exit 7 and send nothing.
func TestSendStateLockedWhateverThePath(t *testing.T) {
	if testing.Short() {
		t.Skip("runs mailrun as a process")
	}
	mc := newMessageCounter()
	mc.mark.Store(1)
	srv := smtptest.Start(t, smtptest.Hook(mc.hook))
	data, tmpl := sendCampaign(t, 50)
	dir := filepath.Dir(data)
	state := filepath.Join(dir, "s.state")
	first := startChild(t, "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+srv.Addr(), "--state", state, "--rate", "1/m", "-q")
	select {
	case <-mc.hit:
	case <-first.exited:
		t.Fatalf("the first run ended early:\n%s", first.out.String())
	}
	symlink := filepath.Join(t.TempDir(), "link.state")
	if err := os.Symlink(state, symlink); err != nil {
		t.Fatal(err)
	}
	hardlink := filepath.Join(dir, "hard.state")
	if err := os.Link(state, hardlink); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{symlink, hardlink, filepath.Join(dir, "sub", "..", "s.state")} {
		r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+srv.Addr(), "--state", other)
		wantCode(t, r, 7)
		wantOneError(t, r, "in use by another mailrun (pid")
	}
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := first.code(); code != 130 {
		t.Fatalf("first run: exit %d after SIGTERM, want 130:\n%s", code, first.out.String())
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("the server received %d messages, want the first run's 1", n)
	}
	if _, err := os.Lstat(state + ".lock"); !os.IsNotExist(err) {
		t.Errorf("a lock file was left beside the state file (%v)", err)
	}
}

func TestSendStateOfAnotherDataFileExits7(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmpl := sendCampaign(t, 2)
	state := data + ".state"
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+srv.Addr(), "-q")
	wantCode(t, r, 0)

	other := filepath.Join(filepath.Dir(data), "other.csv")
	writeFile(t, other, "email,name\nr1@example.com,R 1\nnew@example.com,New\n")
	args := []string{"send", "--data", other, "--template", tmpl, "--smtp", "smtp://" + srv.Addr(), "--state", state, "-q"}
	r = mailrun(t, "", args...)
	wantCode(t, r, 7)
	wantOneError(t, r, "another data file", "--allow-data-change")
	if n := len(srv.Messages()); n != 2 {
		t.Fatalf("the server has %d messages after the refused run, want 2", n)
	}

	// The same file by another path, grown by a row, is the same campaign.
	t.Chdir(filepath.Dir(data))
	writeFile(t, data, "email,name\nr1@example.com,R 1\nr2@example.com,R 2\nr3@example.com,R 3\n")
	r = mailrun(t, "", "send", "--data", "./list.csv", "--template", tmpl, "--smtp", "smtp://"+srv.Addr(), "--state", state, "-q")
	wantCode(t, r, 0)
	if n := len(srv.Messages()); n != 3 {
		t.Fatalf("the server has %d messages after the appended row, want 3", n)
	}

	r = mailrun(t, "", append(args, "--allow-data-change")...)
	wantCode(t, r, 0)
	if got := srv.Messages(); len(got) != 4 || !strings.Contains(strings.Join(got[3].To, ","), "new@example.com") {
		t.Errorf("after --allow-data-change the server has %d messages, want the new recipient's as the 4th", len(got))
	}
}
