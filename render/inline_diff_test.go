package render_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/render"
)

// inlineStyles are <style> blocks for generated templates. The first
// onceStyles select elements whatever the field values; the others select
// by attribute value or text, and must keep a template off the
// once-inlined path.
const onceStyles = 4

var inlineStyles = []string{
	"p { color: #333333 } a { color: #1a5fb4 }",
	"td p { margin: 0 } .x { font-weight: bold } #y { color: red } p + p { margin-top: 4px }",
	"li:first-child { color: green } tr:nth-child(2) td { background: #eeeeee } @media (max-width: 600px) { p { font-size: 14px } }",
	"h1, h2 { margin: 0 } a:hover { color: red } table { border-collapse: collapse }",
	"a[href^=\"https\"] { color: green }",
	"p:empty { display: none }",
	"td:contains(\"x\") { color: red }",
}

// inlineBodies are markup a field can stand in; %s is an action.
var inlineBodies = []string{
	"<p>%s</p>",
	"<p class=\"x\">Hello %s, and %s</p>",
	"<p id=\"y\">%s</p><p>%s</p>",
	"<ul><li>%s</li><li>two</li></ul>",
	"<table><tr><td>%s</td></tr><tr><td><p>%s</p></td></tr></table>",
	"<a href=\"https://example.com/u/%s?x=%s\" title=\"%s\">link</a>",
	"<img src=\"cid:%s\" alt=\"%s\">",
	"<h1>%s</h1><h2>x</h2>",
	"<p>%s&amp;%s</p>",
	"<title>%s</title>",
	"<p class=\"%s\">class</p>",
	"<p style=\"color: red\">%s</p>",
	"<table><tr>%s<td>x</td></tr></table>",
	"<pre>%s</pre>",
	"<p>&%s</p>",
}

// TestOnceInlineMatchesEachMessage compares, on generated templates and
// hostile values, the body inlined once on the template with the body
// inlined after rendering each message: every template that takes the
// once path must write exactly what per-message inlining writes. Seeded.
func TestOnceInlineMatchesEachMessage(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261201, 15))
	dir := t.TempDir()
	n, once, offPath := 200, 0, 0
	if testing.Short() {
		n = 40
	}
	fields := []string{"a", "b", "First Name"}
	values := append(hostileValues, "cr\r\nlf", " ", "\n")
	for i := range n {
		style := rng.IntN(len(inlineStyles))
		var body strings.Builder
		body.WriteString("<html><head><style>" + inlineStyles[style] + "</style></head><body>\n")
		for range 1 + rng.IntN(4) {
			ctx := inlineBodies[rng.IntN(len(inlineBodies))]
			args := make([]any, strings.Count(ctx, "%s"))
			for k := range args {
				f := fields[rng.IntN(len(fields))]
				args[k] = fmt.Sprintf("{{index . %q}}", f)
				if rng.IntN(2) == 0 && !strings.Contains(f, " ") {
					args[k] = "{{." + f + "}}"
				}
			}
			body.WriteString(fmt.Sprintf(ctx, args...) + "\n")
		}
		body.WriteString("</body></html>\n")
		src := "From: n@example.com\nTo: x@example.com\n\n" + body.String()
		var opts render.Options
		if i%3 == 1 {
			opts = splitLayout(t, dir, &src)
		}
		tmpl, err := newTemplate(t, dir, src, opts)
		if err != nil {
			continue
		}
		if !render.HasOnceInline(tmpl) {
			if style >= onceStyles {
				offPath++
			}
			continue
		}
		if style >= onceStyles {
			t.Fatalf("template %d selects by value or text, yet is inlined once:\n%s", i, src)
		}
		once++
		for range 12 {
			row := map[string]string{}
			for _, f := range fields {
				row[f] = values[rng.IntN(len(values))]
			}
			if strings.ContainsRune(row["a"]+row["b"]+row["First Name"], '\r') {
				continue // such rows take the per-message path
			}
			fast, slow, fastErr, slowErr := render.InlineBoth(tmpl, row)
			if (fastErr == nil) != (slowErr == nil) || fast != slow {
				t.Fatalf("template %d:\n%s\nrow %q:\ninlined once (%v):\n%s\ninlined per message (%v):\n%s", i, src, row, fastErr, fast, slowErr, slow)
			}
		}
	}
	t.Logf("%d of %d generated templates were inlined once and matched per-message inlining; %d that select by value or text were not", once, n, offPath)
	if once < n/4 {
		t.Errorf("only %d of %d templates were inlined once: the generator no longer tests that path", once, n)
	}
}
