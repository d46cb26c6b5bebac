package render

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"reflect"
	texttemplate "text/template"
	"text/template/parse"
)

// checkLoops refuses the loops of a template set that a guard could not
// stop, since they call no function and write nothing: a range over a
// number (a literal, a function that returns one, or a variable set to
// one), and a template that calls itself, directly or not. trees maps the
// set's template names to their trees; funcs is the set's functions. The
// error is a *loopError; a range names the template and the line, as
// "NAME:LINE: message".
func checkLoops(trees map[string]*parse.Tree, funcs map[string]any) error {
	for name, tree := range trees {
		if tree == nil || tree.Root == nil {
			continue
		}
		c := loopCheck{tree: tree, funcs: funcs, ints: map[string]bool{}}
		if err := c.walk(tree.Root); err != nil {
			return &loopError{name: tree.ParseName, err: err}
		}
		if err := recursion(trees, name, map[string]bool{}); err != nil {
			return err
		}
	}
	return nil
}

// loopError is a loop checkLoops refuses, in the template (of the parse)
// name.
type loopError struct {
	name string
	err  error
}

func (e *loopError) Error() string { return e.err.Error() }

type loopCheck struct {
	tree  *parse.Tree
	funcs map[string]any
	ints  map[string]bool // variables ever set to a number
}

func (c *loopCheck) walk(n parse.Node) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, m := range n.Nodes {
			if err := c.walk(m); err != nil {
				return err
			}
		}
	case *parse.ActionNode:
		c.declare(n.Pipe)
	case *parse.IfNode:
		return c.branches(n.Pipe, n.List, n.ElseList)
	case *parse.WithNode:
		return c.branches(n.Pipe, n.List, n.ElseList)
	case *parse.RangeNode:
		c.declare(n.Pipe)
		if c.isInt(n.Pipe) {
			loc, _ := c.tree.ErrorContext(n)
			return fmt.Errorf("template: %s: range over a number is not allowed: range over a list, such as until N", loc)
		}
		return c.branches(nil, n.List, n.ElseList)
	}
	return nil
}

func (c *loopCheck) branches(p *parse.PipeNode, lists ...*parse.ListNode) error {
	c.declare(p)
	for _, l := range lists {
		if err := c.walk(l); err != nil {
			return err
		}
	}
	return nil
}

// declare notes the variables p sets to a number.
func (c *loopCheck) declare(p *parse.PipeNode) {
	if p == nil || !c.isInt(p) {
		return
	}
	for _, v := range p.Decl {
		c.ints[v.Ident[0]] = true
	}
}

// isInt reports whether the pipeline p gives a number: its last command is
// a number, a function that returns one, or a variable set to one.
func (c *loopCheck) isInt(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) == 0 || len(p.Cmds[len(p.Cmds)-1].Args) == 0 {
		return false
	}
	switch a := p.Cmds[len(p.Cmds)-1].Args[0].(type) {
	case *parse.NumberNode:
		return true
	case *parse.VariableNode:
		return len(a.Ident) == 1 && c.ints[a.Ident[0]]
	case *parse.IdentifierNode:
		if a.Ident == "len" {
			return true
		}
		f, ok := c.funcs[a.Ident]
		if !ok {
			return false
		}
		t := reflect.TypeOf(f)
		if t.Kind() != reflect.Func || t.NumOut() == 0 {
			return false
		}
		switch t.Out(0).Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return true
		}
	case *parse.PipeNode:
		return c.isInt(a)
	}
	return false
}

// recursion reports a template of trees that name reaches again through
// {{template}} calls; path holds the templates on the way.
func recursion(trees map[string]*parse.Tree, name string, path map[string]bool) error {
	if path[name] {
		return &loopError{name: name, err: fmt.Errorf("template %q calls itself: recursive templates are not allowed", name)}
	}
	tree := trees[name]
	if tree == nil || tree.Root == nil {
		return nil
	}
	path[name] = true
	defer delete(path, name)
	var err error
	inspect(tree.Root, func(n parse.Node) {
		if t, ok := n.(*parse.TemplateNode); ok && err == nil {
			err = recursion(trees, t.Name, path)
		}
	})
	return err
}

// inspect calls fn for n and every node under it.
func inspect(n parse.Node, fn func(parse.Node)) {
	if n == nil || reflect.ValueOf(n).IsNil() {
		return
	}
	fn(n)
	switch n := n.(type) {
	case *parse.ListNode:
		for _, m := range n.Nodes {
			inspect(m, fn)
		}
	case *parse.IfNode:
		inspect(n.List, fn)
		inspect(n.ElseList, fn)
	case *parse.WithNode:
		inspect(n.List, fn)
		inspect(n.ElseList, fn)
	case *parse.RangeNode:
		inspect(n.List, fn)
		inspect(n.ElseList, fn)
	}
}

// textTrees returns the trees of the text template set of t, by name.
func textTrees(t *texttemplate.Template) map[string]*parse.Tree {
	trees := map[string]*parse.Tree{}
	for _, x := range t.Templates() {
		trees[x.Name()] = x.Tree
	}
	return trees
}

// htmlTrees returns the trees of the HTML template set of t, by name.
func htmlTrees(t *htmltemplate.Template) map[string]*parse.Tree {
	trees := map[string]*parse.Tree{}
	for _, x := range t.Templates() {
		trees[x.Name()] = x.Tree
	}
	return trees
}

// guardLoops runs checkLoops on trees, a template set whose functions are
// funcs, and, when the set can loop at all (canLoop), has the guard time
// every render. The error is checkLoops'.
func (t *Template) guardLoops(trees map[string]*parse.Tree, funcs map[string]any) error {
	if err := checkLoops(trees, funcs); err != nil {
		return err
	}
	if canLoop(trees) {
		t.guard.timed = true
	}
	return nil
}

// checkTemplate is guardLoops for a template set of file whose line 1 is
// file line offset+1; the error is an *campaign.InputError.
func (t *Template) checkTemplate(file string, offset int, trees map[string]*parse.Tree, funcs map[string]any) error {
	if err := t.guardLoops(trees, funcs); err != nil {
		return parseError(file, offset, "", err)
	}
	return nil
}

// checkSet is guardLoops for a set of the body's templates (t.sources),
// its HTML or, with text set, its text version; the error names the file
// and line of the template the loop is in.
func (t *Template) checkSet(trees map[string]*parse.Tree, funcs map[string]any, text bool) error {
	err := t.guardLoops(trees, funcs)
	if err == nil {
		return nil
	}
	s := t.sources["body"]
	var le *loopError
	if errors.As(err, &le) && t.sources[le.name] != nil {
		s = t.sources[le.name]
	}
	if text {
		return parseError(s.file, s.line-1, s.text, err)
	}
	return s.parseError(err)
}

// canLoop reports whether a template of trees has a range or a template
// call: the only way its execution can take longer than its data is long.
func canLoop(trees map[string]*parse.Tree) bool {
	loops := false
	for _, tree := range trees {
		if tree == nil {
			continue
		}
		inspect(tree.Root, func(n parse.Node) {
			switch n.(type) {
			case *parse.RangeNode, *parse.TemplateNode:
				loops = true
			}
		})
	}
	return loops
}
