package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/urfave/cli/v2"
)

// statusCommand is `mailrun status`: what a state file says was delivered,
// failed and is still to do.
func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show what was delivered, failed and is pending; write the failed rows to a CSV file",
		UsageText: `mailrun status (--state FILE | --data FILE) [--failed-csv OUT] [--csv OUT] [--suppress-out FILE] [--json]

Examples:
  mailrun status --data recipients.csv
  mailrun status --state recipients.csv.state --failed-csv retry.csv
  mailrun status --state recipients.csv.state --csv outcomes.csv`,
		Description: `Reads the state file without locking it, so it also works while a send is
running (a record being written is ignored). Counts recipients by their last
status: delivered, failed (permanently), deferred (temporary failures
remained; the same send command retries them), unknown (the run stopped
between sending and the server's reply; the next send sends them again with
the same Message-ID), then lists the failures.

Without --state, reads the state file of --data: the data file's path +
.state. With --data, also counts the pending rows: the rows the same send
command would send, by the rule it resumes by: rows without a record, deferred,
unknown and suppressed ones (suppression lists are checked again at each
run), and duplicates of those. Rows are matched by row number, so give the
data file the campaign was sent from, unchanged.

--failed-csv OUT writes the failed and deferred rows (of --data, else of the
data file the state file records) with all
their original columns plus status, code and error columns (reused if the
data already has them), ready to be fixed and sent as a new campaign. The
file is a CSV (tab-separated if OUT ends in .tsv), mode 0600.

--csv OUT writes one line per recipient with fixed columns: row, key,
status, code, enhanced_code, reply, refused_recipient, relay, attempts,
first_attempt, last_attempt, message_id (tab-separated if OUT ends in .tsv,
mode 0600). A cell that starts with =, +, - or @ gets a leading ' so that
a spreadsheet shows it as text. The file is also a data file for mailrun.

Bounced and complained count the recipients that mailrun bounces booked a
hard bounce, the soft bounce that reached the limit, or a complaint for
(send never mails them again); soft-bounced counts the others with soft
bounces below the limit. They are listed with the report.

--suppress-out FILE writes the addresses refused permanently (5xx replies)
and those that bounced or complained: the address the server or the report
named, else the recipient key when it is an address, one a line (mode
0600), ready for send --suppress FILE in the next campaigns. Rows left out
by --suppress are counted as suppressed.

Repeat --state to read the state files of the shards of one list (send
--shard i/n) together: the counts are their union, and a recipient that two
state files record as delivered is reported as a problem (it got the message
twice). The counts are also broken down by the relay that sent.`,
		Flags: append(append([]cli.Flag{
			listFlag("state", "state `FILE` to read (default: the --data file's path + .state); repeat it to read the state files of the shards of one list together", true),
			stringFlag("data", "", "data `FILE` the campaign was sent from, to count pending rows (.csv, .tsv, .xlsx; - for stdin)", true),
		}, dataFormatFlags()...),
			stringFlag("failed-csv", "", "write the failed and deferred rows, with their data, to `OUT`", true),
			stringFlag("csv", "", "write one line per recipient (status, reply, relay, attempts, times, Message-ID) to `OUT`", true),
			stringFlag("suppress-out", "", "write the addresses the server refused permanently (5xx), bounced or complained to `FILE`, a list for send --suppress", true),
			boolFlag("json", "print the status as JSON"),
			configFlag(),
		),
		Action: runStatus,
	}
}

// statusMaxListed bounds the recipients each list of the human output
// shows.
const statusMaxListed = 20

// printListed writes a line for each of the first statusMaxListed items
// with line, their tab-separated cells aligned, then "and N more" for the
// rest.
func printListed[T any](w io.Writer, items []T, line func(io.Writer, T)) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, it := range items[:min(len(items), statusMaxListed)] {
		line(tw, it)
	}
	_ = tw.Flush()
	if n := len(items) - statusMaxListed; n > 0 {
		fmt.Fprintf(w, "  and %d more\n", n)
	}
}

// codeText is an SMTP reply code as status shows it: "" for none.
func codeText(code int) string {
	if code == 0 {
		return ""
	}
	return strconv.Itoa(code)
}

// statusReport is what status prints; with --json, as JSON.
type statusReport struct {
	*statefile.State
	// DataRows and Pending are set with --data.
	DataRows *int `json:"data_rows,omitempty"`
	Pending  *int `json:"pending,omitempty"`
	// FailedCSV names the file --failed-csv wrote, with its row count.
	FailedCSV     string `json:"failed_csv,omitempty"`
	FailedCSVRows int    `json:"failed_csv_rows,omitempty"`
	// CSV names the file --csv wrote, with its row count.
	CSV     string `json:"csv,omitempty"`
	CSVRows int    `json:"csv_rows,omitempty"`
	// SuppressOut names the file --suppress-out wrote, with its address
	// count and the 5xx failures left out for want of an address.
	SuppressOut        string `json:"suppress_out,omitempty"`
	SuppressOutAddrs   int    `json:"suppress_out_addresses,omitempty"`
	SuppressOutUnnamed int    `json:"suppress_out_unnamed,omitempty"`
	// CrossDelivered lists the keys that several of the --state files
	// record as delivered (shards that overlapped).
	CrossDelivered []statefile.CrossDelivery `json:"delivered_by_several_state_files,omitempty"`
}

// runStatus is the Action of status.
func runStatus(c *cli.Context) error {
	states := c.StringSlice("state")
	if len(states) == 0 {
		data := c.String("data")
		if data == "" || data == "-" {
			return usageError("status needs --state, or --data when the state file is the data file's path + .state")
		}
		states = []string{data + ".state"}
	}
	out := c.String("failed-csv")
	st, _, cross, err := readStates(states)
	if err != nil {
		return err
	}
	if out != "" && c.String("data") == "" {
		// The failed rows are copied from the data file the state file
		// records.
		if _, err := os.Stat(st.DataFile); st.DataFile == "" || err != nil {
			return usageError(fmt.Sprintf("--failed-csv needs --data: the failed rows are copied from the data file (the state file records %q, which is not here)", st.DataFile))
		}
		if err := c.Set("data", st.DataFile); err != nil {
			return err
		}
	}
	rep := statusReport{State: st, CrossDelivered: cross}
	if so := c.String("suppress-out"); so != "" {
		if rep.SuppressOutAddrs, rep.SuppressOutUnnamed, err = writeSuppressOut(so, st); err != nil {
			return err
		}
		rep.SuppressOut = so
	}
	if out := c.String("csv"); out != "" {
		h, err := statefile.ReadHistory(states...)
		if err != nil {
			return err
		}
		if rep.CSVRows, err = writeOutcomeCSV(out, h); err != nil {
			return err
		}
		rep.CSV = out
	}
	if c.String("data") != "" {
		if err := scanData(c, &rep, out); err != nil {
			return err
		}
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return printStatus(c.App.Writer, &rep)
}

// scanData reads the data file once: it counts the rows and the pending
// ones and, if out is set, writes the failed rows to out.
func scanData(c *cli.Context, rep *statusReport, out string) (err error) {
	src, err := openSource(c)
	if err != nil {
		return err
	}
	defer src.Close()

	var fw *failedWriter
	if out != "" {
		if fw, err = newFailedWriter(out, src.Columns(), rep.Failures); err != nil {
			return err
		}
		defer func() {
			if cerr := fw.close(err != nil); err == nil {
				err = cerr
			}
		}()
	}
	rows, pending := 0, 0
	for {
		row, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *campaign.RowError
		if errors.As(err, &re) {
			row = campaign.Row{Num: re.Row}
		} else if err != nil {
			return err
		}
		rows++
		if rep.State.Pending(row.Num, campaign.ResumePolicy{}) {
			pending++
		}
		if fw != nil && row.Fields != nil {
			if err := fw.write(row); err != nil {
				return err
			}
		}
	}
	rep.DataRows, rep.Pending = &rows, &pending
	if fw != nil {
		rep.FailedCSV, rep.FailedCSVRows = out, fw.n
	}
	return nil
}

// failureText is the reason of a failure in one line: the enhanced code,
// the server's text and the refused recipient, control characters (which
// a hostile server could use to drive a terminal) replaced by spaces.
func failureText(f statefile.Failure) string {
	s := oneLine(f.Text)
	if f.Enhanced != "" && !strings.HasPrefix(s, f.Enhanced) {
		s = f.Enhanced + " " + s
	}
	if f.Recipient != "" && !strings.Contains(s, f.Recipient) {
		s += " (recipient " + f.Recipient + ")"
	}
	return s
}

// cellText keeps text that comes from an SMTP server from being read as a
// formula by a spreadsheet that opens the CSV file.
func cellText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// printStatus writes the human status report.
func printStatus(w io.Writer, r *statusReport) error {
	st := r.State
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "State file\t%s\n", st.Path)
	fmt.Fprintf(tw, "Campaign\t%s (data %s, template %.12s)\n", orDash(st.CampaignID), orDash(st.DataFile), st.TemplateHash)
	fmt.Fprintf(tw, "Started\t%s\n", when(st.Created))
	fmt.Fprintf(tw, "Last activity\t%s\n", when(st.LastActivity))
	fmt.Fprintln(tw)
	c := st.Counts
	fmt.Fprintf(tw, "Recipients\t%d\n", c.Recipients)
	for _, l := range []struct {
		name string
		n    int
	}{{"delivered", c.Delivered}, {"failed", c.Failed}, {"deferred", c.Deferred}, {"unknown", c.Unknown},
		{"duplicate", c.Duplicate}, {"suppressed", c.Suppressed}, {"refused Cc/Bcc", c.Refused}, {"bounced", c.Bounced},
		{"complained", c.Complained}, {"soft-bounced", c.SoftBounced}} {
		if l.n > 0 || l.name == "delivered" || l.name == "failed" {
			fmt.Fprintf(tw, "  %s\t%d\n", l.name, l.n)
		}
	}
	if r.Pending != nil {
		fmt.Fprintf(tw, "Data rows\t%d\n", *r.DataRows)
		fmt.Fprintf(tw, "  pending\t%d\n", *r.Pending)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	printRelays(w, r)

	if n := len(st.Failures); n > 0 {
		fmt.Fprintf(w, "\nFailures (%d):\n", n)
		printListed(w, st.Failures, func(w io.Writer, f statefile.Failure) {
			fmt.Fprintf(w, "  row %d\t%s\t%s\t%s\t%s\n", f.Row, oneLine(orDash(f.Key)), f.Status, codeText(f.Code), failureText(f))
		})
		if r.FailedCSV == "" {
			fmt.Fprintln(w, "  (--data FILE --failed-csv OUT writes them with their data, to fix and send again)")
		}
	}
	printBounces(w, st.Bounces)
	printRefused(w, st)
	if n := len(st.Unknowns); n > 0 {
		fmt.Fprintf(w, "\nUnknown (%d): the message left but its reply never came (the run stopped, or the connection\n"+
			"was lost, after the final dot); the next send sends them again with the same Message-ID\n"+
			"(or leaves them alone with --unknown skip):\n", n)
		printListed(w, st.Unknowns, func(w io.Writer, u statefile.Attempt) {
			fmt.Fprintf(w, "  row %d  %s\n", u.Row, oneLine(orDash(u.Key)))
		})
	}
	if st.MaybeTwice > 0 {
		fmt.Fprintf(w, "\nMay have received the message twice: %s. An attempt whose outcome was unknown (the connection\n"+
			"was lost after the message, or the run stopped) was followed by another; both copies carry the same\n"+
			"Message-ID, so most mail programs show one.\n", plural(st.MaybeTwice, "recipient"))
	}
	if st.Recovered != "" {
		fmt.Fprintf(w, "\nNote: %s (a run may be writing it).\n", st.Recovered)
	}
	if r.FailedCSV != "" {
		fmt.Fprintf(w, "\nWrote %s to %s.\n", plural(r.FailedCSVRows, "row"), r.FailedCSV)
	}
	if r.CSV != "" {
		fmt.Fprintf(w, "\nWrote %s to %s.\n", plural(r.CSVRows, "recipient"), r.CSV)
	}
	if r.SuppressOut != "" {
		fmt.Fprintf(w, "\nWrote %d refused, bounced or complained address(es) to %s (for send --suppress).\n", r.SuppressOutAddrs, r.SuppressOut)
		if r.SuppressOutUnnamed > 0 {
			fmt.Fprintf(w, "  %s named no address (a refusal of the message itself, not of an address; or a bounce whose key is not one) and were left out.\n", plural(r.SuppressOutUnnamed, "row"))
		}
	}
	return nil
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
