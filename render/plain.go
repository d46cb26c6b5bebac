package render

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// templateAction matches a template action, whose text is no markup.
var templateAction = regexp.MustCompile(`(?s)\{\{.*?\}\}`)

// isHTML reports whether the body template src is HTML: it has a doctype,
// a comment, or a tag of an HTML element (<p>, </div>, <br/>). Text that
// only looks like it (<https://example.com>, <ann@example.com>, a < b) is
// not HTML; neither are template actions.
func isHTML(src string) bool {
	z := html.NewTokenizer(strings.NewReader(templateAction.ReplaceAllString(src, " ")))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.DoctypeToken, html.CommentToken:
			return true
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			if name, _ := z.TagName(); atom.Lookup(name) != 0 {
				return true
			}
		}
	}
}
