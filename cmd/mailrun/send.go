package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/sender"
	"github.com/urfave/cli/v2"
)

// sendCommand is `mailrun send`: deliver a campaign, or with --dry-run write
// it to an outbox folder.
func sendCommand() *cli.Command {
	flags := append(commonFlags(), sendFlags()...)
	flags = append(append(flags, complianceFlags()...), deliveryLimitFlags()...)
	flags = append(append(append(flags, relayFlags()...), credentialFlags()...), paceFlags()...)
	flags = append(flags, proofFlags()...)
	return &cli.Command{
		Name:  "send",
		Usage: "deliver a campaign",
		UsageText: `mailrun send --data recipients.csv --template template.html --smtp smtp://user@mail.example.com [options]
mailrun send --data recipients.csv --template template.html --dry-run --outbox outbox/

The password comes from MAILRUN_SMTP_PASSWORD, --smtp-password-file,
--password-command or the config file's smtp-password key, never from the
command line; with --auth xoauth2, OAuth2 access tokens come from
--token-command or from the provider (--oauth-provider, see README). Running the
same command again resumes: delivered recipients are skipped.`,
		Description: `Renders every row of the data file with the template and delivers it
through the --smtp relays, recording each attempt in the state file (the
data file's path + .state) before and after it, so that the same command
resumes after a crash, a Ctrl-C or --limit without sending anything twice.

Before the first message, each relay is tried (connect, TLS, AUTH): a relay
that is not there or refuses stops the run at once (exit 6). On a terminal,
send then shows what it is about to do and asks to go on (--yes skips the
question). --test-to ADDR sends proof copies of real rows to ADDR only,
and never touches the state file. --dry-run writes .eml files to --outbox
instead, through the same checks; each dry run starts afresh.

Exit codes: 0 every row delivered (or --limit reached), 2 usage, 3 input,
4 rows failed permanently, 5 temporary failures remain (or a cap, a closed
send window with --no-wait, every relay out), 6 fatal SMTP error, 7 state
file locked or of another template or data file, 130 interrupted.`,
		Flags:  flags,
		Action: runSend,
	}
}

// sendFlags are the flags only `send` has.
func sendFlags() []cli.Flag {
	return []cli.Flag{
		smtpFlag(),
		stringFlag("smtp-password-file", "", "read the SMTP password from `FILE` (else MAILRUN_SMTP_PASSWORD, --password-command or the config file)", true),
		stringFlag("tls-policy", "", "`POLICY`: mandatory, opportunistic or none (default: from the URL)", false),
		boolFlag("tls-skip-verify", "do not verify the server's TLS certificate (unsafe)"),
		stringFlag("tls-ca", "", "trust the certificate authorities in `FILE` (PEM) instead of the system's, e.g. a private CA", true),
		stringFlag("auth", "", "AUTH `MECHANISM`: plain, login, scram-sha-256, scram-sha-1, cram-md5, xoauth2, none (default: the best the server offers)", false),
		stringFlag("return-path", "", "envelope sender `ADDRESS` (MAIL FROM, where bounces go) instead of the From address; bounces+{{verp}}@example.com puts a token per row in it, which mailrun bounces matches", false),
		stringFlag("hello", "", "`NAME` to send in EHLO (default: this host's fully qualified name, else the address literal of the local address, e.g. [192.0.2.1])", false),
		intFlag("workers", 4, "`N` SMTP connections"),
		stringFlag("rate", "0", "at most `R` messages: 10/s, 600/m, 20000/h, 0 = unlimited", false),
		intFlag("burst", 1, "`N` messages allowed at once above --rate"),
		intFlag("max-per-conn", 100, "reconnect after `N` messages on one connection"),
		durationFlag("timeout", 30*time.Second, "time `D` allowed for each SMTP step, e.g. 30s"),
		durationFlag("data-timeout", 10*time.Minute, "time `D` allowed for the server's reply to the end of a message (its filters may be slow)"),
		intFlag("retries", 3, "`N` retries of a temporary failure (4xx, timeout, dropped connection)"),
		durationFlag("retry-wait", 5*time.Second, "wait `D` before the first retry; it doubles for each next one (with jitter)"),
		stringFlag("state", "", "state `FILE` (default: the data file's path + .state)", true),
		boolFlag("retry-failed", "also send rows recorded as permanently failed"),
		stringFlag("unknown", "send", "`WHAT` to do with rows whose outcome is unknown after a crash: send (again, same Message-ID) or skip", false),
		boolFlag("allow-template-change", "resume even though the template changed since the state file was made"),
		boolFlag("allow-data-change", "resume even though the state file was made for another data file"),
		intFlag("limit", 0, "take at most `N` rows for delivery this run (N >= 1); the next run goes on from there"),
		boolFlag("dry-run", "run everything but write .eml files to --outbox instead of sending; each dry run starts afresh"),
		boolFlag("resume", "with --dry-run: go on from the last dry run (its outbox and .dry-run.state) instead of starting afresh"),
		stringFlag("outbox", "outbox", "`DIR` for --dry-run messages", true),
		boolFlag("yes", "do not ask to confirm on a terminal before sending", "y"),
		durationFlag("stats", 10*time.Second, "interval `D` of the stats log line when not on a terminal"),
	}
}

// runSend wires the pieces of a run together and maps its result to an exit
// code.
func runSend(c *cli.Context) error {
	if err := requireFlags(c, "data", "template"); err != nil {
		return err
	}
	ignoreBrokenPipe()
	// On a terminal, everything written to stderr goes above the live
	// progress line.
	var live *liveLine
	if isTerminal(c.App.ErrWriter) && !c.Bool("quiet") {
		live = &liveLine{w: c.App.ErrWriter}
		c.App.ErrWriter = live
	}
	log := newLogger(c)
	dryRun := c.Bool("dry-run")
	// A dry run checks every sending setting as a real run does: it
	// differs only in where the messages go.
	relays, err := relaySpecs(c)
	if err != nil {
		return err
	}
	if len(relays) == 0 && !dryRun {
		return usageError("send needs --smtp URL to deliver, or --dry-run to write .eml files instead")
	}
	if c.Bool("resume") && !dryRun {
		return usageError("--resume is for --dry-run (a dry run starts afresh without it); a real run always resumes")
	}
	if c.IsSet("limit") && c.Int("limit") < 1 {
		return usageError(fmt.Sprintf("--limit must be at least 1, not %d (leave it out to send every row)", c.Int("limit")))
	}
	if len(c.StringSlice("test-to")) > 0 {
		return runProof(c, log, relays)
	}
	if c.String("rows") != "" {
		return usageError("--rows chooses the rows of --test-to proof copies; a real run sends every row")
	}
	shard, err := shardOf(c)
	if err != nil {
		return err
	}
	unknown := c.String("unknown")
	if unknown != "send" && unknown != "skip" {
		return usageError(fmt.Sprintf("--unknown must be send or skip, not %q", unknown))
	}
	statePath, err := statePath(c)
	if err != nil {
		return err
	}
	loc, err := timeZone(c)
	if err != nil {
		return err
	}
	limits, err := capLimits(c.Int("max-per-day"), c.Int("max-per-24h"), loc, "--")
	if err != nil {
		return err
	}
	schedule, err := sendSchedule(c, loc)
	if err != nil {
		return err
	}
	pacer, err := domainPacer(c, log)
	if err != nil {
		return err
	}
	suppress, err := loadSuppression(c)
	if err != nil {
		return err
	}

	// The template's hash goes into the state file, whose campaign id goes
	// into the template's Message-IDs.
	src, tmpl, err := openInputs(c, "")
	if err != nil {
		return err
	}
	defer src.Close()
	jh := statefile.Header{
		TemplateHash:        tmpl.Hash(),
		DataFile:            c.String("data"),
		AllowTemplateChange: c.Bool("allow-template-change"),
		AllowDataChange:     c.Bool("allow-data-change"),
		Fresh:               dryRun && !c.Bool("resume"),
	}
	jh.CountDeliveredSince = campaign.Since(append(relayLimits(relays, loc), limits...), time.Now())
	j, err := statefile.Open(statePath, jh)
	if err != nil {
		return err
	}
	defer j.Close()
	for _, w := range j.Warnings() {
		log.Warn(w)
	}
	if n := j.Unknown(); n > 0 && unknown == "send" {
		log.Warn("messages with an unknown outcome from an earlier run will be sent again with the same Message-ID", "count", n)
	}
	tmpl.SetCampaignID(j.CampaignID())
	for _, w := range tmpl.Warnings() {
		log.Warn(w.Text, "template", w.File, "line", w.Line)
	}

	snd, workers, err := newSender(c, log, relays, j.DeliveriesByRelay(), loc, pacer)
	if err != nil {
		return err
	}

	ctx, stopSignals := signalContext(c.Context, c.App.ErrWriter)
	defer stopSignals()
	policy := campaign.ResumePolicy{RetryFailed: c.Bool("retry-failed"), SkipUnknown: unknown == "skip"}
	plan := sendPlan{data: c.String("data"), template: c.String("template"), state: statePath, rows: -1,
		settled: j.Settled(policy), limit: c.Int("limit"), relays: relays}
	if n, ok := countRows(c); ok {
		plan.rows = n
	}
	if err := readySender(ctx, c, snd, plan); err != nil {
		_ = snd.Close()
		return err
	}

	prog := new(campaign.Progress)
	watchRelays(snd, prog)
	if plan.rows >= 0 {
		prog.SetTotal(plan.rows)
	}
	prog.SetSettled(int64(plan.settled))
	r := &campaign.Runner{
		Source:      src,
		Renderer:    tmpl,
		Sender:      snd,
		Journal:     j,
		Workers:     workers,
		Shard:       shard,
		Retries:     c.Int("retries"),
		RetryWait:   c.Duration("retry-wait"),
		Limit:       c.Int("limit"),
		RetryFailed: c.Bool("retry-failed"),
		SkipUnknown: unknown == "skip",
		Progress:    prog,
		Logger:      log,

		Suppress:  suppress,
		Limits:    limits,
		Delivered: j.Deliveries(),
		Schedule:  schedule,
		NoWait:    c.Bool("no-wait"),
	}
	if !c.Bool("dry-run") {
		r.Pacer = pacer
	}
	display := startProgress(c, prog, log, live)
	sum, runErr := r.Run(ctx)
	closeErr := snd.Close()
	display.Stop()
	if err := j.Close(); err != nil && runErr == nil {
		runErr = err
	}
	sum.Unrecord(j.Lost())
	printSummary(c.App.Writer, sum, statePath, dryRun)
	return sendResult(sum, runErr, closeErr, statePath)
}

// sendResult turns a run's summary and error into the command's error:
// the run's own error, else the outcome that decides the exit code.
func sendResult(sum campaign.Summary, runErr, closeErr error, state string) error {
	switch {
	case runErr != nil:
		return runErr
	case sum.CapReached:
		return &capReached{limit: sum.Cap, resumeAt: sum.ResumeAt}
	case sum.OutsideWindow:
		return &outsideWindow{opens: sum.ResumeAt}
	case sum.Failed > 0 || sum.PreviouslyFailed > 0:
		return &rowsFailed{n: sum.Failed + sum.PreviouslyFailed, earlier: sum.PreviouslyFailed, state: state}
	case sum.Deferred > 0 || sum.UnknownSkipped > 0:
		return &rowsPending{n: sum.Deferred, unknown: sum.UnknownSkipped}
	case sum.Limited:
		return &limitReached{left: sum.Left}
	}
	return closeErr
}

// statePath returns the state file to use: --state or the data file's path
// plus ".state" (".shard-i-of-n.state" with --shard i/n), with ".dry-run"
// added for a dry run so that a dry run never touches the real state.
func statePath(c *cli.Context) (string, error) {
	p := c.String("state")
	if p == "" {
		data := c.String("data")
		if data == "-" || data == "" {
			return "", usageError("reading the data from stdin needs --state FILE")
		}
		shard, err := shardOf(c)
		if err != nil {
			return "", err
		}
		p = data + shard.Suffix() + ".state"
	}
	if c.Bool("dry-run") {
		p = strings.TrimSuffix(p, ".state") + ".dry-run.state"
	}
	return filepath.Clean(p), nil
}

// newSender builds the SMTP sender of relays (see newSMTPSender), or the
// outbox of a dry run, and returns it with the number of runner workers.
//
// A dry run builds the SMTP sender too, and closes it unused: its settings
// are checked exactly as a real run checks them (without --smtp, against a
// stand-in relay that takes the global flags). The outbox starts empty
// unless --resume.
func newSender(c *cli.Context, log *slog.Logger, relays []relaySpec, delivered map[string][]campaign.DeliveryCount,
	loc *time.Location, pacer *sender.DomainPacer) (campaign.Sender, int, error) {
	if !c.Bool("dry-run") {
		return newSMTPSender(c, log, relays, delivered, loc, pacer)
	}
	if len(relays) == 0 {
		def, err := flagRelayDefaults(c)
		if err != nil {
			return nil, 0, err
		}
		relays = []relaySpec{def.relay("smtp://localhost", "dry-run")}
	}
	snd, workers, err := newSMTPSender(c, log, relays, delivered, loc, pacer)
	if err != nil {
		return nil, 0, err
	}
	_ = snd.Close()
	o, err := sender.NewOutbox(c.String("outbox"))
	if err == nil && !c.Bool("resume") {
		err = o.Clear()
	}
	if err != nil {
		return nil, 0, asUsageError(fmt.Errorf("--outbox: %w", err))
	}
	return o, workers, nil
}

// quoteArg returns s ready to paste into a shell command.
func quoteArg(s string) string {
	if s == "" || strings.ContainsAny(s, " \t'\"$`\\") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}
