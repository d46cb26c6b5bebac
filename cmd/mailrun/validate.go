package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/mailrun/mailrun/campaign"
	"github.com/urfave/cli/v2"
)

// validateCommand is `mailrun validate`: render every row, send nothing,
// report every problem.
func validateCommand() *cli.Command {
	return &cli.Command{
		Name:  "validate",
		Usage: "render every row and report the problems; sends and writes nothing",
		UsageText: `mailrun validate --data FILE --template FILE [options]

Example:
  mailrun validate --data examples/newsletter/recipients.csv --template examples/newsletter/template.md --layout examples/newsletter/layout.html --partials examples/newsletter/partials`,
		Description: `Checks the template against the data's columns first (a column the template
needs is missing: exit 3 before any row), then renders every row and prints
each problem as "row N (key): reason" on stdout, followed by a summary. A
recipient key seen again is reported as "duplicate of row M": send would send
it once. Exits 0 when every row is fine, 3 when any problem was found.

Warnings, which do not change the exit code: with --dkim-key and
--dkim-domain, messages whose From domain is not the DKIM domain or a
subdomain of it; in a campaign of more than 100 recipients, messages
without a List-Unsubscribe header.`,
		Flags: append(append(commonFlags(), complianceFlags()...),
			boolFlag("json", "print the report as one JSON object: counts, problems, warnings")),
		Action: runValidate,
	}
}

// validation is what validate counts over a run; with --json, its report.
type validation struct {
	Rows        int       `json:"rows"`
	Messages    int       `json:"messages"`
	Recipients  int       `json:"envelope_recipients"`
	Duplicates  int       `json:"duplicate_keys"`
	Attachments int       `json:"attachments"`
	AttachBytes int64     `json:"attachment_bytes"`
	Problems    []problem `json:"problems"`
	Warnings    []string  `json:"warnings"`

	audit campaign.Audit
	out   io.Writer // where problems are printed as they come; nil with --json
}

// problem is a row that cannot be sent.
type problem struct {
	Row    int    `json:"row"`
	Key    string `json:"key,omitempty"`
	Column string `json:"column,omitempty"`
	Error  string `json:"error"`
}

// runValidate is the Action of validate.
func runValidate(c *cli.Context) error {
	log := newLogger(c)
	defer quitOnSignal(c.App.ErrWriter)()
	src, tmpl, err := openInputs(c, "validate")
	if err != nil {
		return err
	}
	defer src.Close()
	log.Debug("validating", "data", c.String("data"), "template", c.String("template"), "columns", len(src.Columns()))

	out := c.App.Writer
	v := validation{Problems: []problem{}, Warnings: []string{}}
	if !c.Bool("json") {
		v.out = out
	}
	if c.String("dkim-key") != "" {
		v.audit.DKIMDomain = c.String("dkim-domain")
	}
	pipe := &campaign.Pipeline{Source: src, Renderer: tmpl}
	for {
		it, err := pipe.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		v.Rows++
		switch {
		case it.Err != nil:
			v.problem(it.Err)
		case it.DuplicateOf > 0:
			v.Duplicates++
			v.problem(it.DuplicateError())
		default:
			msg, err := pipe.Render(it)
			if err != nil {
				v.problem(err)
				continue
			}
			v.note(msg)
		}
	}
	if err := src.Close(); err != nil {
		return err
	}
	for _, w := range tmpl.Warnings() {
		v.Warnings = append(v.Warnings, oneLine(w.String()))
	}
	v.Warnings = append(v.Warnings, warningTexts(v.audit.DKIMDomain, v.audit.Warnings())...)
	if c.Bool("json") {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(&v); err != nil {
			return err
		}
	} else {
		v.summary(out)
		for _, w := range v.Warnings {
			fmt.Fprintln(out, "warning: "+w)
		}
	}
	if len(v.Problems) > 0 {
		return &validateProblems{problems: len(v.Problems), rows: v.Rows}
	}
	return nil
}

// note counts a rendered message.
func (v *validation) note(msg *campaign.Message) {
	v.Messages++
	v.Recipients += len(msg.Envelope.To)
	v.audit.Note(msg)
	for _, a := range msg.Attachments {
		v.Attachments++
		v.AttachBytes += a.Size
	}
}

// problem records err, a row's problem, and prints it as one
// "row N (key): reason" line unless the report is JSON. A limit the row
// goes over comes with the flag that raises it.
func (v *validation) problem(err error) {
	hint := limitHint(err)
	p := problem{Error: oneLine(err.Error()) + hint}
	var re *campaign.RowError
	if errors.As(err, &re) {
		p = problem{Row: re.Row, Key: oneLine(re.Key), Column: oneLine(re.Column), Error: oneLine(re.Err.Error()) + hint}
	}
	v.Problems = append(v.Problems, p)
	if v.out != nil {
		fmt.Fprintln(v.out, oneLine(err.Error())+hint)
	}
}

// summary prints the counts of the run.
func (v *validation) summary(out io.Writer) {
	fmt.Fprintf(out, "\n%s, %s, %s, %s, %s (%s); %s\n",
		plural(v.Rows, "row"),
		plural(v.Messages, "message"),
		plural(v.Recipients, "envelope recipient"),
		plural(v.Duplicates, "duplicate key"),
		plural(v.Attachments, "attachment"),
		humanBytes(v.AttachBytes),
		plural(len(v.Problems), "problem"))
}

// warningTexts returns the text of each finding of an audit; dkimDomain
// is the audit's DKIM domain.
func warningTexts(dkimDomain string, ws []campaign.Warning) []string {
	var out []string
	for _, w := range ws {
		switch w.Kind {
		case campaign.WarnUnaligned:
			out = append(out, fmt.Sprintf("%s from %s, which is not the DKIM domain %s (--dkim-domain) or a subdomain of it: receivers will not count the signature as aligned (DMARC)",
				plural(w.Messages, "message"), oneLine(w.Domain), strings.ToLower(dkimDomain)))
		case campaign.WarnNoUnsubscribe:
			out = append(out, fmt.Sprintf("%s of a campaign of %d %s no List-Unsubscribe header: bulk senders need one-click unsubscribe (--unsubscribe-url)",
				plural(w.Messages, "message"), w.Total, map[bool]string{true: "has", false: "have"}[w.Messages == 1]))
		}
	}
	return out
}

// oneLine returns s with its line breaks and other control characters
// turned into spaces, so that one problem is one line and data cannot drive
// the terminal.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r\n", " ")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// plural returns "1 row", "2 rows".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// humanBytes formats n bytes in binary units: "512 B", "1.5 KiB", "3.2 MiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
