package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/bounce"
	"github.com/mailrun/mailrun/campaign/mailbox"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/urfave/cli/v2"
)

// bouncesCommand is `mailrun bounces`: read bounces and complaints from a
// mailbox and book them in state files.
func bouncesCommand() *cli.Command {
	return &cli.Command{
		Name:  "bounces",
		Usage: "read bounces and complaints from a mailbox and book them in state files",
		UsageText: `mailrun bounces --imap imaps://USER@HOST[:PORT]/MAILBOX --state FILE [--state FILE...] [options]
mailrun bounces --maildir DIR | --mbox FILE | FILE.eml... [--state FILE...] [--json]

Examples:
  MAILRUN_IMAP_PASSWORD=... mailrun bounces --imap imaps://bounces@imap.example.com/INBOX --state list.csv.state
  mailrun bounces --mbox ~/mail/bounces --json`,
		Description: `Reads every message of the mailbox, tells bounces and complaints from other
mail (auto-replies, out-of-office, challenges, people), and matches each
bounced recipient to a row of a campaign: by the Message-ID of the message
that bounced, by the VERP token of send --return-path 'bounces+{{verp}}@...',
else by the address against the recipient keys (in the last --state file
that has it).

With --state, each matched bounce is booked in that state file: a hard
bounce or a complaint suppresses the address at once; soft bounces are
counted, and the --soft-limit'th (across the --state files given) suppresses
it too; delay notices are never booked. The same report read again is not
booked again. Suppressed recipients are skipped by send, counted and listed
by status, and written by status --suppress-out. A state file that a send is
using is refused (exit 7): run bounces before or after the send.

IMAP: the password comes from MAILRUN_IMAP_PASSWORD, --imap-password-file or
the config file's imap-password key. Messages are read without marking them
seen and, once booked, get the keyword $MailrunProcessed (with --state only),
so the next run reads only new ones; --move-to FOLDER moves the bounces and
complaints there instead (other mail only gets the keyword). Nothing is
deleted. Maildirs, mbox files and .eml files are only read.`,
		ArgsUsage: "[FILE.eml...]",
		Flags: append([]cli.Flag{
			stringFlag("imap", "", "read `URL`: imaps://user@host[:port]/MAILBOX (or imap:// for STARTTLS)", false),
			stringFlag("imap-password-file", "", "read the IMAP password from `FILE` (else MAILRUN_IMAP_PASSWORD or the config file)", true),
			stringFlag("move-to", "", "IMAP: move bounces and complaints to `FOLDER` once booked", false),
			boolFlag("all", "IMAP: also read messages an earlier run marked processed"),
			boolFlag("tls-skip-verify", "do not verify the IMAP server's TLS certificate (unsafe)"),
			stringFlag("maildir", "", "read the Maildir `DIR` (new/ and cur/)", true),
			stringFlag("mbox", "", "read the mbox `FILE`", true),
			listFlag("state", "book bounces in the state `FILE`; repeat it for several campaigns (oldest first)", true),
			intFlag("soft-limit", campaign.DefaultSoftLimit, "`N` soft bounces of an address suppress it"),
			boolFlag("json", "print one JSON object per bounced recipient per line"),
			configFlag(),
		}, logFlags()...),
		Action: runBounces,
	}
}

// runBounces is the Action of bounces: lock the state files, read the
// mailbox, book, sync, and only then mark the messages processed.
func runBounces(c *cli.Context) error {
	if c.Int("soft-limit") < 1 {
		return usageError("--soft-limit must be 1 or more")
	}
	ctx, stopSignals := signalContext(c.Context, c.App.ErrWriter)
	defer stopSignals()
	log := newLogger(c)

	ledgers, err := openLedgers(c.StringSlice("state"))
	if err != nil {
		return err
	}
	defer func() {
		for _, l := range ledgers {
			_ = l.Close()
		}
	}()
	for _, l := range ledgers {
		for _, w := range l.Warnings() {
			log.Warn(w)
		}
	}
	mb, err := openMailbox(ctx, c)
	if err != nil {
		return err
	}
	defer mb.Close()

	rep := newBounceReport(c, ledgers)
	book := bookFunc(ledgers, campaign.BouncePolicy{SoftLimit: c.Int("soft-limit")})
	var processed []*mailbox.Message
	err = mb.Each(ctx, func(m *mailbox.Message) error {
		r, perr := bounce.Parse(bytes.NewReader(m.Data))
		if perr != nil {
			rep.unreadable++
			log.Debug("not a message", "source", m.Source, "error", perr)
			processed = append(processed, m)
			return nil
		}
		m.Report = r.IsBounce() || r.IsComplaint()
		if err := rep.message(m, r, book); err != nil {
			return err
		}
		processed = append(processed, m)
		return nil
	})
	for _, l := range ledgers {
		if cerr := l.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		return err
	}
	if len(ledgers) > 0 {
		if err := mb.Done(ctx, processed); err != nil {
			return err
		}
	}
	return rep.finish(log)
}

// openLedgers opens the state files at paths for booking, all or none.
func openLedgers(paths []string) ([]*statefile.Ledger, error) {
	var out []*statefile.Ledger
	for _, p := range paths {
		l, err := statefile.OpenLedger(p)
		if err != nil {
			for _, o := range out {
				_ = o.Close()
			}
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// openMailbox opens the one mailbox the flags and arguments name.
func openMailbox(ctx context.Context, c *cli.Context) (mailbox.Mailbox, error) {
	kinds := 0
	for _, set := range []bool{c.String("imap") != "", c.String("maildir") != "", c.String("mbox") != "", c.Args().Present()} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return nil, usageError("bounces reads one mailbox: give --imap URL, --maildir DIR, --mbox FILE or .eml files")
	}
	if (c.String("move-to") != "" || c.Bool("all")) && c.String("imap") == "" {
		return nil, usageError("--move-to and --all are for --imap")
	}
	switch {
	case c.String("maildir") != "":
		md, err := mailbox.OpenMaildir(c.String("maildir"))
		if err != nil {
			return nil, &campaign.InputError{Err: err}
		}
		return md, nil
	case c.String("mbox") != "":
		mb, err := mailbox.OpenMbox(c.String("mbox"))
		if err != nil {
			return nil, &campaign.InputError{Err: err}
		}
		return mb, nil
	case c.Args().Present():
		for _, p := range c.Args().Slice() {
			if _, err := os.Stat(p); err != nil {
				return nil, &campaign.InputError{Err: fmt.Errorf("mailbox: %w", err)}
			}
		}
		return mailbox.NewFiles(c.Args().Slice()...), nil
	}
	ep, err := mailbox.ParseIMAPURL(c.String("imap"))
	if err != nil {
		return nil, asUsageError(fmt.Errorf("--imap: %w", err))
	}
	pw, err := readSecret(c, imapSecret)
	if err != nil {
		return nil, err
	}
	if pw == "" {
		return nil, usageError("--imap needs a password: set MAILRUN_IMAP_PASSWORD, --imap-password-file FILE or imap-password in the config file")
	}
	return mailbox.DialIMAP(ctx, ep, mailbox.IMAPOptions{
		Password:      pw,
		MoveTo:        c.String("move-to"),
		All:           c.Bool("all"),
		TLSSkipVerify: c.Bool("tls-skip-verify"),
	})
}

// bookFunc returns the function that books one notice in ledgers.
func bookFunc(ledgers []*statefile.Ledger, p campaign.BouncePolicy) func(campaign.Notice) (campaign.Booking, error) {
	ls := make([]campaign.Ledger, len(ledgers))
	for i, l := range ledgers {
		ls[i] = l
	}
	return func(n campaign.Notice) (campaign.Booking, error) {
		return p.Book(ls, n, time.Now())
	}
}

// notices turns the results of a bounce or complaint report into notices,
// one per result (the policy books none for a result that reports no
// failure); they share the report's id.
func notices(r *bounce.Report, data []byte) []campaign.Notice {
	seed := r.MessageID
	if seed == "" {
		sum := sha256.Sum256(data)
		seed = string(sum[:])
	}
	sum := sha256.Sum256([]byte("notice\x00" + seed))
	id := hex.EncodeToString(sum[:12])
	env := r.EnvelopeAddresses()
	if r.OriginalReturnPath != "" {
		env = append(env, r.OriginalReturnPath)
	}
	var out []campaign.Notice
	for _, res := range r.Results {
		out = append(out, campaign.Notice{
			ID: id, Recipient: res.Recipient, OriginalRecipient: res.OriginalRecipient,
			Kind: campaign.BounceKind(res.Kind), Action: res.Action, Status: res.Status,
			Diagnostic: res.Diagnostic, ReplyCode: res.ReplyCode,
			MessageIDs: r.MessageIDs(), Envelope: env,
		})
	}
	return out
}
