package statefile_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
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
