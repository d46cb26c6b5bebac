package render_test

import (
	"bytes"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

func TestReturnPathIsTheEnvelopeSender(t *testing.T) {
	const tmpl = "From: News <news@example.com>\nTo: {{.email}}\nSubject: Hi\n\n<p>Hi</p>\n"
	verp, err := campaign.ParseReturnPath("bounces+{{verp}}@example.com")
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := campaign.ParseReturnPath("bounces@example.com")
	if err != nil {
		t.Fatal(err)
	}
	row := campaign.Row{Num: 7, Fields: map[string]string{"email": "Ann@Example.com"}}
	tests := []struct {
		rp   campaign.ReturnPath
		want string
	}{
		{campaign.ReturnPath{}, "news@example.com"},
		{fixed, "bounces@example.com"},
		{verp, "bounces+" + campaign.VERPToken(campaignID, 7, "ann@example.com") + "@example.com"},
	}
	for _, tt := range tests {
		tpl := mustTemplate(t, t.TempDir(), tmpl, render.Options{ReturnPath: tt.rp})
		msg, err := tpl.Render(row)
		if err != nil {
			t.Fatal(err)
		}
		if msg.Envelope.From != tt.want {
			t.Errorf("MAIL FROM %q, want %q", msg.Envelope.From, tt.want)
		}
		if !bytes.Contains(msg.Data, []byte("From: \"News\" <news@example.com>")) && !bytes.Contains(msg.Data, []byte("From: News <news@example.com>")) {
			t.Errorf("the From header changed:\n%s", msg.Data)
		}
	}
}
