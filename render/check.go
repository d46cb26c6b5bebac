package render

import (
	"fmt"
	"path/filepath"
	"strings"
	texttemplate "text/template"
	"text/template/parse"

	"github.com/mailrun/mailrun/campaign"
)

// Check reports the columns that the template (headers, body and text
// template) refers to and that columns lacks, as one *campaign.InputError
// naming each column and the file:line where it is first used. It also
// reports a key column (Options.KeyColumn) missing from columns. Only
// references to the row itself count: {{.name}}, {{$.name}} and
// {{index . "Name"}}; fields of other values, inside {{with}} or {{range}}
// over something else, do not.
func (t *Template) Check(columns []string) error {
	have := make(map[string]bool, len(columns))
	for _, c := range columns {
		have[c] = true
	}
	if k := t.opts.KeyColumn; k != "" && !have[k] {
		return &campaign.InputError{Err: &MissingColumnsError{Missing: []string{k}, Columns: columns, Key: true}}
	}
	type use struct {
		file string
		line int
	}
	var missing []string
	where := map[string]use{}
	// note records the field of r if the data lacks it.
	note := func(r fieldRef, file string, line int) {
		if _, seen := where[r.name]; have[r.name] || seen {
			return
		}
		missing = append(missing, r.name)
		where[r.name] = use{file, line}
	}
	for _, h := range t.headers {
		if h.tmpl != nil {
			for _, r := range textRefs(h.tmpl) {
				note(r, t.path, h.line)
			}
		}
	}
	for _, r := range t.bodyRefs() {
		s := t.sources[r.tree]
		note(r, s.file, s.lineAt(int(r.pos)))
	}
	if t.opts.TextPath != "" {
		for _, r := range textRefs(t.text) {
			if s := t.sources[r.tree]; r.tree != "text" && s != nil {
				note(r, s.file, lineOf(s.text, int(r.pos), s.line))
				continue
			}
			note(r, t.opts.TextPath, lineOf(t.textSrc, int(r.pos), 1))
		}
	}
	if len(missing) == 0 {
		return t.checkUnsubscribe(have)
	}
	first := where[missing[0]]
	e := &MissingColumnsError{Missing: missing, Columns: columns}
	if len(missing) > 1 {
		for _, m := range missing {
			u := where[m]
			e.Where = append(e.Where, fmt.Sprintf("%s:%d", filepath.Base(u.file), u.line))
		}
	}
	return &campaign.InputError{File: first.file, Line: first.line, Err: e}
}

// MissingColumnsError is the error of Template.Check (inside a
// *campaign.InputError) when the data lacks columns the template uses, or
// the key column.
type MissingColumnsError struct {
	// Missing lists the columns the data lacks, in the order the template
	// uses them; Where, when there are several, says where each is used
	// (file:line).
	Missing, Where []string
	// Columns are the data's columns.
	Columns []string
	// Key: the missing column is the key column (Options.KeyColumn).
	Key bool
}

// maxColumnsListed bounds the data's columns an error lists.
const maxColumnsListed = 30

func (e *MissingColumnsError) Error() string {
	var b strings.Builder
	switch {
	case e.Key:
		fmt.Fprintf(&b, "render: the key column %q is not in the data", e.Missing[0])
		e.suggestAlone(&b)
	case len(e.Missing) == 1:
		fmt.Fprintf(&b, "render: the data has no column %q, which the template uses", e.Missing[0])
		e.suggestAlone(&b)
	default:
		b.WriteString("render: the data has no columns ")
		for i, m := range e.Missing {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q (%s", m, e.Where[i])
			e.suggest(&b, i, ", ")
			b.WriteString(")")
		}
		b.WriteString(", which the template uses")
	}
	b.WriteString(". The data's columns: ")
	for i, c := range e.Columns[:min(len(e.Columns), maxColumnsListed)] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", c)
	}
	if n := len(e.Columns) - maxColumnsListed; n > 0 {
		fmt.Fprintf(&b, " and %d more", n)
	}
	return b.String()
}

// suggestAlone writes " (did you mean "x"?)" for the one missing column
// when a column is close to it.
func (e *MissingColumnsError) suggestAlone(b *strings.Builder) {
	var s strings.Builder
	if e.suggest(&s, 0, "") {
		b.WriteString(" (" + s.String() + ")")
	}
}

// suggest writes sep and "did you mean "x"?" for Missing[i] when a column
// is close to it, and reports whether it wrote anything.
func (e *MissingColumnsError) suggest(b *strings.Builder, i int, sep string) bool {
	s, ok := campaign.Suggest(e.Missing[i], e.Columns)
	if !ok {
		return false
	}
	fmt.Fprintf(b, "%sdid you mean %q?", sep, s)
	if strings.ContainsAny(s, " -.") && !e.Key {
		fmt.Fprintf(b, " Write {{index . %q}} for a name with spaces or punctuation", s)
	}
	return true
}

// fieldRef is one reference to a row field in a template: its name, and
// its position in the source of the template named tree (the one whose
// parse defined the template holding it).
type fieldRef struct {
	name string
	pos  parse.Pos
	tree string
}

func (t *Template) bodyRefs() []fieldRef {
	if t.plain {
		return textRefs(t.text)
	}
	return refsOf(t.body.Tree, func(name string) *parse.Tree {
		if l := t.body.Lookup(name); l != nil {
			return l.Tree
		}
		return nil
	})
}

func textRefs(t *texttemplate.Template) []fieldRef {
	return refsOf(t.Tree, func(name string) *parse.Tree {
		if l := t.Lookup(name); l != nil {
			return l.Tree
		}
		return nil
	})
}

// fieldsOf returns the distinct row fields that t uses, in order.
func fieldsOf(t *texttemplate.Template) []string { return names(textRefs(t)) }

// names returns the distinct field names of refs, in order.
func names(refs []fieldRef) []string {
	var out []string
	for _, r := range refs {
		dup := false
		for _, o := range out {
			dup = dup || o == r.name
		}
		if !dup {
			out = append(out, r.name)
		}
	}
	return out
}

// refsOf walks tree, and the templates it invokes with the row as data,
// collecting references to row fields.
func refsOf(tree *parse.Tree, lookup func(string) *parse.Tree) []fieldRef {
	if tree == nil || tree.Root == nil {
		return nil
	}
	w := &walker{lookup: lookup, seen: map[string]bool{tree.Name: true}, cur: tree.ParseName}
	w.node(tree.Root, true)
	return w.refs
}

type walker struct {
	lookup func(string) *parse.Tree
	seen   map[string]bool
	refs   []fieldRef
	cur    string // the name of the template whose parse made the tree walked
}

func (w *walker) add(name string, pos parse.Pos) {
	w.refs = append(w.refs, fieldRef{name: name, pos: pos, tree: w.cur})
}

// node walks n; onRow says whether dot is the row.
func (w *walker) node(n parse.Node, onRow bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			w.node(c, onRow)
		}
	case *parse.ActionNode:
		w.pipe(n.Pipe, onRow)
	case *parse.IfNode:
		w.pipe(n.Pipe, onRow)
		w.node(n.List, onRow)
		w.node(n.ElseList, onRow)
	case *parse.WithNode:
		w.pipe(n.Pipe, onRow)
		w.node(n.List, false)
		w.node(n.ElseList, onRow)
	case *parse.RangeNode:
		w.pipe(n.Pipe, onRow)
		w.node(n.List, false)
		w.node(n.ElseList, onRow)
	case *parse.TemplateNode:
		w.pipe(n.Pipe, onRow)
		if w.seen[n.Name] || !passesRow(n.Pipe, onRow) {
			return
		}
		w.seen[n.Name] = true
		if t := w.lookup(n.Name); t != nil && t.Root != nil {
			outer := w.cur
			w.cur = t.ParseName
			w.node(t.Root, true)
			w.cur = outer
		}
	}
}

func (w *walker) pipe(p *parse.PipeNode, onRow bool) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		w.command(c, onRow)
	}
}

func (w *walker) command(c *parse.CommandNode, onRow bool) {
	if len(c.Args) == 3 {
		if id, ok := c.Args[0].(*parse.IdentifierNode); ok && id.Ident == "index" && isRow(c.Args[1], onRow) {
			if s, ok := c.Args[2].(*parse.StringNode); ok {
				w.add(s.Text, s.Pos)
			}
		}
	}
	for _, a := range c.Args {
		w.arg(a, onRow)
	}
}

func (w *walker) arg(a parse.Node, onRow bool) {
	switch a := a.(type) {
	case *parse.FieldNode:
		if onRow {
			w.add(a.Ident[0], a.Pos)
		}
	case *parse.VariableNode:
		if a.Ident[0] == "$" && len(a.Ident) > 1 {
			w.add(a.Ident[1], a.Pos)
		}
	case *parse.ChainNode:
		w.arg(a.Node, onRow)
	case *parse.PipeNode:
		w.pipe(a, onRow)
	}
}

// isRow reports whether n evaluates to the row: dot while dot is the row,
// or $ alone.
func isRow(n parse.Node, onRow bool) bool {
	switch n := n.(type) {
	case *parse.DotNode:
		return onRow
	case *parse.VariableNode:
		return len(n.Ident) == 1 && n.Ident[0] == "$"
	}
	return false
}

// passesRow reports whether a {{template}} call passes the row as data.
func passesRow(p *parse.PipeNode, onRow bool) bool {
	return p != nil && len(p.Decl) == 0 && len(p.Cmds) == 1 && len(p.Cmds[0].Args) == 1 && isRow(p.Cmds[0].Args[0], onRow)
}
