package credential_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/sender/credential"
)

func TestCommand(t *testing.T) {
	t.Setenv("MAILRUN_TEST_WORD", "from-env")
	tests := []struct {
		name, cmdline, want string
	}{
		{"first line only", `printf 'hunter2\nuser: me\n'`, "hunter2"},
		{"quotes group words", `printf '%s|%s' "a b" 'c  d'`, "a b|c  d"},
		{"environment expanded", `echo $MAILRUN_TEST_WORD`, "from-env"},
		{"CRLF trimmed", `printf 'pw\r\n'`, "pw"},
		{"an explicit shell for pipes", `sh -c 'echo one two | cut -d" " -f2'`, "two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := credential.Command(context.Background(), tt.cmdline)
			if err != nil || got != tt.want {
				t.Errorf("Command(%s) = %q, %v; want %q", tt.cmdline, got, err, tt.want)
			}
		})
	}
}

func TestCommandErrors(t *testing.T) {
	tests := []struct {
		name, cmdline, want string
	}{
		{"exit status", `sh -c 'echo hunter2; echo "Error: mail/x is not in the password store." >&2; exit 1'`,
			`command sh: exited with status 1 (it said: Error: mail/x is not in the password store.)`},
		{"no such program", `mailrun-no-such-program --get`, "command mailrun-no-such-program: could not run"},
		{"prints nothing", `true`, "command true: printed nothing"},
		{"a pipe", `pass show mail | head -1`, "for pipes, redirections or $(...), write sh -c '...'"},
		{"empty", `  `, "empty command line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := credential.Command(context.Background(), tt.cmdline)
			var ce *credential.CommandError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want a *CommandError that says %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q holds what the command printed", err)
			}
		})
	}
}

func TestCommandTokens(t *testing.T) {
	runs := filepath.Join(t.TempDir(), "runs")
	// Each run prints a new token: tok-1, tok-2, ...
	tokens, err := credential.NewCommandTokens(`sh -c 'echo x >> "$0"; echo tok-$(wc -l < "$0" | tr -d " ")' ` + runs)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := tokens.Token(ctx)
	if err != nil || first != "tok-1" {
		t.Fatalf("Token = %q, %v; want tok-1", first, err)
	}
	if again, _ := tokens.Token(ctx); again != first {
		t.Errorf("second Token = %q: the command ran again within its minute", again)
	}
	if next, err := tokens.Refresh(ctx, first); err != nil || next != "tok-2" {
		t.Errorf("Refresh after rejection = %q, %v; want the command run again (tok-2)", next, err)
	}
	b, _ := os.ReadFile(runs)
	if n := strings.Count(string(b), "x"); n != 2 {
		t.Errorf("the command ran %d times, want 2", n)
	}
	if _, err := credential.NewCommandTokens(`get-token | head`); err == nil {
		t.Error("a command line with a pipe was taken")
	}
}
