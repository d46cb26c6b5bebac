package render_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/render"
)

// planContexts are places a field can stand in an HTML body; %s is the
// action. The first simpleContexts are contexts the plans handle; the
// others must make the template fall back to html/template.
const simpleContexts = 9

var planContexts = []string{
	"<p>%s</p>",
	"<p title=\"%s\">x</p>",
	"<p title='%s'>x</p>",
	"<p title=%s>x</p>",
	"<a href=\"%s\">x</a>",
	"<a href=\"https://example.com/p?q=%s&r=1#%s\">x</a>",
	"<a href='/rel/%s'>x</a>",
	"<img src=\"cid:%s\" alt=\"%s\">",
	"<title>%s</title>",
	"<textarea>%s</textarea>",
	"<a href=\"mailto:%s\">x</a>",
	"<p data-x=\"%s\">%s</p>",
	"<script>var x = %s;</script>",
	"<script>var s = \"%s\";</script>",
	"<style>p { color: %s }</style>",
	"<p style=\"color: %s\">x</p>",
	"<p onclick=\"f('%s')\">x</p>",
	"<!-- %s --><p>after</p>",
}

// planActions are actions over the row; %s is a field name. The first
// simpleActions print a field as it is, which the plans handle.
const simpleActions = 2

var planActions = []string{
	"{{.%s}}",
	"{{index . %q}}",
	"{{.%s | lower}}",
	"{{.%s | html}}",
	"{{.%s | urlquery}}",
	"{{.%s | upper | trim}}",
	"{{if .%s}}yes{{end}}",
}

// hostileValues are field values that probe every escaper.
var hostileValues = []string{
	"", "plain", "Ann & Bob", `"quoted"`, "it's", "<script>alert(1)</script>", "a+b=c", "javascript:alert(1)",
	"JaVaScRiPt:x", "https://example.com/?a=1&b=2#f", "mailto:a@example.com", "%", "%4", "%41%zz", "100%25",
	"\x00nul", "\xff\xfe invalid", "한국어 이름", "tab\tand\nnewline", "`backtick`", "</title><b>", "]]>", "--> <!--",
	"\u2028\u2029", "a b c", "/rel/path:x", "data:text/html;base64,PHA+", "{{.a}}", "\\", "&amp;", "&#34;",
}

// TestPlanMatchesTemplateGenerated compares, on hundreds of generated
// templates and hostile values, the output of the reflection-free plans
// with html/template's own. A template whose escapers the plans do not know
// must have no plan (it runs through html/template); every one that has a
// plan must write exactly what html/template writes. The generator is
// seeded, so a failure repeats.
func TestPlanMatchesTemplateGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261201, 10))
	dir := t.TempDir()
	n, planned, flattened := 400, 0, 0
	if testing.Short() {
		n = 60
	}
	fields := []string{"a", "b", "First Name"}
	pick := func(list []string, simple int, onlySimple bool) string {
		if onlySimple {
			return list[rng.IntN(simple)]
		}
		return list[rng.IntN(len(list))]
	}
	for i := range n {
		var body strings.Builder
		simple := rng.IntN(4) != 0 // most templates are made to have a plan
		for range 1 + rng.IntN(4) {
			ctx := pick(planContexts, simpleContexts, simple)
			args := make([]any, strings.Count(ctx, "%s"))
			for k := range args {
				act := pick(planActions, simpleActions, simple)
				f := fields[rng.IntN(len(fields))]
				if !strings.Contains(act, "%q") && strings.Contains(f, " ") {
					f = "a" // {{.First Name}} does not parse
				}
				args[k] = fmt.Sprintf(act, f)
			}
			body.WriteString(fmt.Sprintf(ctx, args...) + "\n")
		}
		src := "From: n@example.com\nTo: x@example.com\n\n" + body.String()
		var opts render.Options
		if i%2 == 1 {
			// Half of the bodies are split into a layout, the body and a
			// partial, which the plans flatten.
			opts = splitLayout(t, dir, &src)
		}
		tmpl, err := newTemplate(t, dir, src, opts)
		if err != nil {
			continue // html/template refused the template (e.g. an action in a comment): nothing to compare
		}
		if !render.HasPlan(tmpl) {
			continue
		}
		planned++
		if opts.LayoutPath != "" {
			flattened++
		}
		for range 12 {
			row := map[string]string{}
			for _, f := range fields {
				row[f] = hostileValues[rng.IntN(len(hostileValues))]
			}
			if rng.IntN(4) == 0 {
				delete(row, "b") // a field the row lacks
			}
			fast, slow, fastErr, slowErr := render.ExecuteBoth(tmpl, row)
			if (fastErr == nil) != (slowErr == nil) {
				t.Fatalf("template %d:\n%s\nrow %q: plan error %v, html/template error %v", i, body.String(), row, fastErr, slowErr)
			}
			if fastErr == nil && fast != slow {
				t.Fatalf("template %d:\n%s\nrow %q:\nplan wrote\n%q\nhtml/template wrote\n%q", i, body.String(), row, fast, slow)
			}
		}
	}
	t.Logf("%d of %d generated templates (%d with a layout and a partial) ran through a plan and matched html/template", planned, n, flattened)
	if planned < n/2 || flattened < n/5 {
		t.Errorf("only %d of %d templates had a plan, %d with a layout: the generator no longer tests the plans", planned, n, flattened)
	}
}

// splitLayout moves the first line of the body of the template src to a
// layout that calls the body, and its last line to a partial that the body
// calls, writing both to dir, and returns the options that name them.
func splitLayout(t *testing.T, dir string, src *string) render.Options {
	t.Helper()
	head, body, _ := strings.Cut(*src, "\n\n")
	lines := strings.SplitAfter(strings.TrimSuffix(body, "\n"), "\n")
	layout := "<div class=\"layout\">" + lines[0] + "{{template \"content\" .}}</div>\n"
	part := ""
	if len(lines) > 1 {
		part, lines = lines[len(lines)-1], lines[:len(lines)-1]
	}
	*src = head + "\n\n<section>" + strings.Join(lines[1:], "") + "{{template \"part\" .}}</section>\n"
	opts := render.Options{LayoutPath: filepath.Join(dir, "layout.html"), PartialsDir: filepath.Join(dir, "partials")}
	if err := os.MkdirAll(opts.PartialsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(opts.LayoutPath, []byte(layout), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(opts.PartialsDir, "part.html"), []byte(part), 0o644); err != nil {
		t.Fatal(err)
	}
	return opts
}
