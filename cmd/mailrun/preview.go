package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender"
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
  mailrun preview --data examples/newsletter/recipients.csv --template examples/newsletter/template.md --layout examples/newsletter/layout.html --partials examples/newsletter/partials --out preview`,
		Description: `Writes the first --limit messages as DIR/NNNNNN-KEY.eml (NNNNNN is the data-row
number) and DIR/index.html, which shows for each message its decoded headers,
the envelope recipients (Bcc marked), the HTML part as the recipient sees it,
the text part and the attachments. Rows that fail to render are listed with
the reason. The .eml files of an earlier preview in DIR are removed first.
Opens no network connection and touches no state file.`,
		Flags:  flags,
		Action: runPreview,
	}
}

// runPreview is the Action of preview.
func runPreview(c *cli.Context) error {
	log := newLogger(c)
	defer quitOnSignal(c.App.ErrWriter)()
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
	out, err := sender.NewOutbox(dir)
	if err != nil {
		return asUsageError(fmt.Errorf("--out: %w", err))
	}
	if err := out.Clear(); err != nil {
		return err
	}

	idx := &previewIndex{Data: c.String("data"), Template: c.String("template")}
	pipe := &campaign.Pipeline{Source: src, Renderer: tmpl}
	for idx.Messages < limit && idx.Failed < limit {
		it, err := pipe.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		e, err := previewItem(c.Context, pipe, out, it)
		if err != nil {
			return err
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
	if err := out.WriteFile("index.html", buf.Bytes()); err != nil {
		return err
	}
	for _, w := range tmpl.Warnings() {
		fmt.Fprintf(c.App.Writer, "warning: %s\n", oneLine(w.String()))
	}
	fmt.Fprintf(c.App.Writer, "preview: wrote %s and index.html to %s\n", plural(idx.Messages, "message"), dir)
	if idx.Failed > 0 {
		fmt.Fprintf(c.App.Writer, "preview: %s failed to render (listed in index.html)\n", plural(idx.Failed, "row"))
	}
	fmt.Fprintf(c.App.Writer, "open %s\n", filepath.Join(dir, "index.html"))
	return nil
}

// previewItem renders it into out and returns its index entry. A row that
// has no message gives an entry with Err set and a nil error; the error is
// for a file that cannot be written.
func previewItem(ctx context.Context, pipe *campaign.Pipeline, out *sender.Outbox, it campaign.Item) (previewEntry, error) {
	switch {
	case it.Err != nil:
		return failedEntry(it.Err), nil
	case it.DuplicateOf > 0:
		re := it.DuplicateError()
		re.Err = fmt.Errorf("%w: send sends it once", re.Err)
		return failedEntry(re), nil
	}
	msg, err := pipe.Render(it)
	if err != nil {
		return failedEntry(err), nil
	}
	e := previewEntry{Row: it.Row.Num, Key: it.Key, File: sender.Name(msg), From: msg.Envelope.From}
	if _, err := out.Send(ctx, msg, nil); err != nil {
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

// failedEntry returns the index entry of a row that has no message; err is
// a *campaign.RowError.
func failedEntry(err error) previewEntry {
	var re *campaign.RowError
	if !errors.As(err, &re) {
		return previewEntry{Err: oneLine(err.Error())}
	}
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
