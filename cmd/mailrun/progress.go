package main

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// progressDisplay shows a run's counters while it goes: a live line on a
// terminal, a stats log line every --stats interval elsewhere. It reads the
// counters; it never touches the work.
type progressDisplay struct {
	stop chan struct{}
	done sync.WaitGroup
}

// startProgress starts the display that fits where stderr goes: the live
// line of live (nil when stderr is not a terminal), else stats log lines.
// Stop ends it; elsewhere than on a terminal, Stop logs a last stats line,
// "finished", for scripts that read the log.
func startProgress(c *cli.Context, p *campaign.Progress, log *slog.Logger, live *liveLine) *progressDisplay {
	d := &progressDisplay{stop: make(chan struct{})}
	if c.Bool("quiet") {
		return d
	}
	tty := live != nil
	every := c.Duration("stats")
	if tty {
		every = 250 * time.Millisecond
	}
	if every <= 0 {
		return d
	}
	d.done.Add(1)
	go func() {
		defer d.done.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if tty {
					live.Show(progressLine(p.Snapshot()))
				} else {
					logStats(log, "progress", p.Snapshot())
				}
			case <-d.stop:
				if tty {
					live.Show("")
				} else {
					logStats(log, "finished", p.Snapshot())
				}
				return
			}
		}
	}()
	return d
}

// Stop ends the display and clears its live line. It is safe to call twice.
func (d *progressDisplay) Stop() {
	select {
	case <-d.stop:
	default:
		close(d.stop)
	}
	d.done.Wait()
}

// progressLine is the live line of a terminal: the rows of this run's
// work done out of how many there are (see campaign.Snapshot.Work), then
// the counts.
func progressLine(s campaign.Snapshot) string {
	var b strings.Builder
	done, total := s.Work()
	fmt.Fprintf(&b, "%d", done)
	if total > 0 {
		fmt.Fprintf(&b, "/%d", total)
	}
	fmt.Fprintf(&b, " rows · sent %d · failed %d · retrying %d · skipped %d · %.0f msg/s",
		s.Sent, s.Failed+s.Deferred, s.Retrying, s.Skipped+s.Duplicates, s.Rate())
	if eta, ok := s.ETA(); ok {
		fmt.Fprintf(&b, " · ETA %s", eta.Round(time.Second))
	}
	if len(s.RelaysOut) > 0 {
		fmt.Fprintf(&b, " · relays out: %s", strings.Join(s.RelaysOut, ", "))
	}
	if !s.WaitingUntil.IsZero() {
		fmt.Fprintf(&b, " · waiting for the send window until %s", s.WaitingUntil.Format("Mon 15:04 MST"))
	}
	return b.String()
}

// logStats writes one stats line with the message msg through the logger
// (text or JSON).
func logStats(log *slog.Logger, msg string, s campaign.Snapshot) {
	attrs := []any{
		"sent", s.Sent, "failed", s.Failed, "deferred", s.Deferred, "retrying", s.Retrying,
		"skipped", s.Skipped, "duplicates", s.Duplicates, "rows", s.Read,
		"msgs_per_sec", math.Round(s.Rate()*10) / 10, "elapsed", s.Elapsed.Round(time.Second).String(),
	}
	if eta, ok := s.ETA(); ok {
		attrs = append(attrs, "eta", eta.Round(time.Second).String())
	}
	if len(s.RelaysOut) > 0 {
		attrs = append(attrs, "relays_out", strings.Join(s.RelaysOut, ","))
	}
	if !s.WaitingUntil.IsZero() {
		attrs = append(attrs, "waiting_until", s.WaitingUntil.Format(time.RFC3339))
	}
	log.Info(msg, attrs...)
}

// printSummary writes the table shown at the end of every run.
func printSummary(w io.Writer, sum campaign.Summary, state string, dryRun bool) {
	title := "mailrun send"
	if dryRun {
		title += " (dry run)"
	}
	fmt.Fprintf(w, "%s: %d rows in %s (%.1f msg/s)\n", title, sum.Read, sum.Elapsed.Round(time.Millisecond), sum.Rate())
	row := func(label string, n int64) {
		if n > 0 {
			fmt.Fprintf(w, "  %-28s %8d\n", label, n)
		}
	}
	if dryRun {
		row("written (.eml)", sum.Sent)
	} else {
		row("delivered", sum.Sent)
	}
	row("failed (permanent)", sum.Failed)
	row("deferred (temporary)", sum.Deferred)
	row("skipped (earlier run)", sum.Skipped)
	row("  of which failed before", sum.PreviouslyFailed)
	row("  of which unknown, skipped", sum.UnknownSkipped)
	row("duplicate recipients", sum.Duplicates)
	row("suppressed (--suppress)", sum.Suppressed)
	row("other shards (--shard)", sum.OtherShard)
	row("not in the state file", sum.Unrecorded)
	fmt.Fprintf(w, "  state: %s\n", state)
	switch {
	case sum.CapReached:
		fmt.Fprintf(w, "  %s reached: the next rows can go from %s\n", capText(sum.Cap), sum.ResumeAt.Format("2006-01-02 15:04 MST"))
	case sum.OutsideWindow:
		fmt.Fprintf(w, "  outside the send window: it opens %s\n", sum.ResumeAt.Format("Mon 2006-01-02 15:04 MST"))
	}
}

// isTerminal reports whether f, a reader or writer, is a terminal (not a
// pipe, a file or /dev/null).
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}
