package main

import (
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"
)

// envPrefix starts the name of every environment variable mailrun reads.
const envPrefix = "MAILRUN_"

// envVars returns the environment variable that a flag named name reads:
// MAILRUN_ and the name in upper case with '-' turned into '_' (--attach-dir
// reads MAILRUN_ATTACH_DIR). Give it as a flag's EnvVars.
func envVars(name string) []string {
	return []string{envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))}
}

// commonFlags returns new instances of the flags every campaign command
// takes: the data, the template, --config and logging. Each call
// returns fresh flags, because a flag belongs to one command.
//
// Every flag but --config is an altsrc wrapper and reads its MAILRUN_
// environment variable, so the precedence is flag > env > config file >
// default once the command's Before has loaded the config file (main.go
// installs that Before on every command: a command's own Before runs after
// it). None is marked Required, because urfave/cli checks required flags
// before the config file is read; call requireFlags in the Action instead.
func commonFlags() []cli.Flag {
	flags := []cli.Flag{
		stringFlag("data", "", "`FILE` of recipients: .csv, .tsv or .xlsx; - reads CSV from stdin", true),
	}
	flags = append(flags, dataFormatFlags()...)
	flags = append(flags,
		stringFlag("template", "", "message template `FILE`: header lines, a blank line, the body (HTML, Markdown in a .md file, or plain text)", true),
		stringFlag("text", "", "template `FILE` of the plain-text part (default: the Markdown of a Markdown body, else derived from the HTML)", true),
		stringFlag("layout", "", "HTML template `FILE` that wraps every body where it calls {{template \"content\" .}}", true),
		stringFlag("partials", "", "`DIR` of .html and .md templates the templates may call by file name: {{template \"footer\" .}}", true),
		altsrc.NewBoolFlag(&cli.BoolFlag{
			Name:    "inline-css",
			Value:   true,
			Usage:   "move the rules of the HTML's <style> blocks into style attributes (--inline-css=false keeps them as written)",
			EnvVars: envVars("inline-css"),
		}),
		stringFlag("attach-dir", "", "`DIR` that Attach: and Embed: paths are relative to and must stay inside (default: the template's folder)", true),
		stringFlag("key", "", "`COLUMN` that identifies a recipient (default: the lower-cased first To address)", false),
		configFlag(),
	)
	flags = append(flags, logFlags()...)
	return append(flags, limitFlags()...)
}

// dataFormatFlags returns the flags that say how to read the data file:
// --sheet, --delimiter and --encoding.
func dataFormatFlags() []cli.Flag {
	return []cli.Flag{
		stringFlag("sheet", "", "`NAME` of the sheet to read from an .xlsx file (default: the first)", false),
		stringFlag("delimiter", "", "field `CHAR` of a CSV file (default: from the extension, ',' or tab for .tsv); \\t or tab for tab", false),
		stringFlag("encoding", "", "character `ENCODING` of the data file when it is not UTF-8, for example cp949 or euc-kr", false),
	}
}

// configFlag returns --config. It is a plain flag, not an altsrc one: the
// config file cannot name itself.
func configFlag() cli.Flag {
	return &cli.StringFlag{
		Name:      "config",
		Usage:     "YAML `FILE` of settings; its keys are flag names (data: list.csv)",
		EnvVars:   envVars("config"),
		TakesFile: true,
	}
}

// logFlags returns -v, -q and --log-format, which newLogger reads.
func logFlags() []cli.Flag {
	return []cli.Flag{
		boolFlag("verbose", "log more (debug level)", "v"),
		boolFlag("quiet", "log only warnings and errors", "q"),
		stringFlag("log-format", "text", "`FORMAT` of the log lines on stderr: text or json", false),
	}
}

// stringFlag returns an altsrc string flag named name that reads its
// MAILRUN_ environment variable and the config file.
func stringFlag(name, value, usage string, takesFile bool) cli.Flag {
	return altsrc.NewStringFlag(&cli.StringFlag{
		Name:      name,
		Value:     value,
		Usage:     usage,
		EnvVars:   envVars(name),
		TakesFile: takesFile,
	})
}

// intFlag returns an altsrc int flag named name that reads its MAILRUN_
// environment variable and the config file.
func intFlag(name string, value int, usage string) cli.Flag {
	return altsrc.NewIntFlag(&cli.IntFlag{
		Name:    name,
		Value:   value,
		Usage:   usage,
		EnvVars: envVars(name),
	})
}

// boolFlag returns an altsrc bool flag named name (false by default,
// with the short names aliases) that reads its MAILRUN_ environment
// variable and the config file.
func boolFlag(name, usage string, aliases ...string) cli.Flag {
	return altsrc.NewBoolFlag(&cli.BoolFlag{
		Name:    name,
		Aliases: aliases,
		Usage:   usage,
		EnvVars: envVars(name),
	})
}

// durationFlag returns an altsrc duration flag named name that reads its
// MAILRUN_ environment variable and the config file.
func durationFlag(name string, value time.Duration, usage string) cli.Flag {
	return altsrc.NewDurationFlag(&cli.DurationFlag{
		Name:    name,
		Value:   value,
		Usage:   usage,
		EnvVars: envVars(name),
	})
}

// listFlag returns an altsrc string slice flag named name, given once per
// value, that reads its MAILRUN_ environment variable and the config file.
func listFlag(name, usage string, takesFile bool) cli.Flag {
	return altsrc.NewStringSliceFlag(&cli.StringSliceFlag{
		Name:      name,
		Usage:     usage,
		EnvVars:   envVars(name),
		TakesFile: takesFile,
	})
}

// requireFlags returns a usage error (exit 2) naming the first of names that
// has no value from the command line, the environment or the config file.
func requireFlags(c *cli.Context, names ...string) error {
	for _, n := range names {
		if c.String(n) == "" {
			return usageError(c.Command.Name + " needs --" + n + " (or " + envVars(n)[0] + ", or " + n + ": in the --config file)")
		}
	}
	return nil
}
