package statefile_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

// holdLockEnv makes the test binary, started again by holdLock, open the
// journal it names, say so on stdout, and keep it open until stdin closes.
const holdLockEnv = "MAILRUN_TEST_HOLD_JOURNAL"

func init() {
	path := os.Getenv(holdLockEnv)
	if path == "" {
		return
	}
	j, err := statefile.Open(path, statefile.Header{TemplateHash: "h"})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println("open")
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = j.Close()
	os.Exit(0)
}

// holdLock starts another process that holds the journal at path open; it
// returns once the journal is open. Closing stdin lets the process close it.
func holdLock(t *testing.T, path string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdLockEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "open\n" {
		t.Fatalf("the other process did not open the journal: %q, %v", line, err)
	}
	return cmd, stdin
}

func TestJournalLockedByAnotherProcess(t *testing.T) {
	tests := []struct {
		name string
		end  func(cmd *exec.Cmd, stdin io.WriteCloser) error
	}{
		{"closed", func(_ *exec.Cmd, stdin io.WriteCloser) error { return stdin.Close() }},
		{"killed", func(cmd *exec.Cmd, _ io.WriteCloser) error { return cmd.Process.Kill() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.state")
			cmd, stdin := holdLock(t, path)
			_, err := statefile.Open(path, statefile.Header{TemplateHash: "h"})
			var le *campaign.LockedError
			if !errors.As(err, &le) || le.PID != cmd.Process.Pid {
				t.Fatalf("OpenJournal while another process holds it: %v, want *LockedError with pid %d", err, cmd.Process.Pid)
			}
			if err := tt.end(cmd, stdin); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			// The lock goes with the process, however it ended.
			closeJournal(t, openJournal(t, path, statefile.Header{TemplateHash: "h"}))
		})
	}
}

// TestJournalLockedWhateverThePath opens one state file by two paths at
// once: the second Open, or an OpenLedger (bounces take the lock a send
// takes), must find it locked.
func TestJournalLockedWhateverThePath(t *testing.T) {
	tests := []struct {
		name  string
		other func(t *testing.T, path string) string
	}{
		{"symbolic link", func(t *testing.T, path string) string {
			link := filepath.Join(t.TempDir(), "link.state")
			if err := os.Symlink(path, link); err != nil {
				t.Skip("no symbolic links here:", err)
			}
			return link
		}},
		{"hard link", func(t *testing.T, path string) string {
			link := filepath.Join(filepath.Dir(path), "hard.state")
			if err := os.Link(path, link); err != nil {
				t.Skip("no hard links here:", err)
			}
			return link
		}},
		{"dot dot", func(t *testing.T, path string) string {
			dir := filepath.Dir(path)
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
				t.Fatal(err)
			}
			return dir + "/sub/../" + filepath.Base(path)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.state")
			j := openJournal(t, path, header("h"))
			other := tt.other(t, path)
			_, err := statefile.Open(other, header("h"))
			var le *campaign.LockedError
			if !errors.As(err, &le) {
				t.Fatalf("Open(%s) while %s is open: %v, want *campaign.LockedError", other, path, err)
			}
			if _, err := statefile.OpenLedger(other); !errors.As(err, &le) {
				t.Errorf("OpenLedger(%s) while %s is open: %v, want *campaign.LockedError", other, path, err)
			}
			closeJournal(t, j)
			closeJournal(t, openJournal(t, other, header("h")))
		})
	}
}

func TestJournalLeavesNoLockFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.state")
	closeJournal(t, openJournal(t, path, header("h")))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("the folder holds %d files after a run, want only the state file", len(entries))
	}
}

// TestJournalCreatesNothingThroughASymlink plants a symbolic link where the
// state file will be: it must not create or truncate the link's target.
func TestJournalCreatesNothingThroughASymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "victim")
	path := filepath.Join(dir, "s.state")
	if err := os.Symlink(target, path); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	_, err := statefile.Open(path, header("h"))
	var ie *campaign.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Open through a dangling link: %v, want an *campaign.InputError about the link", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the link's target was created (%v)", err)
	}
	// A planted lock file of older versions is never touched either.
	victim := filepath.Join(dir, "precious")
	writeFile(t, victim, "keep me")
	if err := os.Symlink(victim, filepath.Join(dir, "t.state.lock")); err != nil {
		t.Fatal(err)
	}
	closeJournal(t, openJournal(t, filepath.Join(dir, "t.state"), header("h")))
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("the target of a planted .lock link was changed to %q", b)
	}
}

func TestJournalRefusesWhatIsNotAStateFile(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "notes.txt")
	writeFile(t, other, "not a state file\n")
	if err := os.Chmod(other, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := statefile.Open(other, header("h"))
	var ie *campaign.InputError
	if !errors.As(err, &ie) {
		t.Errorf("Open(a text file): %v, want *campaign.InputError", err)
	}
	if fi, _ := os.Stat(other); fi.Mode().Perm() != 0o644 {
		t.Errorf("the refused file's mode is %v, want it left at 0644", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(other); string(b) != "not a state file\n" {
		t.Errorf("the refused file was changed to %q", b)
	}

	fifo := filepath.Join(dir, "fifo.state")
	if err := mkfifo(fifo); err != nil {
		t.Skip("no named pipes here:", err)
	}
	_, err = statefile.Open(fifo, header("h"))
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "regular file") {
		t.Errorf("Open(a named pipe): %v, want *campaign.InputError: not a regular file", err)
	}
}

// writeFile writes content to path, mode 0600.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
