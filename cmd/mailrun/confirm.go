package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender"
	"github.com/urfave/cli/v2"
)

// readySender makes sure, before any row is booked, that the relays of snd
// can take messages (sender.Router.Probe: a *sender.ProbeError otherwise)
// and that the operator means it (confirmSend). A dry run's outbox needs
// neither.
func readySender(ctx context.Context, c *cli.Context, snd campaign.Sender, plan sendPlan) error {
	rt, ok := snd.(*sender.Router)
	if !ok {
		return nil
	}
	if err := rt.Probe(ctx); err != nil {
		return err
	}
	return confirmSend(ctx, c, plan)
}

// errNotConfirmed is the outcome of a send whose operator did not answer
// yes to confirmSend's question.
var errNotConfirmed = errors.New("nothing was sent: the answer was not yes (--yes skips the question)")

// sendPlan is what a send is about to do, as confirmSend shows it.
type sendPlan struct {
	data, template, state string
	rows                  int64 // rows of the data, -1 when unknown
	settled               int   // recipients earlier runs settled
	limit                 int
	relays                []relaySpec
}

// confirmSend shows plan and asks whether to go on, when the command
// talks to a person: stdin and stdout are terminals and --yes is not
// given. It returns nil to go on, errNotConfirmed when the answer is
// anything but y or yes (an empty line and the end of input included),
// and campaign.ErrInterrupted when ctx ends first (Ctrl-C).
func confirmSend(ctx context.Context, c *cli.Context, plan sendPlan) error {
	if c.Bool("yes") || !isTerminal(c.App.Reader) || !isTerminal(c.App.Writer) {
		return nil
	}
	w := c.App.Writer
	fmt.Fprintln(w, "mailrun send is about to deliver for real:")
	rows := "rows of " + plan.data + " (their number shows once read)"
	if plan.rows >= 0 {
		rows = fmt.Sprintf("%s of %s rows of %s", plural(int(max(plan.rows-int64(plan.settled), 0)), "recipient"), fmt.Sprint(plan.rows), plan.data)
	}
	if plan.settled > 0 {
		rows += fmt.Sprintf(" (%d done in earlier runs)", plan.settled)
	}
	if plan.limit > 0 {
		rows += fmt.Sprintf("; at most %d this run (--limit)", plan.limit)
	}
	fmt.Fprintf(w, "  to        %s\n", rows)
	fmt.Fprintf(w, "  template  %s\n", plan.template)
	for i, r := range plan.relays {
		label := "through"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(w, "  %-8s  %s (%s): %s, %s\n", label, r.name, r.url, plural(r.workers, "connection"), rateText(r))
	}
	fmt.Fprintf(w, "  state     %s\n", plan.state)
	fmt.Fprint(w, "Send now? [y/N] ")
	type line struct {
		s   string
		err error
	}
	answer := make(chan line, 1)
	go func() {
		s, err := bufio.NewReader(c.App.Reader).ReadString('\n')
		answer <- line{s, err}
	}()
	select {
	case a := <-answer:
		if a.err != nil && a.err != io.EOF {
			return a.err
		}
		switch strings.ToLower(strings.TrimSpace(a.s)) {
		case "y", "yes":
			return nil
		}
		return errNotConfirmed
	case <-ctx.Done():
		fmt.Fprintln(w)
		return campaign.ErrInterrupted
	}
}
