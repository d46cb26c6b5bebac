package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateRenderLimits renders rows over the render limits: each fails
// with the limit and the flag that raises it, and the others are fine.
func TestValidateRenderLimits(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "big.pdf"), strings.Repeat("x", 3<<10))
	data, tmpl := filepath.Join(dir, "list.csv"), filepath.Join(dir, "t.html")
	writeFile(t, data, "email,n,file\nr1@example.com,3000000000,\nr2@example.com,1,big.pdf\nr3@example.com,1,\n")
	writeFile(t, tmpl, "From: a@example.com\nTo: {{.email}}\nSubject: hi\nAttach: {{.file}}\n\n<p>{{repeat (atoi .n) \"x\"}}</p>\n")
	r := mailrun(t, "", "validate", "--data", data, "--template", tmpl, "--max-attachment-size", "2KiB", "--max-message-size", "1MiB")
	wantCode(t, r, 3)
	for _, want := range []string{
		"repeat 3000000000: the message holds more than 1 MiB (if that is right, raise the limit with --max-message-size)",
		`row 2 (r2@example.com): column "file": render: Attach: "big.pdf" holds more than 2 KiB (if that is right, raise the limit with --max-attachment-size)`,
		"3 rows, 1 message",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("validate's output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = mailrun(t, "", "validate", "--data", data, "--template", tmpl, "--max-message-size", "lots")
	wantCode(t, r, 2)
	wantOneError(t, r, "--max-message-size", "1MiB")
}
