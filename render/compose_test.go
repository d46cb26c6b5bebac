package render_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

// writeFiles writes each file of files (path relative to dir: content).
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// renderParts renders row with the template file path and returns its
// text and HTML parts.
func renderParts(t *testing.T, path string, opts render.Options, fields map[string]string) (text, html string) {
	t.Helper()
	opts.CampaignID, opts.Now = campaignID, now
	tmpl, err := render.New(path, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: fields})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	m := parseMessage(t, msg.Data)
	if strings.Contains(string(msg.Data), "text/markdown") {
		t.Errorf("the Content-Type pseudo-header reached the message:\n%s", msg.Data)
	}
	tp, _ := find(m.root, "text/plain")
	hp, _ := find(m.root, "text/html")
	return string(tp.body), string(hp.body)
}

const markdownBody = `# Hello {{.name}}

| item | price |
|------|------:|
| {{.item}} | {{.price}} |

Read [the news](https://example.com/news?id={{.id}}) or ~~not~~.

{{if .vip}}

**Thank you** for being a VIP, {{.name}}.

{{end}}
`

func TestMarkdown(t *testing.T) {
	dir := t.TempDir()
	hostile := "<b>Kim</b> & *Lee* [x](javascript:alert(1))"
	fields := map[string]string{"name": hostile, "item": "Pen", "price": "3", "id": "7&8", "vip": "yes"}
	for name, src := range map[string]string{
		"t.md":   "From: a@example.com\nTo: b@example.com\n\n" + markdownBody,
		"t.html": "From: a@example.com\nTo: b@example.com\nContent-Type: text/markdown; charset=utf-8\n\n" + markdownBody,
	} {
		t.Run(name, func(t *testing.T) {
			writeFiles(t, dir, map[string]string{name: src})
			text, html := renderParts(t, filepath.Join(dir, name), render.Options{}, fields)
			for _, want := range []string{
				"<h1>Hello &lt;b&gt;Kim&lt;/b&gt; &amp; *Lee* [x](javascript:alert(1))</h1>",
				"<table>", `<td style="text-align:right">3</td>`, "<del>not</del>",
				`<a href="https://example.com/news?id=7%268">the news</a>`,
				"<strong>Thank you</strong> for being a VIP",
			} {
				if !strings.Contains(html, want) {
					t.Errorf("HTML part lacks %q:\n%s", want, html)
				}
			}
			if strings.Contains(html, "<em>") || strings.Contains(html, "<p>\n<p>") || strings.Contains(html, "<p></p>") {
				t.Errorf("Markdown in a value became markup, or an {{if}} line left an empty paragraph:\n%s", html)
			}
			if !strings.Contains(text, "# Hello "+hostile+"\n") || !strings.Contains(text, "| Pen | 3 |") {
				t.Errorf("text part is not the Markdown with the values:\n%s", text)
			}
		})
	}
}

func TestLayoutPartialsAndInlinedCSS(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"layout.html": `<!doctype html>
<html><head><title>{{.name}}</title>
<style>
p.lead { color: #336699; font-size: 18px }
.footer { color: #888888 }
@media (max-width: 600px) { p.lead { font-size: 16px } }
</style></head>
<body>{{template "content" .}}{{template "footer" .}}</body></html>
`,
		"partials/footer.html": `<p class="footer">Unsubscribe: <a href="https://example.com/u/{{.id}}">here</a></p>`,
		"partials/sign.md":     "*The {{.team}} team*\n",
		"t.html":               "From: a@example.com\nTo: b@example.com\n\n<p class=\"lead\">Hi {{.name}}</p>\n{{template \"sign\" .}}\n",
		"t.md":                 "From: a@example.com\nTo: b@example.com\n\nHi **{{.name}}**\n\n{{template \"sign\" .}}\n",
	})
	fields := map[string]string{"name": "Ann <3", "id": "42", "team": "mailrun"}
	opts := render.Options{LayoutPath: filepath.Join(dir, "layout.html"), PartialsDir: filepath.Join(dir, "partials")}

	text, html := renderParts(t, filepath.Join(dir, "t.html"), opts, fields)
	for _, want := range []string{
		"<title>Ann &lt;3</title>",
		`<p class="lead" style="color:#336699;font-size:18px">Hi Ann &lt;3</p>`,
		`<p class="footer" style="color:#888888">Unsubscribe: <a href="https://example.com/u/42">here</a></p>`,
		"<em>The mailrun team</em>",
		"@media (max-width: 600px)",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "p.lead { color") {
		t.Errorf("the inlined rules are still in a <style> block:\n%s", html)
	}
	for _, want := range []string{"Hi Ann <3", "The mailrun team", "Unsubscribe: here <https://example.com/u/42>"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}

	// A Markdown body in the same layout; its text part is the Markdown.
	text, html = renderParts(t, filepath.Join(dir, "t.md"), opts, fields)
	if !strings.Contains(html, "<strong>Ann &lt;3</strong>") || !strings.Contains(html, `<p class="footer" style="color:#888888">`) {
		t.Errorf("Markdown body in the layout:\n%s", html)
	}
	if !strings.HasPrefix(text, "Hi **Ann <3**\n\n*The mailrun team*") {
		t.Errorf("text part of the Markdown body:\n%s", text)
	}

	// KeepCSS leaves the <style> block alone.
	opts.KeepCSS = true
	_, html = renderParts(t, filepath.Join(dir, "t.html"), opts, fields)
	if !strings.Contains(html, "p.lead { color: #336699") || strings.Contains(html, "style=\"color") {
		t.Errorf("KeepCSS: the CSS was inlined:\n%s", html)
	}
}

func TestLayoutErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"t.html":             "From: a@example.com\nTo: b@example.com\n\n<p>{{.name}}</p>\n{{template \"footer\" .}}\n",
		"bad/layout.html":    "<html>\n<body>\n{{template \"content\" .}\n</body></html>\n",
		"nocall/layout.html": "<html><body></body></html>\n",
		"ok/layout.html":     "<html>\n<title>{{.title}}</title>\n{{template \"content\" .}}\n</html>\n",
		"p1/footer.html":     "<p>\n{{.unsub}}\n</p>\n",
		"p2/footer.html":     "<p>\n{{if .x}}\n</p>\n",
		"md.md":              "From: a@example.com\nTo: b@example.com\n\n# Hi\n\n{{.name | nosuchfunc}}\n",
	})
	tests := []struct {
		name, tmpl, layout, partials string
		cols                         []string
		file                         string
		line                         int
		want                         string
	}{
		{"layout does not parse", "t.html", "bad/layout.html", "p1", nil, "bad/layout.html", 3, "bad character"},
		{"layout without content", "t.html", "nocall/layout.html", "p1", nil, "nocall/layout.html", 0, `{{template "content" .}}`},
		{"partial does not parse", "t.html", "ok/layout.html", "p2", nil, "p2/footer.html", 4, "unexpected EOF"},
		{"column of the layout", "t.html", "ok/layout.html", "p1", []string{"name", "unsub"}, "ok/layout.html", 2, `"title"`},
		{"column of a partial", "t.html", "ok/layout.html", "p1", []string{"name", "title"}, "p1/footer.html", 2, `"unsub"`},
		{"markdown does not parse", "md.md", "", "", nil, "md.md", 6, "nosuchfunc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := render.Options{}
			if tt.layout != "" {
				opts.LayoutPath = filepath.Join(dir, tt.layout)
			}
			if tt.partials != "" {
				opts.PartialsDir = filepath.Join(dir, tt.partials)
			}
			tmpl, err := render.New(filepath.Join(dir, tt.tmpl), opts)
			if err == nil {
				err = tmpl.Check(tt.cols)
			}
			var ie *campaign.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v, want an InputError", err)
			}
			if ie.File != filepath.Join(dir, tt.file) || ie.Line != tt.line || !strings.Contains(ie.Error(), tt.want) {
				t.Errorf("error at %s:%d %q, want %s:%d and %q", ie.File, ie.Line, ie.Error(), tt.file, tt.line, tt.want)
			}
		})
	}
}

func TestHashCoversLayoutAndPartials(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"t.html":          "From: a@example.com\nTo: b@example.com\n\n<p>{{.name}}</p>{{template \"f\" .}}\n",
		"layout.html":     "<style>p { color: red }</style>{{template \"content\" .}}\n",
		"partials/f.html": "<p>footer</p>\n",
	})
	opts := render.Options{LayoutPath: filepath.Join(dir, "layout.html"), PartialsDir: filepath.Join(dir, "partials")}
	hash := func(o render.Options) string {
		t.Helper()
		tmpl, err := render.New(filepath.Join(dir, "t.html"), o)
		if err != nil {
			t.Fatal(err)
		}
		return tmpl.Hash()
	}
	base := hash(opts)
	keep := opts
	keep.KeepCSS = true
	if hash(keep) == base {
		t.Error("keeping the <style> block (another message) left the template hash as it was")
	}
	writeFiles(t, dir, map[string]string{"layout.html": "<style>p { color: blue }</style>{{template \"content\" .}}\n"})
	if hash(opts) == base {
		t.Error("a changed layout left the template hash as it was")
	}
	next := hash(opts)
	writeFiles(t, dir, map[string]string{"partials/f.html": "<p>another footer</p>\n"})
	if hash(opts) == next {
		t.Error("a changed partial left the template hash as it was")
	}
}
