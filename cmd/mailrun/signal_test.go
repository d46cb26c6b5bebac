//go:build unix

package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// stopWithin is how long a stopped run may take to exit when nothing is on
// the wire: about a second, with room for a loaded machine. The waits a
// stop must end last 10 seconds (--rate 6/m) to an hour.
const stopWithin = 5 * time.Second

// signalRun starts mailrun send on a fresh campaign of rows recipients into
// srv with args added, and returns the process and the state file.
func signalRun(t *testing.T, srv *smtptest.Server, rows int, args ...string) (*child, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs mailrun as a process")
	}
	data, tmpl := sendCampaign(t, rows)
	c := startChild(t, append([]string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://" + srv.Addr()}, args...)...)
	return c, data + ".state"
}

// stop sends sig to c and returns its exit code, failing the test unless it
// exits within stopWithin.
func stop(t *testing.T, c *child, sig syscall.Signal) int {
	t.Helper()
	if err := c.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.exited:
	case <-time.After(stopWithin):
		_ = c.cmd.Process.Kill()
		<-c.exited
		t.Fatalf("mailrun did not exit within %v of %v:\n%s", stopWithin, sig, c.out.String())
	}
	return c.cmd.ProcessState.ExitCode()
}

// waitFor fails the test unless ch is closed within d.
func waitFor(t *testing.T, c *child, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-c.exited:
		t.Fatalf("mailrun ended before %s:\n%s", what, c.out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// TestSignalsStopEveryWait stops runs whose workers wait for the rate
// limit: the first signal must end the waits at once, no message may leave
// after it, and the summary and state must say what happened.
func TestSignalsStopEveryWait(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			srv := smtptest.Start(t)
			c, state := signalRun(t, srv, 20, "--rate", "6/m", "--workers", "4")
			waitFor(t, c, srv.Received(1), "the first message")
			if code := stop(t, c, sig); code != 130 {
				t.Fatalf("exit code %d after %v, want 130:\n%s", code, sig, c.out.String())
			}
			out := c.out.String()
			for _, want := range []string{"delivered                           1", "run the same command again to resume"} {
				if !strings.Contains(out, want) {
					t.Errorf("the output lacks %q:\n%s", want, out)
				}
			}
			st, err := statefile.Read(state)
			if err != nil {
				t.Fatal(err)
			}
			if st.Counts.Delivered != 1 || len(st.Unknowns) != 0 {
				t.Errorf("state: %d delivered, %d unknown; want 1 and 0", st.Counts.Delivered, len(st.Unknowns))
			}
			if n := len(srv.Messages()); n != 1 {
				t.Errorf("the server has %d messages, want the 1 sent before the stop", n)
			}
		})
	}
}

func TestSignalEndsRetryWaitAndConnect(t *testing.T) {
	t.Run("retry backoff", func(t *testing.T) {
		var first atomic.Bool
		srv := smtptest.Start(t, smtptest.Hook(func(m smtptest.Message) *smtp.SMTPError {
			if first.CompareAndSwap(false, true) {
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
			}
			return nil
		}))
		// One worker: once the second row arrives, the first waits out its
		// hour of backoff.
		c, state := signalRun(t, srv, 2, "--workers", "1", "--retry-wait", "1h")
		waitFor(t, c, srv.Received(1), "the second row")
		if code := stop(t, c, syscall.SIGTERM); code != 130 {
			t.Fatalf("exit code %d, want 130:\n%s", code, c.out.String())
		}
		st, err := statefile.Read(state)
		if err != nil {
			t.Fatal(err)
		}
		if st.Counts.Delivered != 1 || st.Counts.Deferred != 1 {
			t.Errorf("state: %+v, want 1 delivered and 1 deferred", st.Counts)
		}
	})
	t.Run("a server that never greets", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		accepted := make(chan struct{})
		go func() {
			var conns []net.Conn
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				if conns = append(conns, c); len(conns) == 1 {
					close(accepted)
				}
			}
		}()
		data, tmpl := sendCampaign(t, 3)
		c := startChild(t, "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+ln.Addr().String(), "--timeout", "10m")
		waitFor(t, c, accepted, "the connection")
		if code := stop(t, c, syscall.SIGINT); code != 130 {
			t.Fatalf("exit code %d, want 130:\n%s", code, c.out.String())
		}
	})
}

// TestSecondSignalQuitsAtOnce stops a run while a message waits for the
// server's reply to its final dot: the first signal waits for it, the
// second quits at once and leaves a state file that reads whole.
func TestSecondSignalQuitsAtOnce(t *testing.T) {
	hold := make(chan struct{})
	onWire := make(chan struct{})
	var n atomic.Int64
	srv := smtptest.Start(t, smtptest.Hook(func(m smtptest.Message) *smtp.SMTPError {
		if n.Add(1) == 2 {
			close(onWire)
			<-hold
		}
		return nil
	}))
	defer close(hold)
	c, state := signalRun(t, srv, 10, "--workers", "1")
	waitFor(t, c, onWire, "the second message")
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.exited:
		t.Fatalf("mailrun exited on the first signal with a message on the wire:\n%s", c.out.String())
	case <-time.After(200 * time.Millisecond):
	}
	if code := stop(t, c, syscall.SIGINT); code != 130 {
		t.Fatalf("exit code %d after the second signal, want 130:\n%s", code, c.out.String())
	}
	st, err := statefile.Read(state)
	if err != nil {
		t.Fatalf("the state file does not read after the second signal: %v", err)
	}
	if st.Counts.Delivered != 1 || len(st.Unknowns) != 1 {
		t.Errorf("state: %d delivered, %d unknown; want 1 and the 1 on the wire", st.Counts.Delivered, len(st.Unknowns))
	}
}

// TestKillDuringRateWaitBooksNothingUnknown kills mailrun with SIGKILL while
// its workers wait for the rate limit: rows that never left must not be
// recorded as unknown (--unknown skip would then skip them for good).
func TestKillDuringRateWaitBooksNothingUnknown(t *testing.T) {
	srv := smtptest.Start(t)
	const rows = 12
	c, state := signalRun(t, srv, rows, "--rate", "6/m", "--workers", "4")
	waitFor(t, c, srv.Received(1), "the first message")
	// Each worker dials before it waits for the rate limit.
	deadline := time.Now().Add(30 * time.Second)
	for srv.Connections() < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d workers connected", srv.Connections())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.exited
	st, err := statefile.Read(state)
	if err != nil {
		t.Fatal(err)
	}
	sent := srv.PerRecipient()
	for _, u := range st.Unknowns {
		if sent[u.Key] == 0 {
			t.Errorf("%s is recorded as unknown, but no byte of its message left", u.Key)
		}
	}
	// The rest goes out on the next run, even skipping unknown outcomes.
	data := strings.TrimSuffix(state, ".state")
	resume := startChild(t, "send", "--data", data, "--template", strings.TrimSuffix(data, "list.csv")+"t.html",
		"--smtp", "smtp://"+srv.Addr(), "--unknown", "skip", "-q")
	if code := resume.code(); code != 0 && code != 5 {
		t.Fatalf("resume: exit %d:\n%s", code, resume.out.String())
	}
	for i := 1; i <= rows; i++ {
		to := fmt.Sprintf("r%d@example.com", i)
		if got := srv.PerRecipient()[to]; got != 1 {
			t.Errorf("%s got %d messages, want 1", to, got)
		}
	}
}

// TestBrokenStderrPipeNeverKillsTheRun runs mailrun with stderr into a pipe
// whose reader goes away after the first line: the run must go on to its
// end (before, SIGPIPE killed it mid-campaign).
func TestBrokenStderrPipeNeverKillsTheRun(t *testing.T) {
	srv := smtptest.Start(t)
	const rows = 300
	data, tmpl := sendCampaign(t, rows)
	cmd := exec.Command(os.Args[0], "send", "--data", data, "--template", tmpl, "--smtp", "smtp://"+srv.Addr(), "-v")
	cmd.Env = append(os.Environ(), "MAILRUN_TEST_AS_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(stderr).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	stderr.Close()
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("mailrun ended with %v (exit %d) once stderr was closed, want exit 0", err, code)
	}
	if n := len(srv.Messages()); n != rows {
		t.Errorf("the server has %d messages, want %d", n, rows)
	}
}
