package main

import (
	"fmt"
	"log/slog"

	"github.com/urfave/cli/v2"
)

// newLogger returns the logger of a command run: log/slog lines on the app's
// ErrWriter (stderr), as text or JSON after --log-format, at debug level
// with -v, warning level with -q, info level otherwise. It never fails: main
// checks --log-format, -v and -q (checkLogFlags) before any Action runs. A
// command without those flags gets the text format at info level.
func newLogger(c *cli.Context) *slog.Logger {
	level := slog.LevelInfo
	switch {
	case c.Bool("verbose"):
		level = slog.LevelDebug
	case c.Bool("quiet"):
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.String("log-format") == "json" {
		return slog.New(slog.NewJSONHandler(c.App.ErrWriter, opts))
	}
	return slog.New(slog.NewTextHandler(c.App.ErrWriter, opts))
}

// checkLogFlags returns a usage error for a --log-format other than text or
// json, or for -v and -q together.
func checkLogFlags(c *cli.Context) error {
	switch f := c.String("log-format"); f {
	case "", "text", "json":
	default:
		return usageError(fmt.Sprintf("--log-format must be text or json, not %q", f))
	}
	if c.Bool("verbose") && c.Bool("quiet") {
		return usageError("-v (--verbose) and -q (--quiet) exclude each other")
	}
	return nil
}
