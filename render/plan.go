package render

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"text/template/parse"
)

// A plan executes a simple template without reflection: text, and actions
// that print one row field ({{.name}} or {{index . "Name"}}) through a chain
// of known string filters. compilePlan builds one when every node of a tree
// is of that kind; other templates run through text/template. A plan writes
// exactly what text/template (or html/template, for the escaped body tree)
// writes for the same row, which the package's differential fuzz test
// checks.
type plan []step

// step is one piece of a plan: literal text, or a field and its filters.
type step struct {
	text    string
	field   string
	isField bool
	index   bool // {{index . "F"}}: a missing key prints "" (text/template's index)
	filters []filter
}

// filter is a template function of one string argument.
type filter func(string) (string, error)

// errNoField reports a field that the row lacks (missingkey=error).
var errNoField = errors.New("the row has no such field")

// compilePlan returns the plan of tree, or nil if the tree is not simple.
// filters maps the function names a pipeline may end with to their
// implementations.
func compilePlan(tree *parse.Tree, filters map[string]filter) plan {
	return compilePlanSet(tree, filters, nil)
}

// compilePlanSet is compilePlan for a tree that may call other templates
// of its set with the row as data ({{template "content" .}}): lookup
// returns their trees, and their nodes take the place of the call in the
// plan, as text/template runs them (the called template's dot and $ are
// the row too). A nil lookup allows no call.
func compilePlanSet(tree *parse.Tree, filters map[string]filter, lookup func(string) *parse.Tree) plan {
	if tree == nil || tree.Root == nil {
		return nil
	}
	p := plan{}
	if !p.appendNodes(tree.Root.Nodes, filters, lookup, 0) {
		return nil
	}
	return p
}

// maxPlanDepth bounds the nesting of template calls a plan flattens.
const maxPlanDepth = 8

func (p *plan) appendNodes(nodes []parse.Node, filters map[string]filter, lookup func(string) *parse.Tree, depth int) bool {
	for _, n := range nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			*p = append(*p, step{text: string(n.Text)})
		case *parse.ActionNode:
			s, ok := compileAction(n.Pipe, filters)
			if !ok {
				return false
			}
			*p = append(*p, s)
		case *parse.TemplateNode:
			if lookup == nil || depth >= maxPlanDepth || !passesDot(n.Pipe) {
				return false
			}
			t := lookup(n.Name)
			if t == nil || t.Root == nil || !p.appendNodes(t.Root.Nodes, filters, lookup, depth+1) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// passesDot reports whether a {{template}} call's pipeline is dot alone.
func passesDot(pipe *parse.PipeNode) bool {
	if pipe == nil || len(pipe.Decl) > 0 || len(pipe.Cmds) != 1 || len(pipe.Cmds[0].Args) != 1 {
		return false
	}
	_, ok := pipe.Cmds[0].Args[0].(*parse.DotNode)
	return ok
}

func compileAction(pipe *parse.PipeNode, filters map[string]filter) (step, bool) {
	if len(pipe.Decl) > 0 || len(pipe.Cmds) == 0 {
		return step{}, false
	}
	s := step{isField: true}
	args := pipe.Cmds[0].Args
	switch {
	case len(args) == 1:
		f, ok := args[0].(*parse.FieldNode)
		if !ok || len(f.Ident) != 1 {
			return step{}, false
		}
		s.field = f.Ident[0]
	case len(args) == 3:
		id, ok1 := args[0].(*parse.IdentifierNode)
		_, ok2 := args[1].(*parse.DotNode)
		lit, ok3 := args[2].(*parse.StringNode)
		if !ok1 || !ok2 || !ok3 || id.Ident != "index" {
			return step{}, false
		}
		s.field, s.index = lit.Text, true
	default:
		return step{}, false
	}
	for _, c := range pipe.Cmds[1:] {
		if len(c.Args) != 1 {
			return step{}, false
		}
		id, ok := c.Args[0].(*parse.IdentifierNode)
		if !ok || filters[id.Ident] == nil {
			return step{}, false
		}
		s.filters = append(s.filters, filters[id.Ident])
	}
	return s, true
}

// executor is what text/template and html/template templates have in common.
type executor interface {
	Execute(w io.Writer, data any) error
}

// execute writes the plan for fields to b.
func (p plan) execute(b *bytes.Buffer, fields map[string]string) error {
	for _, s := range p {
		if !s.isField {
			b.WriteString(s.text)
			continue
		}
		v, err := s.value(fields)
		if err != nil {
			return err
		}
		b.WriteString(v)
	}
	return nil
}

// value returns what the field step s writes for fields.
func (s *step) value(fields map[string]string) (string, error) {
	v, ok := fields[s.field]
	if !ok && !s.index {
		return "", errNoField
	}
	for _, f := range s.filters {
		var err error
		if v, err = f(v); err != nil {
			return "", err
		}
	}
	return v, nil
}

// textFilters are the functions a header or text plan may apply: the ones
// guardAddresses inserts.
var textFilters = map[string]filter{
	fnDisplayName: func(s string) (string, error) { return quoteDisplayName(s), nil },
	fnAddrSpec:    checkAddrSpec,
}

// htmlFilters are ports of html/template's escapers for a plain string
// argument (the only kind a row field is), by the names html/template's
// escaper inserts into the escaped tree. Contexts whose escapers are not
// here (JavaScript, CSS, unquoted attributes, ...) run through html/template.
var htmlFilters = map[string]filter{
	"_html_template_htmlescaper":   htmlEscape,
	"_html_template_attrescaper":   htmlEscape,
	"_html_template_rcdataescaper": htmlEscape,
	"_html_template_urlescaper":    func(s string) (string, error) { return urlProcess(s, false), nil },
	"_html_template_urlnormalizer": func(s string) (string, error) { return urlProcess(s, true), nil },
	"_html_template_urlfilter":     urlFilter,
}

// htmlReplacement is html/template's htmlReplacementTable.
var htmlReplacement = [...]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

// htmlEscape is html/template's htmlReplacer(s, htmlReplacementTable, true):
// only ASCII bytes are ever replaced, so it can work byte by byte.
func htmlEscape(s string) (string, error) {
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if int(c) >= len(htmlReplacement) || htmlReplacement[c] == "" {
			continue
		}
		if written == 0 {
			b.Grow(len(s) + 8)
		}
		b.WriteString(s[written:i])
		b.WriteString(htmlReplacement[c])
		written = i + 1
	}
	if written == 0 {
		return s, nil
	}
	b.WriteString(s[written:])
	return b.String(), nil
}

// urlFilter is html/template's urlFilter: a URL with a scheme other than
// http, https or mailto becomes "#ZgotmplZ".
func urlFilter(s string) (string, error) {
	if protocol, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(protocol, "/") {
		if !strings.EqualFold(protocol, "http") && !strings.EqualFold(protocol, "https") && !strings.EqualFold(protocol, "mailto") {
			return "#ZgotmplZ", nil
		}
	}
	return s, nil
}

// urlProcess is html/template's urlProcessor for a plain string.
func urlProcess(s string, norm bool) string {
	const hexDigits = "0123456789abcdef"
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '!', '#', '$', '&', '*', '+', ',', '/', ':', ';', '=', '?', '@', '[', ']':
			if norm {
				continue
			}
		case '-', '.', '_', '~':
			continue
		case '%':
			if norm && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				continue
			}
		default:
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
				continue
			}
		}
		if written == 0 {
			b.Grow(len(s) + 16)
		}
		b.WriteString(s[written:i])
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
