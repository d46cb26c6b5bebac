package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the module's root, where examples/ lives.
const repoRoot = "../.."

// example returns the path of a file of the bundled examples.
func example(name string) string { return filepath.Join(repoRoot, "examples", name) }

// newsletterArgs are the flags that select the newsletter example.
func newsletterArgs() []string {
	return append([]string{"--data", example("newsletter/recipients.csv")}, newsletterTemplate()...)
}

// newsletterTemplate are the flags that select the newsletter's template:
// Markdown in a layout, with a partial.
func newsletterTemplate() []string {
	return []string{
		"--template", example("newsletter/template.md"),
		"--layout", example("newsletter/layout.html"),
		"--partials", example("newsletter/partials"),
	}
}

func TestValidateExamplesClean(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"newsletter", newsletterArgs(), []string{"9 rows, 9 messages, 9 envelope recipients, 0 duplicate keys, 0 attachments (0 B); 0 problems"}},
		{"invoices", []string{"--data", example("invoices/recipients.xlsx"), "--template", example("invoices/template.html")},
			[]string{" rows, ", " attachments (", "0 duplicate keys", "; 0 problems"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mailrun(t, "", append([]string{"validate"}, tt.args...)...)
			wantCode(t, r, 0)
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			if strings.Contains(r.stdout, "row ") || r.stderr != "" {
				t.Errorf("a clean example reported problems:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			}
		})
	}
}

func TestValidateInvoicesCountsAttachments(t *testing.T) {
	r := mailrun(t, "", "validate", "--data", example("invoices/recipients.xlsx"), "--template", example("invoices/template.html"))
	wantCode(t, r, 0)
	pdfs, err := filepath.Glob(example("invoices/*.pdf"))
	if err != nil || len(pdfs) == 0 {
		t.Fatalf("no PDFs in examples/invoices: %v", err)
	}
	if want := plural(len(pdfs), "attachment") + " ("; !strings.Contains(r.stdout, want) {
		t.Errorf("stdout lacks %q (one PDF per row):\n%s", want, r.stdout)
	}
}

func TestValidateReportsEveryBadRow(t *testing.T) {
	r := mailrun(t, "", append([]string{"validate", "--data", "testdata/broken.csv"}, newsletterTemplate()...)...)
	wantCode(t, r, 3)
	wantOneError(t, r, "validate: 4 problems found in 6 rows")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	want := []string{
		"row 2: ", // not an address
		"row 3 (ok@example.com): duplicate of row 1", // keys are lower-cased To addresses
		"row 4: ",                 // more cells than columns
		`row 5: column "email": `, // a line break in To
	}
	if len(lines) != len(want)+2 {
		t.Fatalf("stdout has %d lines, want %d problems, a blank line and a summary:\n%s", len(lines), len(want), r.stdout)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want it to start with %q", i+1, lines[i], w)
		}
	}
	if got, w := lines[len(lines)-1], "6 rows, 2 messages, 2 envelope recipients, 1 duplicate key, 0 attachments (0 B); 4 problems"; got != w {
		t.Errorf("summary = %q, want %q", got, w)
	}
	if strings.Contains(r.stdout, "victim@example.com\n") || strings.Contains(r.stdout, "\nBcc:") {
		t.Errorf("a problem line was split by the line break of its data:\n%s", r.stdout)
	}
}

func TestValidateMissingColumnFailsBeforeAnyRow(t *testing.T) {
	// The data lacks the name column, which every row would fail on.
	r := mailrun(t, "email,id\na@example.com,1\nb@example.com,2\n", append([]string{"validate", "--data", "-"}, newsletterTemplate()...)...)
	wantCode(t, r, 3)
	wantOneError(t, r, "template.md:", `"name"`)
	if r.stdout != "" {
		t.Errorf("rows were rendered before the template was checked:\n%s", r.stdout)
	}
}

func TestValidateReadsStdin(t *testing.T) {
	data, err := os.ReadFile(example("newsletter/recipients.csv"))
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"validate"}, newsletterArgs()...)
	args[2] = "-" // --data -
	r := mailrun(t, string(data), args...)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "9 rows, 9 messages") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}

func TestValidateUnreadableData(t *testing.T) {
	r := mailrun(t, "", append([]string{"validate", "--data", filepath.Join(t.TempDir(), "missing.csv")}, newsletterTemplate()...)...)
	wantCode(t, r, 3)
	wantOneError(t, r, "missing.csv")
}

func TestHumanBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1.0 KiB"},
		{1536, "1.5 KiB"},
		{5 << 20, "5.0 MiB"},
		{3 << 30, "3.0 GiB"},
	}
	for _, tt := range tests {
		if got := humanBytes(tt.n); got != tt.want {
			t.Errorf("humanBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"row 2: fine", "row 2: fine"},
		{"a\r\nBcc: b", "a Bcc: b"},
		{"a\nb\rc\td", "a b c d"},
		{"\x1b[31mred\x1b[0m", " [31mred [0m"},
		{"김민지", "김민지"},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in); got != tt.want {
			t.Errorf("oneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestValidateJSON checks validate --json: one JSON object on stdout with
// the counts, each problem with its row, key and column, and the
// warnings; the exit code as without --json.
func TestValidateJSON(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "list.csv")
	writeFile(t, data, "email,name\nann@example.com,Ann\nnot-an-address,Bob\nann@example.com,Ann again\n")
	tmpl := filepath.Join(dir, "t.txt")
	writeFile(t, tmpl, "From: me@example.com\nTo: {{.name}} <{{.email}}>\nSubjet: hi\n\nHi {{.name}}\n")
	r := mailrun(t, "", "validate", "--data", data, "--template", tmpl, "--json")
	wantCode(t, r, 3)
	var rep struct {
		Rows, Messages int
		Recipients     int `json:"envelope_recipients"`
		Duplicates     int `json:"duplicate_keys"`
		Problems       []struct {
			Row                int
			Key, Column, Error string
		}
		Warnings []string
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, r.stdout)
	}
	if rep.Rows != 3 || rep.Messages != 1 || rep.Recipients != 1 || rep.Duplicates != 1 || len(rep.Problems) != 2 {
		t.Fatalf("report %+v", rep)
	}
	if p := rep.Problems[0]; p.Row != 2 || p.Column != "email" || !strings.Contains(p.Error, "not an email address") {
		t.Errorf("first problem %+v", p)
	}
	if p := rep.Problems[1]; p.Row != 3 || p.Key != "ann@example.com" || p.Error != "duplicate of row 1" {
		t.Errorf("second problem %+v", p)
	}
	if len(rep.Warnings) != 2 || !strings.Contains(rep.Warnings[0], `did you mean "Subject"?`) {
		t.Errorf("warnings %q", rep.Warnings)
	}
}
