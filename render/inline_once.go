package render

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// onceInline is the body with its CSS inlined once, on the template
// rather than on each message: the inlined document with a hole where
// each field goes. Template.compileOnce builds one only when it writes
// exactly what inlining each rendered message writes:
//
//   - the body runs through a plan (text and fields, no control actions),
//     so every message has the same elements, in the same order;
//   - each field stands in text, outside <style>, <script>, <pre> and their
//     like, or in an href, src, alt, title or cite attribute, and not just
//     after "&" or "<" (where a value could complete an entity or a tag);
//   - the CSS selects nothing by attribute value ([...]) or text content
//     (:empty, :contains, :matches), and no field is in a class, id or
//     style attribute, so the rules select the same elements whatever the
//     values;
//   - the parser writes a field's value back as html.EscapeString of its
//     unescaped text, which execute does too;
//   - and the result equals per-message inlining on probe values (empty,
//     white space, entities) at compile time.
//
// A row with a carriage return in a field takes the per-message path (the
// parser turns CR LF into LF across a field's edge). The differential test
// checks the two paths on generated templates and hostile values.
type onceInline struct {
	parts []string // the inlined document's text between the holes
	holes []int    // the plan step whose value fills each hole
	steps plan     // the body's plan
}

// onceMarker is the start of the placeholder that stands for plan step i
// while the template is inlined: letters and digits, which no escaper
// changes.
const onceMarker = "xmrtplonce"

var onceRE = regexp.MustCompile(onceMarker + `(\d+)x`)

// openBefore matches text before a field where the value could complete
// a character reference or a tag.
var openBefore = regexp.MustCompile(`(&[A-Za-z0-9#]*|<[/!?]?-?)$`)

// onceProbes are escaped values the compiled result is checked with.
var onceProbes = []string{"", " ", "\n", "a", "x &amp; y", "&lt;b&gt;&#34;&#39;&#43;"}

// compileOnce returns the body inlined once, or nil when the body does not
// allow it (see onceInline).
func (t *Template) compileOnce() *onceInline {
	p := t.bodyPlan
	if p == nil {
		return nil
	}
	var doc strings.Builder
	for i, s := range p {
		if !s.isField {
			doc.WriteString(s.text)
			continue
		}
		if openBefore.MatchString(doc.String()) {
			return nil
		}
		doc.WriteString(onceMarker + strconv.Itoa(i) + "x")
	}
	withHoles := doc.String()
	if !fieldsInSafePlaces(withHoles) {
		return nil
	}
	inlined, err := inlineCSS([]byte(withHoles))
	if err != nil {
		return nil
	}
	o := &onceInline{steps: p}
	last := 0
	for _, m := range onceRE.FindAllStringSubmatchIndex(inlined, -1) {
		i, _ := strconv.Atoi(inlined[m[2]:m[3]])
		if i >= len(p) || !p[i].isField {
			return nil
		}
		o.parts = append(o.parts, inlined[last:m[0]])
		o.holes = append(o.holes, i)
		last = m[1]
	}
	o.parts = append(o.parts, inlined[last:])
	for _, probe := range onceProbes {
		slow, err := inlineCSS([]byte(onceRE.ReplaceAllLiteralString(withHoles, probe)))
		if err != nil {
			return nil
		}
		var fast bytes.Buffer
		o.fill(&fast, func(int) string { return probe })
		if fast.String() != slow {
			return nil
		}
	}
	return o
}

// applies reports whether the row fields may take the once-inlined path.
func (o *onceInline) applies(fields map[string]string) bool {
	for _, i := range o.holes {
		if strings.IndexByte(fields[o.steps[i].field], '\r') >= 0 {
			return false
		}
	}
	return true
}

// execute writes the inlined body for fields to b.
func (o *onceInline) execute(b *bytes.Buffer, fields map[string]string) error {
	var err error
	o.fill(b, func(i int) string {
		v, verr := o.steps[i].value(fields)
		if verr != nil && err == nil {
			err = verr
		}
		return v
	})
	return err
}

// fill writes the parts with the escaped value of each hole's step, as
// the HTML parser and serializer write it back, in between.
func (o *onceInline) fill(b *bytes.Buffer, value func(step int) string) {
	for i, part := range o.parts {
		b.WriteString(part)
		if i < len(o.holes) {
			b.WriteString(html.EscapeString(html.UnescapeString(value(o.holes[i]))))
		}
	}
}

// rawParents are the elements whose text the serializer writes other than
// escaped, or with a leading line break of its own.
var rawParents = map[string]bool{
	"style": true, "script": true, "xmp": true, "iframe": true, "noembed": true, "noframes": true,
	"noscript": true, "plaintext": true, "pre": true, "textarea": true, "listing": true,
}

// holeAttrs are the attributes a field may stand in: no selector matches
// their value without "[...]".
var holeAttrs = map[string]bool{"href": true, "src": true, "alt": true, "title": true, "cite": true}

// valueSelectors match CSS that selects by attribute value or text.
var valueSelectors = regexp.MustCompile(`\[|:empty|:contains|:matches|:has`)

// fieldsInSafePlaces parses doc, the body with a placeholder for each
// field, and reports whether every placeholder stands in a place where its
// value cannot change which elements the CSS selects (see onceInline).
func fieldsInSafePlaces(doc string) bool {
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		return false
	}
	ok := true
	var walk func(n *html.Node, raw bool)
	walk = func(n *html.Node, raw bool) {
		switch n.Type {
		case html.TextNode:
			if onceRE.MatchString(n.Data) && raw {
				ok = false
			}
		case html.ElementNode:
			if onceRE.MatchString(n.Data) {
				ok = false
			}
			for _, a := range n.Attr {
				if onceRE.MatchString(a.Key) || (onceRE.MatchString(a.Val) && (a.Namespace != "" || !holeAttrs[a.Key])) {
					ok = false
				}
			}
			if n.Data == "style" {
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if valueSelectors.MatchString(c.Data) {
						ok = false
					}
				}
			}
			raw = raw || rawParents[n.Data]
		case html.CommentNode, html.DoctypeNode:
			if onceRE.MatchString(n.Data) {
				ok = false
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, raw)
		}
	}
	walk(root, false)
	return ok
}
