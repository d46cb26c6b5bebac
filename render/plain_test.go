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

// TestPlainTextBody checks that a body without HTML tags (the usual mail
// merge template) is sent as text/plain alone, line breaks and characters
// as written, and that an HTML body still makes both parts.
func TestPlainTextBody(t *testing.T) {
	row := campaign.Row{Num: 1, Fields: map[string]string{"email": "ann@example.com", "name": "Tom & <Jerry>", "id": "7"}}
	head := "From: a@example.com\nTo: {{.email}}\nSubject: hi\n"
	tests := []struct {
		name, body, attach string
		shape, text        string
	}{
		{"mail merge style", "Hello {{.name}},\n\nline one\nline two\n\nBye\n", "",
			"text/plain", "Hello Tom & <Jerry>,\n\nline one\nline two\n\nBye\n"},
		{"links and addresses in angle brackets are text", "See <https://example.com/u/{{.id}}>\nWrite to <help@example.com>; 1 < 2\n", "",
			"text/plain", "See <https://example.com/u/7>\nWrite to <help@example.com>; 1 < 2\n"},
		{"with an attachment", "Your invoice is attached.\nThanks\n", "Attach: inv.pdf\n",
			"multipart/mixed[text/plain application/pdf]", "Your invoice is attached.\nThanks\n"},
		{"HTML", "<p>Hello {{.name}}</p>\n", "",
			"multipart/alternative[text/plain text/html]", "Hello Tom & <Jerry>\n"},
		{"an HTML fragment without paragraphs", "Hello {{.name}},<br>\nBye\n", "",
			"multipart/alternative[text/plain text/html]", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "inv.pdf"), []byte("%PDF-1.4"), 0o600); err != nil {
				t.Fatal(err)
			}
			tmpl := mustTemplate(t, dir, head+tt.attach+"\n"+tt.body, render.Options{})
			msg, err := tmpl.Render(row)
			if err != nil {
				t.Fatal(err)
			}
			p := parseMessage(t, msg.Data)
			if got := shape(p.root); got != tt.shape {
				t.Fatalf("shape %s, want %s", got, tt.shape)
			}
			text, _ := find(p.root, "text/plain")
			if tt.text != "" && string(text.body) != tt.text {
				t.Errorf("text part %q, want %q", text.body, tt.text)
			}
		})
	}
}

// TestPlainTextBodyRefusals checks what a plain-text body cannot have.
func TestPlainTextBodyRefusals(t *testing.T) {
	dir := t.TempDir()
	textPath := filepath.Join(dir, "text.txt")
	if err := os.WriteFile(textPath, []byte("Hi {{.email}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, tmpl string
		opts       render.Options
		want       string
	}{
		{"Embed needs HTML", "From: a@example.com\nTo: {{.email}}\nEmbed: logo.png\n\nHi\n", render.Options{}, "Embed: shows an image in an HTML body"},
		{"a text template beside a text body", "From: a@example.com\nTo: {{.email}}\n\nHi\n", render.Options{TextPath: textPath}, "has no HTML tags, so it is sent as the text part itself"},
	}
	for _, tt := range tests {
		_, err := newTemplate(t, dir, tt.tmpl, tt.opts)
		var ie *campaign.InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want an input error with %q", tt.name, err, tt.want)
		}
	}
}

// TestPlainTextBodyWithMarkdownLayoutsAndPartials checks where the plain
// text rule stops: a Markdown body has no tags but becomes HTML, a body
// wrapped in an HTML layout is HTML, and a plain body may call a partial,
// which it gets in its text version.
func TestPlainTextBodyWithMarkdownLayoutsAndPartials(t *testing.T) {
	row := campaign.Row{Num: 1, Fields: map[string]string{"email": "ann@example.com", "name": "Ann"}}
	dir := t.TempDir()
	layout := filepath.Join(dir, "layout.html")
	parts := filepath.Join(dir, "partials")
	if err := os.Mkdir(parts, 0o755); err != nil {
		t.Fatal(err)
	}
	for path, src := range map[string]string{
		layout:                              "<html><body>{{template \"content\" .}}</body></html>\n",
		filepath.Join(parts, "footer.html"): "<p>The <b>mailrun</b> team</p>\n",
	} {
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	head := "From: a@example.com\nTo: {{.email}}\nSubject: hi\n"
	tests := []struct {
		name, tmpl string
		opts       render.Options
		shape      string
		text       string // what the text part contains
	}{
		{"Markdown without tags", head + "Content-Type: text/markdown\n\nHello **{{.name}}**\n\nBye\n", render.Options{},
			"multipart/alternative[text/plain text/html]", "Hello **Ann**"},
		{"a plain body in an HTML layout", head + "\nHello {{.name}}\nBye\n", render.Options{LayoutPath: layout},
			"multipart/alternative[text/plain text/html]", "Hello Ann"},
		{"a plain body calling a partial", head + "\nHello {{.name}}\n\n{{template \"footer\" .}}", render.Options{PartialsDir: parts},
			"text/plain", "Hello Ann\n\nThe mailrun team"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := mustTemplate(t, dir, tt.tmpl, tt.opts).Render(row)
			if err != nil {
				t.Fatal(err)
			}
			p := parseMessage(t, msg.Data)
			if got := shape(p.root); got != tt.shape {
				t.Fatalf("shape %s, want %s", got, tt.shape)
			}
			if text, _ := find(p.root, "text/plain"); !strings.Contains(string(text.body), tt.text) {
				t.Errorf("text part %q, want it to contain %q", text.body, tt.text)
			}
		})
	}
}
