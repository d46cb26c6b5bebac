package render

import (
	"slices"
	"strings"
	texttemplate "text/template"

	"github.com/k3a/html2text"
)

// usesOnly reports whether t uses no row field but those of fields. The
// text part derived once from the HTML template (Template.defaultText)
// must use no field the body does not: otherwise each row's rendered HTML
// is converted instead. The two give the same text except that a field
// value is inserted as it is, not as HTML (a line break in a value stays
// one).
func usesOnly(t *texttemplate.Template, fields []string) bool {
	for _, f := range fieldsOf(t) {
		if !slices.Contains(fields, f) {
			return false
		}
	}
	return true
}

// tableBreaks puts a line break before each table row and a space before
// each cell, which html2text would otherwise run together.
var tableBreaks = strings.NewReplacer("<tr", "<br><tr", "<TR", "<br><TR", "<td", " <td", "<TD", " <TD", "<th", " <th", "<TH", " <TH")

// htmlToText derives the text/plain alternative from rendered HTML: tags
// are dropped, entities decoded, <head>, <style> and <script> left out, and
// each link is written as "label <https://...>" so that its target stays
// visible. Lines are stripped of leading spaces and runs of blank lines
// collapse into one.
func htmlToText(html string) string {
	html = tableBreaks.Replace(html)
	s := html2text.HTML2TextWithOptions(html,
		html2text.WithLinksInnerText(), html2text.WithUnixLineBreaks(), html2text.WithListSupport())
	var b strings.Builder
	b.Grow(len(s))
	blank := 0
	for line := range strings.Lines(s) {
		line = strings.TrimRight(strings.TrimLeft(line, " \t"), " \t\n")
		if line == "" {
			blank++
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
			if blank > 0 {
				b.WriteString("\n")
			}
		}
		blank = 0
		b.WriteString(line)
	}
	b.WriteString("\n")
	return b.String()
}
