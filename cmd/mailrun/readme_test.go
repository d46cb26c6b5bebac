package main

import (
	"bufio"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// walkthrough returns the commands of the README's walk-through: the lines
// of the sh block after the "walkthrough" marker.
func walkthrough(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "<!-- walkthrough")
	if !ok {
		t.Fatal("README.md has no <!-- walkthrough --> marker")
	}
	_, rest, _ = strings.Cut(rest, "```sh\n")
	block, _, _ := strings.Cut(rest, "```")
	var cmds []string
	sc := bufio.NewScanner(strings.NewReader(block))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			cmds = append(cmds, l)
		}
	}
	if len(cmds) < 6 {
		t.Fatalf("the walk-through has %d commands:\n%s", len(cmds), block)
	}
	return cmds
}

// TestReadmeWalkthrough runs the README's walk-through as written, in a
// copy of the examples, against mailpit, and checks what each step is said
// to do: validate and preview clean, one proof copy to me@example.org only,
// a dry run into outbox/, the real send, and status.
func TestReadmeWalkthrough(t *testing.T) {
	mp := needMailpit(t)
	dir := t.TempDir()
	copySource(t, filepath.Join(repoRoot, "examples", "newsletter"), filepath.Join(dir, "examples", "newsletter"))
	steps := walkthrough(t)
	t.Chdir(dir)

	var outputs []result
	for _, line := range steps {
		words := strings.Fields(line)
		if strings.ContainsAny(line, `'"$\`) {
			t.Fatalf("the walk-through line %q needs a shell; keep it to plain words", line)
		}
		switch words[0] {
		case "cd":
			t.Chdir(words[1])
			continue
		case "mailrun":
		default:
			t.Fatalf("the walk-through line %q is not a mailrun command", line)
		}
		for i, w := range words {
			words[i] = strings.Replace(w, "smtp://127.0.0.1:1025", "smtp://"+mp.smtp, 1)
		}
		r := mailrun(t, "", words[1:]...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", line, r.code, r.stdout, r.stderr)
		}
		outputs = append(outputs, r)
	}
	if !strings.Contains(outputs[0].stdout, "9 rows, 9 messages") || !strings.Contains(outputs[0].stdout, "0 problems") {
		t.Errorf("validate:\n%s", outputs[0].stdout)
	}
	if _, err := os.Stat(filepath.Join("preview", "index.html")); err != nil {
		t.Errorf("preview wrote no index.html: %v", err)
	}
	if eml, _ := filepath.Glob(filepath.Join("outbox", "*.eml")); len(eml) != 9 {
		t.Errorf("the dry run wrote %d messages to outbox/, want 9", len(eml))
	}
	if !strings.Contains(outputs[5].stdout, "delivered") || !strings.Contains(outputs[5].stdout, "9") {
		t.Errorf("status:\n%s", outputs[5].stdout)
	}

	proofs, real := 0, 0
	for _, m := range mp.messages(t) {
		to := recipientsOf(m)
		if len(to) == 1 && to[0] == "me@example.org" {
			proofs++
			raw := mp.do(t, http.MethodGet, "/api/v1/message/"+m.ID+"/raw", nil)
			if !strings.Contains(string(raw), "X-Mailrun-Original-To: minji.kim@example.com") {
				t.Errorf("the proof copy does not name the real recipient:\n%.600s", raw)
			}
			continue
		}
		real++
	}
	if proofs != 1 || real != 9 {
		t.Errorf("mailpit got %d proof copies and %d messages, want 1 and 9", proofs, real)
	}
}
