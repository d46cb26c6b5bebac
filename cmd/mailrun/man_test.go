package main

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/mailrun.1 from the command-line definition")

// TestManPageIsUpToDate checks that docs/mailrun.1 is what `mailrun man`
// prints now; go test ./cmd/mailrun -run ManPage -update rewrites it.
func TestManPageIsUpToDate(t *testing.T) {
	const path = "../../docs/mailrun.1"
	r := mailrun(t, "", "man")
	wantCode(t, r, 0)
	for _, want := range []string{".TH mailrun 1", ".SH send", "--test-to", "Exit codes:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the man page lacks %q", want)
		}
	}
	if *update {
		if err := os.WriteFile(path, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != r.stdout {
		t.Errorf("%s is not what mailrun man prints: run go test ./cmd/mailrun -run ManPage -update", path)
	}
}

// TestCompletion checks the completion scripts and that mailrun answers
// the completion requests they make.
func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "complete -o bashdefault -o default -F _mailrun_complete mailrun",
		"zsh":  "compdef _mailrun mailrun",
		"fish": "complete -r -c mailrun -n '__fish_mailrun_no_subcommand' -a 'send' -d 'deliver a campaign'",
	} {
		r := mailrun(t, "", "completion", shell)
		wantCode(t, r, 0)
		if !strings.Contains(r.stdout, want) {
			t.Errorf("completion %s lacks %q:\n%s", shell, want, r.stdout)
		}
	}
	wantCode(t, mailrun(t, "", "completion", "tcsh"), 2)
	wantCode(t, mailrun(t, "", "completion"), 2)

	// bash completes with the script and the real program (urfave/cli
	// reads the words to complete from os.Args).
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	bin := mailrunBinary(t)
	for _, tc := range []struct{ words, want string }{
		{"mailrun sen", "send"},
		{"mailrun send --test", "--test-to"},
		{"mailrun completion", "completion"},
	} {
		script := `source <(mailrun completion bash); COMP_WORDS=(` + tc.words + `); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _mailrun_complete; printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command("bash", "-c", script)
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.Output()
		if err != nil || strings.TrimSpace(string(out)) != tc.want {
			t.Errorf("bash completes %q to %q (%v), want %q", tc.words, out, err, tc.want)
		}
	}
}
