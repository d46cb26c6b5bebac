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

// FuzzMarkdownTemplate reads arbitrary Markdown bodies. New must not panic:
// a body either is refused with an InputError naming the file, or renders
// a row whose hostile value reaches the HTML part escaped, never as markup.
func FuzzMarkdownTemplate(f *testing.F) {
	for _, s := range []string{
		markdownBody,
		"# {{.name}}\n\n{{if .x}}\n\nyes\n\n{{else}}\n\nno\n\n{{end}}\n",
		"[a]({{.name}}) <b title=\"{{.name}}\">x</b> `{{.name}}`\n\n    {{.name}}\n",
		"[ref]: https://example.com/{{.name}}\n\n[ref]\n",
		"{{/* a comment with }} */}}{{\"}}\" | print}} {{`}}`}}\n",
		"| a | {{.name}} |\n|---|---|\n| {{if .x}}1{{end}} | 2 |\n",
		"{{.name", "{{end}}", "<style>p{color:red}</style>\n\n{{.name}}\n", "xmrtpl0x {{.name}} xmrtplonce1x\n",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body string) {
		path := filepath.Join(dir, "t.md")
		if err := os.WriteFile(path, []byte("From: a@example.com\nTo: b@example.com\n\n"+body), 0o600); err != nil {
			t.Fatal(err)
		}
		tmpl, err := render.New(path, render.Options{CampaignID: campaignID, Now: now})
		if err != nil {
			var ie *campaign.InputError
			if !errors.As(err, &ie) || ie.File != path {
				t.Fatalf("error %v: want an InputError naming %s", err, path)
			}
			return
		}
		hostile := "<script>alert(1)</script>"
		msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{"name": hostile, "x": "1"}})
		if err != nil {
			return // a row error (a field the row lacks) is a fine answer
		}
		m := parseMessage(t, msg.Data)
		if p, ok := find(m.root, "text/html"); ok && strings.Contains(string(p.body), hostile) && !strings.Contains(body, "<script") {
			t.Fatalf("the value reached the HTML part unescaped:\n%s", p.body)
		}
	})
}
