package credential

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"mvdan.cc/sh/v3/shell"
)

// CommandTimeout bounds how long a secret command may run.
const CommandTimeout = 2 * time.Minute

// CommandError is a secret command that could not run or failed. It never
// holds what the command printed on its standard output.
type CommandError struct {
	// Program is the command's first word, as given.
	Program string
	// Reason says what went wrong: the command line does not parse, the
	// program was not found, it exited with a status, it printed nothing.
	Reason string
	// Stderr is the last line the command wrote to its standard error, cut
	// to 200 bytes: what a password manager says when it fails.
	Stderr string
	Err    error
}

func (e *CommandError) Error() string {
	s := "credential: command"
	if e.Program != "" {
		s += " " + e.Program
	}
	s += ": " + e.Reason
	if e.Stderr != "" {
		s += " (it said: " + e.Stderr + ")"
	}
	return s
}

func (e *CommandError) Unwrap() error { return e.Err }

// SplitCommand splits a command line into the program and its arguments,
// without running a shell: words are separated by blanks, 'single' and
// "double" quotes and backslashes group and escape as in a POSIX shell, and
// $VAR, ${VAR} and a leading ~ are expanded from the environment. Pipes,
// redirections, ; and && and $(...) are not run: such a command line is an
// error that says to wrap it in sh -c '...'.
func SplitCommand(cmdline string) ([]string, error) {
	args, err := shell.Fields(cmdline, nil)
	if err != nil || len(args) == 0 {
		reason := "empty command line"
		if err != nil {
			reason = "the command line is not a plain command with arguments " +
				"(for pipes, redirections or $(...), write sh -c '...')"
		}
		return nil, &CommandError{Reason: reason, Err: err}
	}
	return args, nil
}

// Command runs cmdline (split by SplitCommand, run without a shell, with
// mailrun's environment and no standard input) and returns the first line
// of what it printed on its standard output: a password or an access token.
// It fails with a *CommandError when the command cannot start, runs longer
// than CommandTimeout, exits with a status other than 0 or prints nothing;
// the error never holds the standard output.
func Command(ctx context.Context, cmdline string) (string, error) {
	args, err := SplitCommand(cmdline)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, CommandTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	fail := &CommandError{Program: args[0], Stderr: lastLine(stderr.Bytes()), Err: err}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		fail.Reason = "did not finish within " + CommandTimeout.String()
		if errors.Is(ctx.Err(), context.Canceled) {
			fail.Reason = "stopped"
		}
		return "", fail
	case errors.As(err, &ee):
		fail.Reason = fmt.Sprintf("exited with status %d", ee.ExitCode())
		return "", fail
	case err != nil:
		fail.Reason = "could not run: " + err.Error()
		return "", fail
	}
	out, _, _ := strings.Cut(stdout.String(), "\n")
	out = strings.TrimRight(out, "\r")
	if out == "" {
		fail.Reason = "printed nothing on its standard output"
		return "", fail
	}
	return out, nil
}

// lastLine returns the last non-empty line of b, cut to 200 bytes.
func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	s := strings.TrimSpace(lines[len(lines)-1])
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// NewCommandTokens returns Tokens that get each access token by running
// cmdline (see Command), for a token that another program keeps current.
// The command runs when no token was fetched yet, when the last one is a
// minute old, and when a server refused it. Errors are SplitCommand's.
func NewCommandTokens(cmdline string) (*Tokens, error) {
	if _, err := SplitCommand(cmdline); err != nil {
		return nil, err
	}
	return newTokens(func(ctx context.Context) (*oauth2.Token, error) {
		tok, err := Command(ctx, cmdline)
		if err != nil {
			return nil, err
		}
		return &oauth2.Token{AccessToken: tok}, nil
	}, nil), nil
}
