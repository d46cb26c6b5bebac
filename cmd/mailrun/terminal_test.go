package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// terminal is a pseudo-terminal for one run of mailrun: tty is the side
// the program gets as a file; what it writes there collects in out.
type terminal struct {
	tty, ptm *os.File
	mu       sync.Mutex
	out      bytes.Buffer
	done     chan struct{}
}

// newTerminal opens a pseudo-terminal and starts collecting its output.
func newTerminal(t *testing.T) *terminal {
	t.Helper()
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	term := &terminal{tty: tty, ptm: ptm, done: make(chan struct{})}
	go func() {
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptm.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { term.close() })
	return term
}

// output returns what the program wrote to the terminal so far.
func (term *terminal) output() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.out.String()
}

// waitFor waits until the terminal shows s, at most 10 seconds.
func (term *terminal) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(term.output(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q:\n%s", s, term.output())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// close closes both sides and returns everything the terminal received.
func (term *terminal) close() string {
	term.tty.Close()
	term.ptm.Close()
	<-term.done
	return term.output()
}

// runOn runs mailrun with stdin, stdout and stderr as given, and returns
// its exit code and what went to the buffers among them.
func runOn(stdin io.Reader, stdout, stderr io.Writer, args ...string) int {
	return run(context.Background(), append([]string{"mailrun"}, args...), stdin, stdout, stderr)
}

// TestSendAsksOnATerminal checks that send on a terminal shows what it is
// about to do and sends only after a yes; that --yes skips the question;
// and that without a terminal on stdin it never asks.
func TestSendAsksOnATerminal(t *testing.T) {
	srv := smtptest.Start(t)
	data, tmpl := sendCampaign(t, 3)
	args := []string{"send", "--data", data, "--template", tmpl, "--smtp", srv.URL() + "?workers=2", "-q"}

	// No: nothing is sent, exit 1.
	term := newTerminal(t)
	var stderr bytes.Buffer
	code := make(chan int, 1)
	go func() { code <- runOn(term.tty, term.tty, &stderr, args...) }()
	term.waitFor(t, "Send now? [y/N]")
	for _, want := range []string{"about to deliver for real", "3 recipients of 3 rows of " + data, "connections", "unlimited rate", "state     " + data + ".state"} {
		if !strings.Contains(term.output(), want) {
			t.Errorf("the question does not show %q:\n%s", want, term.output())
		}
	}
	term.ptm.Write([]byte("n\n"))
	if c := <-code; c != 1 || !strings.Contains(stderr.String(), "nothing was sent") {
		t.Fatalf("answer n: exit %d, stderr %q; want 1 and nothing was sent", c, stderr.String())
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("sent %d messages after a no", n)
	}

	// Yes: sent.
	term = newTerminal(t)
	go func() { code <- runOn(term.tty, term.tty, io.Discard, args...) }()
	term.waitFor(t, "Send now? [y/N]")
	term.ptm.Write([]byte("y\n"))
	if c := <-code; c != 0 {
		t.Fatalf("answer y: exit %d", c)
	}
	if n := len(srv.Messages()); n != 3 {
		t.Fatalf("sent %d messages after a yes, want 3", n)
	}

	// Ctrl-C at the question: exit 130, nothing sent.
	term = newTerminal(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { code <- run(ctx, append([]string{"mailrun"}, args...), term.tty, term.tty, io.Discard) }()
	term.waitFor(t, "Send now? [y/N]")
	cancel()
	if c := <-code; c != 130 {
		t.Fatalf("interrupted at the question: exit %d, want 130", c)
	}
	term.ptm.Write([]byte("\n")) // ends the read of the answer, which a process exit would end
	if n := len(srv.Messages()); n != 3 {
		t.Fatalf("%d messages after an interrupted question, want the 3 of before", n)
	}

	// --yes on a terminal, and stdin that is no terminal: no question.
	data2, tmpl2 := sendCampaign(t, 2)
	for _, tc := range []struct {
		name  string
		stdin func(*terminal) io.Reader
		extra []string
	}{
		{"--yes", func(term *terminal) io.Reader { return term.tty }, []string{"--yes"}},
		{"stdin not a terminal", func(*terminal) io.Reader { return strings.NewReader("") }, nil},
	} {
		term := newTerminal(t)
		state := t.TempDir() + "/s.state"
		c := runOn(tc.stdin(term), term.tty, io.Discard,
			append([]string{"send", "--data", data2, "--template", tmpl2, "--smtp", srv.URL(), "-q", "--state", state}, tc.extra...)...)
		if out := term.close(); c != 0 || strings.Contains(out, "Send now?") {
			t.Errorf("%s: exit %d, terminal:\n%s", tc.name, c, out)
		}
	}
}

// liveLines returns the live lines a run drew, in order: the text between
// two "erase line" sequences that has no line break.
func liveLines(out string) []string {
	var lines []string
	for _, seg := range strings.Split(out, clearLine) {
		if seg != "" && !strings.ContainsAny(seg, "\r\n") && strings.Contains(seg, " rows · ") {
			lines = append(lines, seg)
		}
	}
	return lines
}

// TestLiveLineOnATerminal runs sends with stderr on a terminal, with log
// records written while the live line shows, and checks the screen: no
// line mixes a record with the live line; the counts on a resume and under
// --limit are those of this run's work.
func TestLiveLineOnATerminal(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Delay(15*time.Millisecond), smtptest.FailData(451, 0, "r15@example.com", "r18@example.com"))
	data, tmpl := sendCampaign(t, 20)
	args := []string{"send", "--data", data, "--template", tmpl, "--smtp", srv.URL() + "?workers=1", "--retry-wait", "1ms", "--retries", "2"}

	// The first 12 rows, then a resume with 8 left, 2 of which fail.
	for _, run := range []struct {
		args  []string
		code  int
		total string
	}{
		{[]string{"--limit", "12"}, 0, "/12 rows"},
		{nil, 5, "/8 rows"},
	} {
		term := newTerminal(t)
		c := runOn(strings.NewReader(""), io.Discard, term.tty, append(args, run.args...)...)
		out := term.close()
		if c != run.code {
			t.Fatalf("exit %d, want %d:\n%s", c, run.code, out)
		}
		lines := screen(strings.ReplaceAll(out, "\r\n", "\n"))
		for _, l := range lines {
			if strings.Contains(l, " rows · ") && strings.Contains(l, "msg=") {
				t.Errorf("a screen line mixes the live line and a log record: %q", l)
			}
		}
		live := liveLines(out)
		if len(live) == 0 {
			t.Fatalf("no live line was drawn:\n%q", out)
		}
		for _, l := range live {
			if !strings.Contains(l, run.total) {
				t.Errorf("live line %q does not count %s", l, run.total)
			}
		}
		if run.code == 5 && !strings.Contains(strings.Join(lines, "\n"), "msg=retrying") {
			t.Errorf("the resumed run logged no retry above the live line:\n%s", strings.Join(lines, "\n"))
		}
	}
}
