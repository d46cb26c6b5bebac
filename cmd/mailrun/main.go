// Command mailrun sends personalised mail to a list of recipients from a CSV
// or XLSX file, safely: it previews and validates before anything is sent,
// records every recipient's outcome in a state file that survives a crash,
// and retries what SMTP says is worth retrying.
//
// This package alone knows flags, environment variables, the config file,
// signals, terminals and exit codes; the work is done by the campaign, render
// and sender packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/mailrun/mailrun/campaign"
	"github.com/urfave/cli/v2"
)

// version is the release version, set at build time with
// -ldflags "-X main.version=v1.2.3". Without it, the module version from the
// build information is shown (a go install'ed binary has one).
var version = ""

func init() {
	// -v is --verbose, so the version flag has no short form.
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Usage: "print the version and exit"}
}

func main() {
	os.Exit(run(context.Background(), os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// run runs the command line args (args[0] is the program name) with the
// given standard streams, prints any error once as "mailrun: <message>" to
// stderr, on one line (a server's reply in it cannot drive the terminal),
// and returns the exit code (exitCode). It never calls os.Exit, so
// tests drive the whole program through it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	defer useScratch()()
	cliSetup.Lock()
	var once sync.Once
	setUp := func() { once.Do(cliSetup.Unlock) }
	app := newApp(stdin, stdout, stderr)
	err := app.RunContext(context.WithValue(ctx, setUpKey{}, setUp), args)
	setUp()
	var ae *actionErr
	if errors.As(err, &ae) {
		err = ae.err
	} else {
		// Whatever urfave/cli returns by itself (a flag that does not
		// parse, a bad environment value, a config file) or a Before
		// returns is a usage or configuration error.
		err = asUsageError(err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mailrun: %s\n", oneLine(errorMessage(err)))
		var ue *usageErr
		if errors.As(err, &ue) {
			fmt.Fprintln(stderr, "Run 'mailrun --help' or 'mailrun COMMAND --help' for usage.")
		}
	}
	return exitCode(err)
}

// cliSetup is held while urfave/cli sets an app and its command up and
// parses their flags: it writes to package-level values as it does (its
// help and version flags), so two apps set up at once (tests run several
// commands in parallel) would race. A command's Before releases it, through
// the function under setUpKey in the context; run releases it otherwise.
var cliSetup sync.Mutex

type setUpKey struct{}

// setUpDone releases cliSetup for the run of c.
func setUpDone(c *cli.Context) {
	if f, ok := c.Context.Value(setUpKey{}).(func()); ok {
		f()
	}
}

// newApp builds the mailrun command line over the given streams.
func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	cmds := []*cli.Command{sendCommand(), previewCommand(), validateCommand(), statusCommand(), reportCommand(), bouncesCommand()}
	known := knownConfigKeys(cmds)
	for _, cmd := range cmds {
		prepareCommand(cmd, known)
	}
	for _, cmd := range []*cli.Command{completionCommand(), manCommand()} {
		cmd.OnUsageError = onUsageError
		cmds = append(cmds, cmd)
	}
	return &cli.App{
		Name:  "mailrun",
		Usage: "send a mail-merge campaign from a CSV or XLSX file, safely and resumably",
		UsageText: `mailrun COMMAND --data FILE --template FILE [options]

Start with validate and preview; send when they look right:
  mailrun validate --data recipients.csv --template template.html
  mailrun preview  --data recipients.csv --template template.html --out preview
  mailrun send     --data recipients.csv --template template.html --smtp smtp://user@mail.example.com`,
		Description: `mailrun renders one message template for every row of a CSV or XLSX
file and sends the messages over SMTP, recording each recipient's outcome
in a state file, so that running the same command again resumes where a
crash, a Ctrl-C or --limit left off, without sending anything twice.
validate and preview never open a network connection.

Every flag can also be set with MAILRUN_<FLAG> (MAILRUN_ATTACH_DIR for
--attach-dir) and with the keys of a YAML --config file; precedence: flag,
environment, config file, default. The SMTP password comes from
MAILRUN_SMTP_PASSWORD, --smtp-password-file, --password-command or the
config file's smtp-password, never from the command line.

Exit codes: 0 success (for send: every row delivered, or --limit reached);
1 other error; 2 usage or configuration error; 3 input error (data,
template, DKIM key; for validate: any problem found); 4 rows failed
permanently; 5 temporary failures remain, a cap (--max-per-day,
--max-per-24h), a closed send window with --no-wait, or every relay out
(run again later); 6 fatal SMTP error (no server, TLS, AUTH, a refused
OAuth2 refresh token; for bounces, the IMAP login); 7 state file locked or
of another template or data file; 130 interrupted, state saved.`,
		Version: buildVersion(),
		// Completion scripts ask mailrun for the words that fit.
		EnableBashCompletion: true,
		Commands:             cmds,
		Reader:               stdin,
		Writer:               stdout,
		ErrWriter:            stderr,
		// Exit codes come from exitCode alone; urfave/cli must not exit.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   onUsageError,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return unknownCommand(c.Args().First(), cmds)
			}
			return cli.ShowAppHelp(c)
		},
	}
}

// prepareCommand installs on cmd what every command shares: usage errors
// that exit 2, a Before that loads the config file and checks the logging
// flags before the command's own Before, and an Action whose errors run
// passes on to exitCode as they are.
func prepareCommand(cmd *cli.Command, known map[string]bool) {
	cmd.OnUsageError = onUsageError
	loadConfig := configBefore(cmd.Flags, known)
	own := cmd.Before
	cmd.Before = func(c *cli.Context) error {
		setUpDone(c)
		if err := noArguments(c); err != nil {
			return err
		}
		if err := loadConfig(c); err != nil {
			return err
		}
		if err := checkLogFlags(c); err != nil {
			return err
		}
		if own != nil {
			return own(c)
		}
		return nil
	}
	if action := cmd.Action; action != nil {
		cmd.Action = func(c *cli.Context) error {
			if err := action(c); err != nil {
				return &actionErr{err: err}
			}
			return nil
		}
	}
}

// noArguments returns a usage error when the command line of c holds a
// word that is neither a flag nor a flag's value. Flag parsing stops at the
// first such word, so every flag after it would be silently dropped
// (--dry-run among them): the command must not run. A command that takes
// arguments (its ArgsUsage is set) gets them, but not a flag after them.
func noArguments(c *cli.Context) error {
	if !c.Args().Present() {
		return nil
	}
	args := c.Args().Slice()
	var dropped []string
	for _, a := range args[1:] {
		if strings.HasPrefix(a, "-") {
			dropped = append(dropped, a)
		}
	}
	if c.Command.ArgsUsage != "" {
		if len(dropped) == 0 {
			return nil
		}
		return usageError(fmt.Sprintf("%s: the flags after %q were not read: %s; put the flags before the %s",
			c.Command.Name, args[0], strings.Join(dropped, " "), c.Command.ArgsUsage))
	}
	msg := fmt.Sprintf("%s takes no arguments, but got %q", c.Command.Name, args[0])
	if len(dropped) > 0 {
		msg += " (the flags after it were not read: " + strings.Join(dropped, " ") + ")"
	}
	return usageError(msg + "; a flag takes one value: to give several, repeat the flag (--suppress a.txt --suppress b.txt)")
}

// unknownCommand returns the usage error of a word that names no command,
// with the command it was most likely meant to be.
func unknownCommand(word string, cmds []*cli.Command) error {
	var names []string
	for _, c := range cmds {
		names = append(names, c.Names()...)
	}
	msg := fmt.Sprintf("unknown command %q", word)
	if s, ok := campaign.Suggest(word, names); ok {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return usageError(msg + " (commands: " + strings.Join(names, ", ") + ")")
}

// actionErr marks an error returned by a command's Action, as opposed to one
// urfave/cli found in the command line.
type actionErr struct{ err error }

func (e *actionErr) Error() string { return e.err.Error() }
func (e *actionErr) Unwrap() error { return e.err }

// onUsageError turns urfave/cli's flag parsing errors into usage errors
// (exit 2) and keeps it from printing help after them.
func onUsageError(c *cli.Context, err error, isSubcommand bool) error {
	if isSubcommand && c.Command != nil {
		return asUsageError(fmt.Errorf("%s: %w", c.Command.Name, err))
	}
	return asUsageError(err)
}

// buildVersion returns version when it was set at build time, else what
// versionFrom makes of the build information.
func buildVersion() string {
	if version != "" {
		return version
	}
	bi, _ := debug.ReadBuildInfo()
	return versionFrom(bi)
}

// versionFrom describes the build bi (nil when there is none): the main
// module's version (go install ...@v1.2.0 sets it; a build in a git
// checkout sets a pseudo-version that holds the commit), followed by the
// commit it was built from, "modified" when the checkout had changes;
// "devel" when the build recorded neither (-buildvcs=false, or no git).
func versionFrom(bi *debug.BuildInfo) string {
	if bi == nil {
		return "devel"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	if rev == "" {
		return v
	}
	v += " (commit " + rev[:min(len(rev), 12)]
	if modified == "true" {
		v += ", modified"
	}
	return v + ")"
}
