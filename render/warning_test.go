package render_test

import (
	"slices"
	"testing"

	"github.com/mailrun/mailrun/render"
)

// TestHeaderNameWarnings checks that a header name no mail program knows
// (a misspelt Subject: the messages would go without one) is a warning
// with the name probably meant, that X- headers, well-known ones and the
// Content-Type of a Markdown body are not, and that a template without
// Subject is.
func TestHeaderNameWarnings(t *testing.T) {
	tests := []struct {
		name, headers string
		want          []string
	}{
		{"clean", "Subject: hi\nReply-To: r@example.com\nList-Id: <news.example.com>\nX-Campaign: nov\nlist-unsubscribe: <https://example.com/u>\n", nil},
		{"the Markdown pseudo-header", "Subject: hi\nContent-Type: text/markdown\n", nil},
		{"misspelt Subject", "Subjet: hi\n", []string{
			`template.html:3: header "Subjet" is not one that mail programs know: did you mean "Subject"?`,
			`template.html:1: the template has no Subject header: the messages go out without a subject`,
		}},
		{"a header of one's own", "Subject: hi\nCampaign: nov\n", []string{
			`template.html:4: header "Campaign" is not one that mail programs know (a header of your own should start with X-)`,
		}},
		{"British spelling", "Subject: hi\nOrganisation: ACME\n", []string{
			`template.html:4: header "Organisation" is not one that mail programs know: did you mean "Organization"?`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := mustTemplate(t, t.TempDir(), "From: a@example.com\nTo: {{.email}}\n"+tt.headers+"\n<p>x</p>\n", render.Options{})
			var got []string
			for _, w := range tmpl.Warnings() {
				got = append(got, w.String()[len(w.File)-len("template.html"):])
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Warnings:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
