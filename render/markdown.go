package render

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	texttemplate "text/template"

	"github.com/mailrun/mailrun/campaign"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

// markdown converts Markdown to HTML: CommonMark with GitHub's extensions
// (tables, strikethrough, autolinks, task lists). HTML written in the
// template passes as written: the template is the author's, and field
// values are escaped by html/template after the conversion.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithRendererOptions(html.WithUnsafe()),
)

// mark is the position of an action in a template converted from
// Markdown, and the line of the Markdown file it comes from.
type mark struct {
	pos, line int
}

// lineOfMark returns the file line of position pos: that of the last
// action at or before it, else first (the body's first line).
func lineOfMark(marks []mark, pos, first int) int {
	i := sort.Search(len(marks), func(i int) bool { return marks[i].pos > pos })
	if i == 0 {
		return first
	}
	return marks[i-1].line
}

// placeholderRE matches the placeholders an action stands in for while
// goldmark converts the text around it: letters and digits, which Markdown
// leaves alone.
var placeholderRE = regexp.MustCompile(`xmrtpl(\d+)x`)

// controlRE matches the actions that print nothing of their own: {{if}},
// {{else}}, {{end}}, {{range}}, {{with}}, {{template}}, {{block}},
// {{define}}, comments.
var controlRE = regexp.MustCompile(`^\{\{-?\s*(?:(?:if|else|end|range|with|template|block|define|break|continue)\b|/\*)`)

// fromMarkdown turns s, a Markdown template whose functions are funcs,
// into an HTML template: the
// template's actions are kept as they are while goldmark converts the
// Markdown around them, and a paragraph holding nothing but actions that
// print nothing of their own ({{if .vip}} on a line of its own) loses its
// <p>. Field values are thus escaped by html/template as in an HTML
// template, and Markdown in a value stays text. s.text keeps the Markdown,
// the text part. A template that does not parse, or whose control actions
// Markdown moved (inside a link reference definition, say), is a
// *campaign.InputError naming the file and line.
func (s *source) fromMarkdown(funcs texttemplate.FuncMap) error {
	md := s.src
	if _, err := texttemplate.New("md").Funcs(funcs).Parse(md); err != nil {
		return parseError(s.file, s.line-1, md, err)
	}
	actions, lines, withPlaceholders := swapActions(md, s.line)
	var out bytes.Buffer
	if err := markdown.Convert([]byte(withPlaceholders), &out); err != nil {
		return &campaign.InputError{File: s.file, Err: fmt.Errorf("render: markdown: %w", err)}
	}
	converted := unwrapControl(out.String(), actions)
	var b strings.Builder
	var marks []mark
	seen := make([]int, len(actions))
	last := 0
	for _, m := range placeholderRE.FindAllStringSubmatchIndex(converted, -1) {
		i, _ := strconv.Atoi(converted[m[2]:m[3]])
		if i >= len(actions) {
			continue
		}
		b.WriteString(converted[last:m[0]])
		marks = append(marks, mark{pos: b.Len(), line: lines[i]})
		b.WriteString(actions[i])
		last = m[1]
		seen[i]++
	}
	b.WriteString(converted[last:])
	for i, a := range actions {
		if seen[i] != 1 && controlRE.MatchString(a) {
			return &campaign.InputError{File: s.file, Line: lines[i],
				Err: fmt.Errorf("render: markdown moved or dropped the action %s; put it on a line of its own, between blank lines", a)}
		}
	}
	s.text, s.src, s.marks = md, b.String(), marks
	return nil
}

// swapActions replaces each action of src with a placeholder, returning
// the actions, the file line of each (src's first line being first) and
// the text.
func swapActions(src string, first int) (actions []string, lines []int, out string) {
	var b strings.Builder
	line := first
	for i := 0; i < len(src); {
		j := strings.Index(src[i:], "{{")
		if j < 0 {
			b.WriteString(src[i:])
			break
		}
		b.WriteString(src[i : i+j])
		line += strings.Count(src[i:i+j], "\n")
		start := i + j
		end := actionEnd(src, start)
		fmt.Fprintf(&b, "xmrtpl%dx", len(actions))
		actions = append(actions, src[start:end])
		lines = append(lines, line)
		line += strings.Count(src[start:end], "\n")
		i = end
	}
	return actions, lines, b.String()
}

// actionEnd returns the index just past the action that starts at
// src[start] ("{{"), skipping "}}" inside quoted strings and comments.
func actionEnd(src string, start int) int {
	for i := start + 2; i < len(src); i++ {
		switch c := src[i]; {
		case c == '"' || c == '\'':
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case c == '`':
			if k := strings.IndexByte(src[i+1:], '`'); k >= 0 {
				i += k + 1
			}
		case strings.HasPrefix(src[i:], "/*"):
			if k := strings.Index(src[i:], "*/"); k >= 0 {
				i += k + 1
			}
		case strings.HasPrefix(src[i:], "}}"):
			return i + 2
		}
	}
	return len(src)
}

// paragraphRE matches a paragraph of placeholders and white space only.
var paragraphRE = regexp.MustCompile(`<p>((?:\s*xmrtpl\d+x)+)\s*</p>\n?`)

// unwrapControl removes the <p> around paragraphs made only of actions
// that print nothing of their own.
func unwrapControl(html string, actions []string) string {
	return paragraphRE.ReplaceAllStringFunc(html, func(p string) string {
		inner := paragraphRE.FindStringSubmatch(p)[1]
		for _, m := range placeholderRE.FindAllStringSubmatch(inner, -1) {
			i, _ := strconv.Atoi(m[1])
			if i >= len(actions) || !controlRE.MatchString(actions[i]) {
				return p
			}
		}
		return strings.TrimSpace(inner) + "\n"
	})
}

// isMarkdownType reports whether a Content-Type pseudo-header value names
// Markdown: text/markdown, parameters allowed.
func isMarkdownType(v string) bool {
	mt, _, _ := strings.Cut(v, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "text/markdown")
}
