package render

import (
	"fmt"
	"regexp"
	"strings"
	texttemplate "text/template"

	"github.com/mailrun/mailrun/campaign"

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

// parsePlainBody parses src, a body without HTML that starts on file line
// line, as the text template of a text/plain message: values are not
// HTML-escaped and line breaks stay. It may call the partials, in their
// text versions. Embed: needs an HTML body to show its image.
func (t *Template) parsePlainBody(src string, line int) error {
	for _, h := range t.headers {
		if h.kind == kindEmbed {
			return t.inputErr(h.line, "render: Embed: shows an image in an HTML body, but the body has no HTML tags (use Attach:, or write the body in HTML)")
		}
	}
	body := &source{file: t.path, line: line, src: src, text: src}
	t.sources = map[string]*source{"body": body}
	if err := t.addPartials(); err != nil {
		return err
	}
	if _, err := texttemplate.New("body").Funcs(t.guard.textFuncs()).Parse(src); err != nil {
		return body.parseError(err)
	}
	text, err := t.textSet("body", src, false)
	if err != nil { // in a partial
		return &campaign.InputError{File: t.opts.PartialsDir, Err: fmt.Errorf("render: %w", err)}
	}
	if err := t.checkSet(textTrees(text), t.guard.textFuncs(), true); err != nil {
		return err
	}
	t.plain, t.text = true, text
	t.textFields = fieldsOf(text)
	return nil
}
