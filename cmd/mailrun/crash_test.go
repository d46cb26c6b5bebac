package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/mail"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/emersion/go-smtp"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// The crash tests run mailrun as a real process: the test binary itself,
// started again with MAILRUN_TEST_AS_MAIN=1, runs main() with its
// arguments.
func init() {
	if os.Getenv("MAILRUN_TEST_AS_MAIN") == "1" {
		main()
	}
}

// child is one mailrun process of a crash test.
type child struct {
	cmd    *exec.Cmd
	out    bytes.Buffer
	exited chan struct{}
	err    error
}

// startChild starts mailrun with args.
func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	c := &child{exited: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], args...)
	c.cmd.Env = append(os.Environ(), "MAILRUN_TEST_AS_MAIN=1")
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.exited)
	}()
	// A test that fails early leaves no process behind.
	t.Cleanup(func() {
		select {
		case <-c.exited:
		default:
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
	})
	return c
}

// code waits for the process and returns its exit code (-1 if killed).
func (c *child) code() int {
	<-c.exited
	return c.cmd.ProcessState.ExitCode()
}

// messageCounter is a server hook that counts messages and signals when the
// count reaches a mark.
type messageCounter struct {
	n    atomic.Int64
	mark atomic.Int64
	hit  chan struct{}
}

func newMessageCounter() *messageCounter {
	return &messageCounter{hit: make(chan struct{}, 1)}
}

func (mc *messageCounter) hook(smtptest.Message) *smtp.SMTPError {
	if mc.n.Add(1) == mc.mark.Load() {
		select {
		case mc.hit <- struct{}{}:
		default:
		}
	}
	return nil
}

// messageIDs returns, per envelope recipient, the Message-IDs of the
// messages the server accepted for it.
func messageIDs(t *testing.T, srv *smtptest.Server) map[string][]string {
	t.Helper()
	ids := map[string][]string{}
	for _, m := range srv.Messages() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatalf("the server holds an unparsable message: %v", err)
		}
		for _, to := range m.To {
			ids[to] = append(ids[to], msg.Header.Get("Message-ID"))
		}
	}
	return ids
}

func TestCrashAndResumeLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs mailrun as a process many times")
	}
	const rows, workers, kills = 2000, 4, 5
	mc := newMessageCounter()
	srv := smtptest.Start(t, smtptest.Hook(mc.hook))
	data, tmpl := sendCampaign(t, rows)
	state := data + ".state"
	args := []string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://" + srv.Addr(),
		"--workers", fmt.Sprint(workers), "--retry-wait", "1ms", "-q"}

	unknownEver := map[string]bool{}
	for k := range kills {
		// Kill at a random moment: after a random number of further
		// messages, while others are in flight.
		mark := mc.n.Load() + 20 + rand.Int64N(300)
		mc.mark.Store(mark)
		c := startChild(t, args...)
		select {
		case <-mc.hit:
		case <-c.exited:
			t.Fatalf("kill %d: mailrun ended (%v) before the server had %d messages:\n%s", k, c.err, mark, c.out.String())
		}
		if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if code := c.code(); code != -1 {
			t.Fatalf("kill %d: exit code %d, want killed", k, code)
		}
		st, err := statefile.Read(state)
		if err != nil {
			t.Fatalf("kill %d: the state file does not parse: %v", k, err)
		}
		if len(st.Unknowns) > workers {
			t.Errorf("kill %d: %d unknown outcomes, want at most %d (the messages in flight)", k, len(st.Unknowns), workers)
		}
		for _, u := range st.Unknowns {
			unknownEver[u.Key] = true
		}
	}
	// Resume until done.
	for range 3 {
		c := startChild(t, args...)
		if code := c.code(); code == 0 {
			break
		} else if code != 5 {
			t.Fatalf("resume: exit code %d:\n%s", code, c.out.String())
		}
	}

	ids := messageIDs(t, srv)
	extra := 0
	for i := 1; i <= rows; i++ {
		to := fmt.Sprintf("r%d@example.com", i)
		got := ids[to]
		if len(got) == 0 {
			t.Errorf("%s never got the message", to)
			continue
		}
		if len(got) > 1 {
			extra += len(got) - 1
			if !unknownEver[to] {
				t.Errorf("%s got %d copies, but the journal never showed its outcome as unknown", to, len(got))
			}
			for _, id := range got[1:] {
				if id != got[0] {
					t.Errorf("%s: the copies have different Message-IDs %s and %s", to, got[0], id)
				}
			}
		}
	}
	if extra > kills*workers {
		t.Errorf("%d extra copies after %d kills, want at most %d", extra, kills, kills*workers)
	}
	st, err := statefile.Read(state)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts.Delivered != rows || len(ids) != rows {
		t.Errorf("status says %d delivered, the server has %d recipients; want both %d", st.Counts.Delivered, len(ids), rows)
	}
	t.Logf("%d kills: %d extra copies, %d recipients ever unknown, %d server messages", kills, extra, len(unknownEver), len(srv.Messages()))
}

func TestInterruptDrainsAndResumesWithoutDuplicates(t *testing.T) {
	if testing.Short() {
		t.Skip("runs mailrun as a process")
	}
	const rows = 600
	mc := newMessageCounter()
	mc.mark.Store(100)
	srv := smtptest.Start(t, smtptest.Hook(mc.hook))
	data, tmpl := sendCampaign(t, rows)
	args := []string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://" + srv.Addr(), "--workers", "4"}
	c := startChild(t, args...)
	select {
	case <-mc.hit:
	case <-c.exited:
		t.Fatalf("mailrun ended before 100 messages:\n%s", c.out.String())
	}
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := c.code(); code != 130 {
		t.Fatalf("exit code %d after SIGINT, want 130:\n%s", code, c.out.String())
	}
	if !strings.Contains(c.out.String(), "run the same command again to resume") {
		t.Errorf("no resume hint after SIGINT:\n%s", c.out.String())
	}
	st, err := statefile.Read(data + ".state")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Unknowns) != 0 {
		t.Errorf("%d unknown outcomes after a clean interrupt, want 0", len(st.Unknowns))
	}
	if c := startChild(t, append(args, "-q")...); c.code() != 0 {
		t.Fatalf("resume: exit %d:\n%s", c.code(), c.out.String())
	}
	for to, got := range messageIDs(t, srv) {
		if len(got) != 1 {
			t.Errorf("%s got %d copies, want 1", to, len(got))
		}
	}
	if n := len(srv.Messages()); n != rows {
		t.Errorf("the server has %d messages, want %d", n, rows)
	}
}
