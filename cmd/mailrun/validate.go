package main

import (
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
  mailrun validate --data examples/newsletter/recipients.csv --template examples/newsletter/template.html --text examples/newsletter/text.txt`,
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
	rows, messages, problems, duplicates int
	attachments                          int
	attachBytes                          int64
	// keys maps the hash64 of each recipient key to the first row that had
	// it; recipients holds the hash64 of each envelope address. Hashes keep
	// the memory per row small.
	keys, recipients *hashTable
	warn             complianceWarnings
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
	v := validation{keys: newHashTable(true), recipients: newHashTable(false), warn: newComplianceWarnings(c)}
	for {
		row, err := src.Next()
		if err == io.EOF {
			break
		}
		var re *campaign.RowError
		if errors.As(err, &re) {
			v.rows++
			v.problem(out, re)
			continue
		}
		if err != nil {
			return err
		}
		v.rows++
		v.check(out, tmpl, row)
	}
	if err := src.Close(); err != nil {
		return err
	}
	v.summary(out)
	v.warn.print(out, v.recipients.len())
	if v.problems > 0 {
		return &exitError{code: exitInput, err: fmt.Errorf("validate: %s found in %s", plural(v.problems, "problem"), plural(v.rows, "row"))}
	}
	return nil
}

// renderer is the part of *render.Template that validate and preview use.
type renderer interface {
	Key(campaign.Row) (string, error)
	Render(campaign.Row) (*campaign.Message, error)
}

// check renders row, reporting a failure or a duplicate key on out.
func (v *validation) check(out io.Writer, tmpl renderer, row campaign.Row) {
	key, err := tmpl.Key(row)
	if err != nil {
		v.problem(out, rowError(row.Num, "", err))
		return
	}
	if first, dup := v.keys.put(campaign.HashKey(key), uint32(row.Num)); dup {
		v.duplicates++
		v.problem(out, &campaign.RowError{Row: row.Num, Key: key, Err: fmt.Errorf("duplicate of row %d", first)})
		return
	}
	msg, err := tmpl.Render(row)
	if err != nil {
		v.problem(out, rowError(row.Num, key, err))
		return
	}
	v.messages++
	v.warn.note(msg)
	for _, addr := range msg.Envelope.To {
		v.recipients.put(campaign.HashKey(strings.ToLower(addr)), 0)
	}
	for _, a := range msg.Attachments {
		v.attachments++
		v.attachBytes += a.Size
	}
}

// problem prints err, a *campaign.RowError, as one "row N (key): reason"
// line.
func (v *validation) problem(out io.Writer, err *campaign.RowError) {
	v.problems++
	fmt.Fprintln(out, oneLine(err.Error()))
}

// summary prints the counts of the run.
func (v *validation) summary(out io.Writer) {
	fmt.Fprintf(out, "\n%s, %s, %s, %s, %s (%s); %s\n",
		plural(v.rows, "row"),
		plural(v.messages, "message"),
		plural(v.recipients.len(), "distinct recipient"),
		plural(v.duplicates, "duplicate key"),
		plural(v.attachments, "attachment"),
		humanBytes(v.attachBytes),
		plural(v.problems, "problem"))
}

// rowError returns err as a *campaign.RowError of row num, filling in the
// key when err lacks it.
func rowError(num int, key string, err error) *campaign.RowError {
	var re *campaign.RowError
	if errors.As(err, &re) {
		if re.Key == "" && key != "" {
			cp := *re
			cp.Key = key
			return &cp
		}
		return re
	}
	return &campaign.RowError{Row: num, Key: key, Err: err}
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
