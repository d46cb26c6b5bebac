package render_test

import (
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

func TestTemplateFunctions(t *testing.T) {
	tmpl := mustTemplate(t, t.TempDir(), `From: a@example.com
To: {{addr .name .email}}
Subject: {{.name | upper}}{{if .vip}} (VIP){{end}}

<p>{{if .vip}}Dear valued {{.name | title}}{{else}}Hello {{.name}}{{end}}, {{.email | replace "@" " at "}}</p>
`, render.Options{})
	msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{"name": "doe, john", "email": "john@example.com", "vip": "yes"}})
	if err != nil {
		t.Fatal(err)
	}
	m := parseMessage(t, msg.Data)
	if got := m.header.Get("Subject"); got != "DOE, JOHN (VIP)" {
		t.Errorf("Subject = %q", got)
	}
	if to, err := m.header.AddressList("To"); err != nil || len(to) != 1 || to[0].Name != "doe, john" {
		t.Errorf("To = %v, %v; want one address named %q", to, err, "doe, john")
	}
	html, _ := find(m.root, "text/html")
	if got := string(html.body); !strings.Contains(got, "<p>Dear valued Doe, John, john at example.com</p>") {
		t.Errorf("html part: %s", got)
	}
	text, _ := find(m.root, "text/plain")
	if got := string(text.body); got != "Dear valued Doe, John, john at example.com\n" {
		t.Errorf("text part: %q", got)
	}
}
