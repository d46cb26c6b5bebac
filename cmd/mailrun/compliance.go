package main

import (
	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/render"
	"github.com/urfave/cli/v2"
)

// complianceFlags are the flags that change what a message holds: DKIM and
// one-click unsubscribe. send, validate and preview take them, so that what
// validate and preview show is what send sends.
func complianceFlags() []cli.Flag {
	return []cli.Flag{
		stringFlag("dkim-key", "", "sign every message with the DKIM private key in PEM `FILE` (RSA or Ed25519)", true),
		stringFlag("dkim-selector", "", "DKIM `SELECTOR`: the key's DNS record is SELECTOR._domainkey.DOMAIN", false),
		stringFlag("dkim-domain", "", "DKIM signing `DOMAIN` (default: the domain of each message's From address)", false),
		stringFlag("unsubscribe-url", "", "add one-click unsubscribe headers (RFC 8058) with this https `URL` template, e.g. https://example.com/u/{{.id}}", false),
		stringFlag("list-id", "", "add a List-Id header (RFC 2919): `ID` such as news.example.com or 'Newsletter <news.example.com>'", false),
	}
}

// deliveryLimitFlags are send's flags that decide who is mailed and when:
// suppression lists, caps and send windows (see quota.go).
func deliveryLimitFlags() []cli.Flag {
	return []cli.Flag{
		listFlag("suppress", "never mail the addresses (or @domains) in `FILE`: one a line, or a CSV file with an email column; repeatable", true),
		intFlag("max-per-day", 0, "deliver at most `N` messages per calendar day (counted in the state file); 0 = no cap"),
		intFlag("max-per-24h", 0, "deliver at most `N` messages in any 24 hours, as Gmail counts (from the state file); 0 = no cap"),
		listFlag("window", "send only between `HH:MM-HH:MM` (e.g. 09:00-18:00; 22:00-06:00 crosses midnight); repeatable", false),
		stringFlag("days", "", "send only on these `DAYS`, e.g. mon-fri or mon,wed,fri (default: every day)", false),
		boolFlag("no-wait", "outside the --window/--days, exit (code 5) with the next opening instead of waiting for it"),
		stringFlag("tz", "", "time `ZONE` of --max-per-day's days and of --window and --days, e.g. Asia/Seoul (default: local time)", false),
	}
}

// renderCompliance returns the unsubscribe URL and DKIM settings of the
// complianceFlags for render.Options. A --dkim-key without --dkim-selector
// (or the reverse) is a usage error (exit 2); a key file that cannot be read
// or parsed is render.LoadDKIMKey's *campaign.InputError (exit 3). A key
// that loads from a file others may read gets a warning.
func renderCompliance(c *cli.Context) (string, *render.DKIM, error) {
	keyPath, sel, domain := c.String("dkim-key"), c.String("dkim-selector"), c.String("dkim-domain")
	switch {
	case keyPath == "" && (sel != "" || domain != ""):
		return "", nil, usageError("--dkim-selector and --dkim-domain need --dkim-key FILE")
	case keyPath == "":
		return c.String("unsubscribe-url"), nil, nil
	case sel == "":
		return "", nil, usageError("--dkim-key needs --dkim-selector: the name of the key's DNS record")
	}
	key, err := render.LoadDKIMKey(keyPath)
	if err != nil {
		return "", nil, err
	}
	warnReadable(c, keyPath, "--dkim-key holds a private key", "")
	return c.String("unsubscribe-url"), &render.DKIM{Domain: domain, Selector: sel, Key: key}, nil
}

// loadSuppression loads the --suppress files, or returns nil when there
// are none. Errors are statefile.LoadSuppression's *campaign.InputError.
func loadSuppression(c *cli.Context) (*campaign.Suppression, error) {
	paths := c.StringSlice("suppress")
	if len(paths) == 0 {
		return nil, nil
	}
	return statefile.LoadSuppression(paths...)
}
