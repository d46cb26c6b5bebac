package main

import (
	"fmt"
	"path/filepath"
	"time"
	"unicode/utf8"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/source"
	"github.com/mailrun/mailrun/render"
	"github.com/urfave/cli/v2"
)

// openSource opens the recipients named by --data (with --sheet, --delimiter
// and --encoding), reading the app's Reader (stdin) for "-". The caller must
// Close the source. It returns a usage error (exit 2) when --data is missing
// or --delimiter is not one character, and source.Open's
// *campaign.InputError (exit 3) when the data cannot be read.
func openSource(c *cli.Context) (campaign.Source, error) {
	if err := requireFlags(c, "data"); err != nil {
		return nil, err
	}
	delim, err := parseDelimiter(c.String("delimiter"))
	if err != nil {
		return nil, err
	}
	limits, err := sourceLimits(c)
	if err != nil {
		return nil, err
	}
	raiseMemoryLimitFor(c.String("data"))
	return source.Open(c.String("data"), source.Options{
		Sheet:     c.String("sheet"),
		Delimiter: delim,
		Encoding:  c.String("encoding"),
		Stdin:     c.App.Reader,
		Limits:    limits,
		TempDir:   scratchDir,
	})
}

// openTemplate parses the message template named by --template, with
// --text, --key, --layout, --partials, --inline-css and --attach-dir
// (default: the template's folder), and the DKIM, unsubscribe, return path
// and --test-to flags where the command has them, for the campaign
// campaignID (which goes into every Message-ID; "" when the caller sets it
// later with SetCampaignID, as send does once the state file gives it). It
// returns a usage error (exit 2) when --template is missing,
// renderCompliance's errors, and render.New's *campaign.InputError (exit 3,
// with file:line) when a template does not parse. Call Check with the
// source's columns before rendering any row.
func openTemplate(c *cli.Context, campaignID string) (*render.Template, error) {
	if err := requireFlags(c, "template"); err != nil {
		return nil, err
	}
	path := c.String("template")
	attachDir := c.String("attach-dir")
	if attachDir == "" {
		attachDir = filepath.Dir(path)
	}
	unsub, dkim, err := renderCompliance(c)
	if err != nil {
		return nil, err
	}
	returnPath, err := campaign.ParseReturnPath(c.String("return-path"))
	if err != nil {
		return nil, asUsageError(fmt.Errorf("--return-path: %w", err))
	}
	proofTo, err := proofAddresses(c)
	if err != nil {
		return nil, err
	}
	opts := render.Options{
		ReturnPath:     returnPath,
		CampaignID:     campaignID,
		KeyColumn:      c.String("key"),
		TextPath:       c.String("text"),
		AttachDir:      attachDir,
		Now:            time.Now,
		UnsubscribeURL: unsub,
		DKIM:           dkim,
		ProofTo:        proofTo,
		ListID:         c.String("list-id"),
		LayoutPath:     c.String("layout"),
		PartialsDir:    c.String("partials"),
		KeepCSS:        !c.Bool("inline-css"),
	}
	if err := renderLimits(c, &opts); err != nil {
		return nil, err
	}
	return render.New(path, opts)
}

// parseDelimiter turns the --delimiter value into a rune: 0 for "" (the
// source picks one from the file's extension), a tab for `\t` or "tab", else
// the value's single character.
func parseDelimiter(s string) (rune, error) {
	switch s {
	case "":
		return 0, nil
	case `\t`, "tab", "TAB":
		return '\t', nil
	}
	r, size := utf8.DecodeRuneInString(s)
	if size != len(s) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' {
		return 0, usageError(fmt.Sprintf("--delimiter must be one character (or \\t for tab), not %q", s))
	}
	return r, nil
}

// openInputs opens the data (openSource) and the template (openTemplate)
// and checks that the data has every column the template needs, so that
// nothing is rendered from a template that cannot work. On success the
// caller must Close the source; on error there is nothing to close. Errors
// are those of openSource, openTemplate and Template.Check (a missing column
// is a *campaign.InputError: exit 3).
func openInputs(c *cli.Context, campaignID string) (campaign.Source, *render.Template, error) {
	if err := requireFlags(c, "data", "template"); err != nil {
		return nil, nil, err
	}
	src, err := openSource(c)
	if err != nil {
		return nil, nil, err
	}
	tmpl, err := openTemplate(c, campaignID)
	if err == nil {
		err = tmpl.Check(src.Columns())
	}
	if err != nil {
		src.Close()
		return nil, nil, err
	}
	return src, tmpl, nil
}
