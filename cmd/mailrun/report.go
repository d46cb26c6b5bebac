package main

import (
	"fmt"
	"os"
	"time"

	"github.com/mailrun/mailrun/campaign/report"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/urfave/cli/v2"
)

// reportCommand is `mailrun report`: a page with the campaign's charts.
func reportCommand() *cli.Command {
	return &cli.Command{
		Name:  "report",
		Usage: "write a campaign report: one HTML page with charts, readable offline",
		UsageText: `mailrun report --state FILE [--state FILE ...] [--out report.html]

Examples:
  mailrun report --state recipients.csv.state --out report.html
  mailrun report --state list.csv.shard-1-of-2.state --state list.csv.shard-2-of-2.state`,
		Description: `Reads the state files as status does (without locking them) and writes one
self-contained HTML page: the counts status --json gives for the same files,
the campaign's facts (template hash, data file, first and last activity,
rate achieved), and charts of the outcomes over time, by recipient domain,
by SMTP reply code, by relay and, with several state files, by file. The
page needs no network: no script, font or image is loaded (its
Content-Security-Policy forbids it), and it reads well on a phone. It is
written with mode 0600, since it names recipients.`,
		Flags: []cli.Flag{
			listFlag("state", "state `FILE` to read (required); repeat it for the state files of the shards of one list", true),
			stringFlag("out", "report.html", "`FILE` to write the page to", true),
			configFlag(),
		},
		Action: runReport,
	}
}

// runReport is the Action of report.
func runReport(c *cli.Context) error {
	paths := c.StringSlice("state")
	if len(paths) == 0 {
		return usageError("report needs --state (or " + envVars("state")[0] + ", or state: in the --config file)")
	}
	st, each, cross, err := readStates(paths)
	if err != nil {
		return err
	}
	h, err := statefile.ReadHistory(paths...)
	if err != nil {
		return err
	}
	in := report.Input{State: st, History: h, Cross: cross, Now: time.Now()}
	if len(each) > 1 {
		in.Shards = each
	}
	out := c.String("out")
	f, err := statefile.CreateFile(out)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	err = report.Write(f, in)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(out)
		return err
	}
	fmt.Fprintf(c.App.Writer, "Wrote the report of %s to %s.\n", plural(st.Counts.Recipients, "recipient"), out)
	return nil
}
