package main

import (
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
		Flags:  append(commonFlags(), complianceFlags()...),
		Action: runValidate,
	}
}

// validation is what validate counts over a run.
type validation struct {
	rows, messages, recipients, problems, duplicates int
	attachments                                      int
	attachBytes                                      int64
	audit                                            campaign.Audit
}

// runValidate is the Action of validate.
func runValidate(c *cli.Context) error {
	log := newLogger(c)
	src, tmpl, err := openInputs(c, "validate")
	if err != nil {
		return err
	}
	defer src.Close()
	log.Debug("validating", "data", c.String("data"), "template", c.String("template"), "columns", len(src.Columns()))

	out := c.App.Writer
	v := validation{}
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
		v.rows++
		switch {
		case it.Err != nil:
			v.problem(out, it.Err)
		case it.DuplicateOf > 0:
			v.duplicates++
			v.problem(out, it.DuplicateError())
		default:
			msg, err := pipe.Render(it)
			if err != nil {
				v.problem(out, err)
				continue
			}
			v.note(msg)
		}
	}
	if err := src.Close(); err != nil {
		return err
	}
	v.summary(out)
	printWarnings(out, v.audit.DKIMDomain, v.audit.Warnings())
	if v.problems > 0 {
		return &validateProblems{problems: v.problems, rows: v.rows}
	}
	return nil
}

// note counts a rendered message.
func (v *validation) note(msg *campaign.Message) {
	v.messages++
	v.recipients += len(msg.Envelope.To)
	v.audit.Note(msg)
	for _, a := range msg.Attachments {
		v.attachments++
		v.attachBytes += a.Size
	}
}

// problem prints err, a row's problem, as one "row N (key): reason" line.
func (v *validation) problem(out io.Writer, err error) {
	v.problems++
	fmt.Fprintln(out, oneLine(err.Error()))
}

// summary prints the counts of the run.
func (v *validation) summary(out io.Writer) {
	fmt.Fprintf(out, "\n%s, %s, %s, %s, %s (%s); %s\n",
		plural(v.rows, "row"),
		plural(v.messages, "message"),
		plural(v.recipients, "envelope recipient"),
		plural(v.duplicates, "duplicate key"),
		plural(v.attachments, "attachment"),
		humanBytes(v.attachBytes),
		plural(v.problems, "problem"))
}

// printWarnings writes one "warning:" line per finding of an audit to out;
// dkimDomain is the audit's DKIM domain.
func printWarnings(out io.Writer, dkimDomain string, ws []campaign.Warning) {
	for _, w := range ws {
		switch w.Kind {
		case campaign.WarnUnaligned:
			fmt.Fprintf(out, "warning: %s from %s, which is not the DKIM domain %s (--dkim-domain) or a subdomain of it: receivers will not count the signature as aligned (DMARC)\n",
				plural(w.Messages, "message"), oneLine(w.Domain), strings.ToLower(dkimDomain))
		case campaign.WarnNoUnsubscribe:
			fmt.Fprintf(out, "warning: %s of a campaign of %d %s no List-Unsubscribe header: bulk senders need one-click unsubscribe (--unsubscribe-url)\n",
				plural(w.Messages, "message"), w.Total, map[bool]string{true: "has", false: "have"}[w.Messages == 1])
		}
	}
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
