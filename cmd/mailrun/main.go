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
// stderr, and returns the exit code (exitCode). It never calls os.Exit, so
// tests drive the whole program through it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	err := app.RunContext(ctx, args)
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
		fmt.Fprintf(stderr, "mailrun: %s\n", errorMessage(err))
		var ue *usageErr
		if errors.As(err, &ue) {
			fmt.Fprintln(stderr, "Run 'mailrun --help' or 'mailrun COMMAND --help' for usage.")
		}
	}
	return exitCode(err)
}

// newApp builds the mailrun command line over the given streams.
func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	cmds := []*cli.Command{sendCommand(), previewCommand(), validateCommand(), statusCommand(), reportCommand(), bouncesCommand()}
	known := knownConfigKeys(cmds)
	for _, cmd := range cmds {
		prepareCommand(cmd, known)
	}
	return &cli.App{
		Name:  "mailrun",
		Usage: "send a mail-merge campaign from a CSV or XLSX file, safely and resumably",
		UsageText: `mailrun COMMAND --data FILE --template FILE [options]

Start with validate and preview; send when they look right:
  mailrun validate --data recipients.csv --template template.html
  mailrun preview  --data recipients.csv --template template.html --out preview
  mailrun send     --data recipients.csv --template template.html --smtp smtp://user@mail.example.com`,
		Version:   buildVersion(),
		Commands:  cmds,
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		// Exit codes come from exitCode alone; urfave/cli must not exit.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   onUsageError,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageError(fmt.Sprintf("unknown command %q", c.Args().First()))
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

// buildVersion returns version, else the main module's version from the
// build information, else "devel".
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
