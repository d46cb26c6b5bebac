package render_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

// TestBoundsOfEveryKindOfBody checks that the message-size and
// render-time limits stop a runaway row whatever the body is made of:
// Markdown, plain text, a layout and its partials, CSS inlined on each
// message or once on the template, a proof copy.
func TestBoundsOfEveryKindOfBody(t *testing.T) {
	const (
		big   = `{{range until 100000}}{{range until 100}}xxxxxxxxxx{{end}}{{end}}`
		slow  = `{{range until 100000}}{{range until 100000}}{{$x := until 10}}{{end}}{{end}}`
		style = "<style>p { color: #123456; font-family: Georgia, serif; margin: 0 0 12px 0; line-height: 1.5 }</style>\n"
	)
	tests := []struct {
		name   string
		body   string            // after plainHead
		files  map[string]string // layout.html, partials/*
		opts   render.Options
		fields map[string]string
		limit  campaign.LimitKind
	}{
		{name: "markdown", body: "# Hi\n\n" + big + "\n", limit: campaign.LimitMessageSize,
			opts: render.Options{}},
		{name: "plain text", body: "Hi,\n" + big + "\n", limit: campaign.LimitMessageSize},
		{name: "plain text repeat", body: `{{repeat 3000000000 "x"}}` + "\n", limit: campaign.LimitMessageSize},
		{name: "plain text that loops", body: "Hi,\n" + slow + "\n", limit: campaign.LimitRenderTime},
		{name: "layout", body: "<p>hi</p>\n", files: map[string]string{"layout.html": `<div>{{template "content" .}}` + big + `</div>`},
			limit: campaign.LimitMessageSize},
		{name: "layout that loops", body: "<p>hi</p>\n", files: map[string]string{"layout.html": `<div>{{template "content" .}}` + slow + `</div>`},
			limit: campaign.LimitRenderTime},
		{name: "partial", body: `<p>{{template "footer" .}}</p>` + "\n", files: map[string]string{"partials/footer.md": "*" + big + "*\n"},
			limit: campaign.LimitMessageSize},
		// Inlining gives each of 30,000 small paragraphs the rule's 90
		// bytes: the body is 0.2 MiB before, 2.8 MiB after.
		{name: "CSS inlined on each message", body: style + `{{range until 30000}}<p>x</p>{{end}}` + "\n", limit: campaign.LimitMessageSize},
		{name: "CSS inlined once", body: style + "<p>{{.x}}</p>\n", fields: map[string]string{"x": strings.Repeat("y", 2<<20)},
			limit: campaign.LimitMessageSize},
		{name: "proof copy", body: "<p>" + big + "</p>\n", opts: render.Options{ProofTo: []string{"proof@example.com"}},
			limit: campaign.LimitMessageSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			head := plainHead
			if tt.name == "markdown" {
				head = "From: a@example.com\nTo: b@example.com\nSubject: hi\nContent-Type: text/markdown\n\n"
			}
			o := tt.opts
			o.MaxMessageSize, o.MaxRenderTime = 1<<20, time.Minute // only the size may stop it
			if tt.limit == campaign.LimitRenderTime {
				o.MaxRenderTime = 200 * time.Millisecond
			}
			if _, ok := tt.files["layout.html"]; ok {
				o.LayoutPath = filepath.Join(dir, "layout.html")
			}
			if strings.Contains(tt.body, "{{template") {
				o.PartialsDir = filepath.Join(dir, "partials")
			}
			tmpl := mustTemplate(t, dir, head+tt.body, o)
			fields := tt.fields
			if fields == nil {
				fields = map[string]string{}
			}
			start := time.Now()
			_, err := tmpl.Render(campaign.Row{Num: 7, Fields: fields})
			var (
				re *campaign.RowError
				le *campaign.LimitError
			)
			if !errors.As(err, &re) || re.Row != 7 || !errors.As(err, &le) || le.Kind != tt.limit {
				t.Fatalf("Render: %v, want a row error of row 7 with the limit of kind %d", err, tt.limit)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("Render took %v", d)
			}
		})
	}
}

// TestUnboundedLoopsRefusedInLayoutsAndPartials checks that a range over
// a number, or a template that calls itself, is refused when it is in a
// layout, a partial (HTML or Markdown) or a Markdown or plain-text body,
// naming the file it is in.
func TestUnboundedLoopsRefusedInLayoutsAndPartials(t *testing.T) {
	tests := []struct {
		name  string
		head  string
		body  string
		files map[string]string
		file  string // the file the error names
	}{
		{"layout", plainHead, "<p>hi</p>\n", map[string]string{"layout.html": `{{template "content" .}}{{range 1000000000}}{{end}}`}, "layout.html"},
		{"partial calls itself", plainHead, `<p>{{template "a" .}}</p>` + "\n", map[string]string{"partials/a.html": `<b>{{template "a" .}}</b>`}, "a.html"},
		{"partials call each other", plainHead, `<p>{{template "a" .}}</p>` + "\n",
			map[string]string{"partials/a.html": `{{template "b" .}}`, "partials/b.md": `{{if .x}}{{template "a" .}}{{end}}`}, ""},
		{"markdown body", "From: a@example.com\nTo: b@example.com\nContent-Type: text/markdown\n\n", "# Hi\n\n{{range atoi .n}}x{{end}}\n", nil, "template.html"},
		{"plain-text body", plainHead, "Hi,\n{{$n := 5}}{{range $n}}x{{end}}\n", nil, "template.html"},
		{"plain-text body and partial", plainHead, "Hi,\n{{template \"a\" .}}\n", map[string]string{"partials/a.html": `{{template "a" .}}`}, "a.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			var o render.Options
			if _, ok := tt.files["layout.html"]; ok {
				o.LayoutPath = filepath.Join(dir, "layout.html")
			}
			if strings.Contains(tt.body, "{{template") {
				o.PartialsDir = filepath.Join(dir, "partials")
			}
			_, err := newTemplate(t, dir, tt.head+tt.body, o)
			var ie *campaign.InputError
			if !errors.As(err, &ie) || !(strings.Contains(err.Error(), "range over a number") || strings.Contains(err.Error(), "calls itself")) {
				t.Fatalf("New: %v, want an input error refusing the loop", err)
			}
			if tt.file != "" && filepath.Base(ie.File) != tt.file {
				t.Errorf("New: %v names %s, want %s", err, ie.File, tt.file)
			}
		})
	}
}
