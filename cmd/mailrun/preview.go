package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"

	"github.com/mailrun/mailrun/campaign"
	"github.com/urfave/cli/v2"
)

// previewCommand is `mailrun preview`: render the first messages into .eml
// files and an index.html to look at.
func previewCommand() *cli.Command {
	flags := append(commonFlags(),
		intFlag("limit", 10, "render the first `N` messages (and list at most N rows that fail)"),
		stringFlag("out", "preview", "`DIR` to write the .eml files and index.html to", true),
	)
	flags = append(flags, complianceFlags()...)
	return &cli.Command{
		Name:  "preview",
		Usage: "render the first messages as .eml files and an index.html; sends nothing",
		UsageText: `mailrun preview --data FILE --template FILE [--limit 10] [--out DIR] [options]

Example:
  mailrun preview --data examples/newsletter/recipients.csv --template examples/newsletter/template.html --text examples/newsletter/text.txt --out preview`,
		Description: `Writes the first --limit messages as DIR/NNNN-KEY.eml (NNNN is the data-row
number) and DIR/index.html, which shows for each message its decoded headers,
the envelope recipients (Bcc marked), the HTML part as the recipient sees it,
the text part and the attachments. Rows that fail to render are listed with
the reason. The .eml files of an earlier preview in DIR are removed first.
Opens no network connection and touches no state file.`,
		Flags:  flags,
		Action: runPreview,
	}
}

// previewFile matches the names of the files a preview writes, so that a
// new preview removes the old one's and nothing else.
var previewFile = regexp.MustCompile(`^[0-9]{4,}-.*\.eml$`)

// runPreview is the Action of preview.
func runPreview(c *cli.Context) error {
	log := newLogger(c)
	if err := requireFlags(c, "out"); err != nil {
		return err
	}
	limit := c.Int("limit")
	if limit < 1 {
		return usageError(fmt.Sprintf("--limit must be at least 1, not %d", limit))
	}
	src, tmpl, err := openInputs(c, "preview")
	if err != nil {
		return err
	}
	defer src.Close()
	dir := c.String("out")
	if err := prepareOutDir(dir); err != nil {
		return err
	}

	idx := &previewIndex{Data: c.String("data"), Template: c.String("template")}
	keys := map[string]int{}
	for idx.Messages < limit && idx.Failed < limit {
		row, err := src.Next()
		if err == io.EOF {
			break
		}
		var re *campaign.RowError
		if err != nil && !errors.As(err, &re) {
			return err
		}
		var e previewEntry
		if re != nil {
			e = failedEntry(re)
		} else {
			e, err = previewRow(tmpl, row, keys, dir)
			if err != nil {
				return err
			}
		}
		if e.Err != "" {
			idx.Failed++
			fmt.Fprintln(c.App.Writer, oneLine(fmt.Sprintf("row %d%s: %s", e.Row, keySuffix(e.Key), e.Err)))
		} else {
			idx.Messages++
			log.Debug("wrote preview message", "row", e.Row, "file", e.File)
		}
		idx.Entries = append(idx.Entries, e)
	}

	var buf bytes.Buffer
	if err := writeIndex(&buf, idx); err != nil {
		return fmt.Errorf("preview: index.html: %w", err)
	}
	index := filepath.Join(dir, "index.html")
	if err := os.WriteFile(index, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	fmt.Fprintf(c.App.Writer, "preview: wrote %s and index.html to %s\n", plural(idx.Messages, "message"), dir)
	if idx.Failed > 0 {
		fmt.Fprintf(c.App.Writer, "preview: %s failed to render (listed in index.html)\n", plural(idx.Failed, "row"))
	}
	fmt.Fprintf(c.App.Writer, "open %s\n", index)
	return nil
}

// previewRow renders row into dir and returns its index entry. A row that
// fails to render gives an entry with Err set and a nil error; the error is
// for a file that cannot be written.
func previewRow(tmpl renderer, row campaign.Row, keys map[string]int, dir string) (previewEntry, error) {
	key, err := tmpl.Key(row)
	if err != nil {
		return failedEntry(rowError(row.Num, "", err)), nil
	}
	if first, ok := keys[key]; ok {
		return failedEntry(&campaign.RowError{Row: row.Num, Key: key, Err: fmt.Errorf("duplicate of row %d: send sends it once", first)}), nil
	}
	keys[key] = row.Num
	msg, err := tmpl.Render(row)
	if err != nil {
		return failedEntry(rowError(row.Num, key, err)), nil
	}
	e := previewEntry{Row: row.Num, Key: key, File: fmt.Sprintf("%04d-%s.eml", row.Num, fileKey(key)), From: msg.Envelope.From}
	if err := os.WriteFile(filepath.Join(dir, e.File), msg.Data, 0o600); err != nil {
		return e, fmt.Errorf("preview: %w", err)
	}
	e.View, err = parseMessage(msg.Data)
	if err != nil {
		// The renderer made a message that does not parse back: show
		// why, next to the .eml file that proves it.
		e.Err = fmt.Sprintf("%s: %v", e.File, err)
		return e, nil
	}
	shown := map[string]bool{}
	for _, a := range append(e.View.To, e.View.Cc...) {
		shown[strings.ToLower(a)] = true
	}
	for _, a := range msg.Envelope.To {
		e.Recipients = append(e.Recipients, envelopeRecipient{Addr: a, Bcc: !shown[strings.ToLower(a)]})
	}
	return e, nil
}

// failedEntry returns the index entry of a row that has no message.
func failedEntry(re *campaign.RowError) previewEntry {
	msg := re.Err.Error()
	if re.Column != "" {
		msg = fmt.Sprintf("column %q: %s", re.Column, msg)
	}
	return previewEntry{Row: re.Row, Key: re.Key, Err: oneLine(msg)}
}

// keySuffix returns " (key)", or "" for no key.
func keySuffix(key string) string {
	if key == "" {
		return ""
	}
	return " (" + key + ")"
}

// prepareOutDir creates dir (mode 0700: previews hold personal data) or
// removes the .eml files and index.html of an earlier preview from it.
func prepareOutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return asUsageError(fmt.Errorf("--out: %w", err))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return asUsageError(fmt.Errorf("--out: %w", err))
	}
	for _, de := range entries {
		if de.Type().IsRegular() && (previewFile.MatchString(de.Name()) || de.Name() == "index.html") {
			if err := os.Remove(filepath.Join(dir, de.Name())); err != nil {
				return fmt.Errorf("preview: %w", err)
			}
		}
	}
	return nil
}

// fileKey turns a recipient key into a safe part of a file name: letters,
// digits and . _ - @ + are kept, anything else becomes '_', and it is cut to
// 64 characters.
func fileKey(key string) string {
	var b strings.Builder
	n := 0
	for _, r := range key {
		if n == 64 {
			break
		}
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), strings.ContainsRune("._-@+", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		n++
	}
	if b.Len() == 0 {
		return "message"
	}
	return b.String()
}
