package render

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"os"
	"path/filepath"
	"slices"
	"strings"
	texttemplate "text/template"
	"text/template/parse"

	"github.com/mailrun/mailrun/campaign"
)

// contentName is the template a layout calls where the body goes.
const contentName = "content"

// source is the file a template of the body's set was parsed from, for
// error messages and column checks.
type source struct {
	file string
	line int    // file line of the template's first line
	src  string // the template text the parse positions point into
	// marks, for a Markdown template, give the file line of each action in
	// src (src being the HTML converted from the Markdown).
	marks []mark
	// text is the template's text-part version: the Markdown source, or
	// the HTML converted to text.
	text string
}

// lineAt returns the file line of the position pos in s.src.
func (s *source) lineAt(pos int) int {
	if s.marks != nil {
		return lineOfMark(s.marks, pos, s.line)
	}
	return lineOf(s.src, pos, s.line)
}

// lineOf returns the line of the offset pos in text, whose first line is
// line first.
func lineOf(text string, pos, first int) int {
	return first + strings.Count(text[:min(pos, len(text))], "\n")
}

// partial is a template file of Options.PartialsDir.
type partial struct {
	name, file, src string
	markdown        bool
}

// readPartials reads the .html, .htm and .md files of dir, by name.
func readPartials(dir string) ([]partial, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, &campaign.InputError{File: dir, Err: fmt.Errorf("render: partials: %w", err)}
	}
	var out []partial
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || (ext != ".html" && ext != ".htm" && ext != ".md") {
			continue
		}
		p := partial{name: strings.TrimSuffix(e.Name(), filepath.Ext(e.Name())), file: filepath.Join(dir, e.Name()), markdown: ext == ".md"}
		for _, o := range out {
			if o.name == p.name {
				return nil, &campaign.InputError{File: p.file, Err: fmt.Errorf("render: partial %q is also %s", p.name, o.file)}
			}
		}
		if p.name == contentName || p.name == "body" || p.name == "text" {
			return nil, &campaign.InputError{File: p.file, Err: fmt.Errorf("render: %q is the name of a template mailrun defines; rename the partial", p.name)}
		}
		b, err := os.ReadFile(p.file)
		if err != nil {
			return nil, &campaign.InputError{File: p.file, Err: fmt.Errorf("render: %w", err)}
		}
		p.src = normalize(b)
		out = append(out, p)
	}
	return out, nil
}

// parseBody parses the body (HTML, or Markdown converted to HTML), the
// layout that wraps it and the partials into one html/template set whose
// root is the layout (or the body), and checks that it escapes.
func (t *Template) parseBody(bodySrc string, bodyLine int) error {
	t.sources = map[string]*source{}
	content := &source{file: t.path, line: bodyLine, src: bodySrc, text: bodySrc}
	if t.markdown {
		if err := content.fromMarkdown(t.guard.textFuncs()); err != nil {
			return err
		}
	} else {
		content.text = htmlToText(bodySrc)
	}
	rootName := "body"
	if t.opts.LayoutPath != "" {
		b, err := os.ReadFile(t.opts.LayoutPath)
		if err != nil {
			return &campaign.InputError{File: t.opts.LayoutPath, Err: fmt.Errorf("render: layout: %w", err)}
		}
		layout := normalize(b)
		t.sources["body"] = &source{file: t.opts.LayoutPath, line: 1, src: layout, text: htmlToText(layout)}
		t.sources[contentName] = content
		t.extraHash = append(t.extraHash, "\x00layout\x00"+layout)
	} else {
		t.sources["body"] = content
	}
	if err := t.addPartials(); err != nil {
		return err
	}
	root := htmltemplate.New(rootName).Option("missingkey=error").Funcs(t.guard.htmlFuncs())
	for _, name := range t.sourceNames() {
		s := t.sources[name]
		tmpl := root
		if name != rootName {
			tmpl = root.New(name)
		}
		if _, err := tmpl.Parse(s.src); err != nil {
			return s.parseError(err)
		}
	}
	if t.opts.LayoutPath != "" && !calls(root.Tree, contentName) {
		return &campaign.InputError{File: t.opts.LayoutPath, Err: errors.New(`render: the layout never calls {{template "content" .}}, where the body goes`)}
	}
	if err := t.checkSet(htmlTrees(root), t.guard.htmlFuncs(), false); err != nil {
		return err
	}
	// html/template escapes a template on its first execution. Run it once
	// now so that an escaping problem is reported as a template error here;
	// the guard stops the execution at its first function call or write.
	var escErr *htmltemplate.Error
	if err := t.guard.escape(root); errors.As(err, &escErr) {
		s := t.sources[escErr.Name]
		if s == nil {
			s = t.sources[rootName]
		}
		line := 0
		if escErr.Line > 0 {
			line = s.lineAt(lineStart(s.src, escErr.Line))
		}
		return &campaign.InputError{File: s.file, Line: line, Err: fmt.Errorf("render: %s", escErr.Description)}
	}
	t.body = root
	t.bodyPlan = compilePlanSet(root.Tree, htmlFilters, func(name string) *parse.Tree {
		if l := root.Lookup(name); l != nil {
			return l.Tree
		}
		return nil
	})
	return nil
}

// addPartials adds the templates of Options.PartialsDir to t.sources.
func (t *Template) addPartials() error {
	if t.opts.PartialsDir == "" {
		return nil
	}
	parts, err := readPartials(t.opts.PartialsDir)
	if err != nil {
		return err
	}
	for _, p := range parts {
		s := &source{file: p.file, line: 1, src: p.src, text: p.src}
		if p.markdown {
			if err := s.fromMarkdown(t.guard.textFuncs()); err != nil {
				return err
			}
		} else {
			s.text = htmlToText(p.src)
		}
		t.sources[p.name] = s
		t.extraHash = append(t.extraHash, "\x00partial\x00"+p.name+"\x00"+p.src)
	}
	return nil
}

// sourceNames returns the names of t.sources, "body" first.
func (t *Template) sourceNames() []string {
	names := make([]string, 0, len(t.sources))
	for n := range t.sources {
		if n != "body" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return append([]string{"body"}, names...)
}

// parseError is the error of a template of s that does not parse.
func (s *source) parseError(err error) error {
	e := parseError(s.file, 0, s.src, err)
	var ie *campaign.InputError
	if errors.As(e, &ie) && ie.Line > 0 {
		ie.Line = s.lineAt(lineStart(s.src, ie.Line))
	}
	return e
}

// lineStart returns the offset of the start of line n (1-based) in src.
func lineStart(src string, n int) int {
	off := 0
	for i := 1; i < n; i++ {
		j := strings.IndexByte(src[off:], '\n')
		if j < 0 {
			return len(src)
		}
		off += j + 1
	}
	return off
}

// calls reports whether tree calls the template name.
func calls(tree *parse.Tree, name string) bool {
	found := false
	if tree != nil {
		inspect(tree.Root, func(n parse.Node) {
			if c, ok := n.(*parse.TemplateNode); ok && c.Name == name {
				found = true
			}
		})
	}
	return found
}

// textSet returns a text/template whose root, named name, is src and
// that defines each partial (and, with a layout, the content) in its text
// version, so that a text template may call them as the HTML does.
func (t *Template) textSet(name, src string, withContent bool) (*texttemplate.Template, error) {
	root, err := texttemplate.New(name).Option("missingkey=error").Funcs(t.guard.textFuncs()).Parse(src)
	if err != nil {
		return nil, err
	}
	for _, name := range t.sourceNames()[1:] {
		if name == contentName && !withContent {
			continue
		}
		if _, err := root.New(name).Parse(t.sources[name].text); err != nil {
			return nil, err
		}
	}
	return root, nil
}

// defaultText returns the text part's template when no text template file
// is given: the Markdown source for a Markdown body; else the HTML body
// (its layout and partials) converted to text once (see deriveText), or
// nil when that does not work out and each row's HTML is converted.
func (t *Template) defaultText() *texttemplate.Template {
	if t.markdown {
		src := t.sources["body"]
		if t.opts.LayoutPath != "" {
			src = t.sources[contentName]
		}
		tmpl, err := t.textSet("text", src.text, false)
		if err != nil || t.checkSet(textTrees(tmpl), t.guard.textFuncs(), true) != nil {
			return nil
		}
		return tmpl
	}
	tmpl, err := t.textSet("text", t.sources["body"].text, true)
	if err != nil || !usesOnly(tmpl, t.bodyFields) || t.checkSet(textTrees(tmpl), t.guard.textFuncs(), true) != nil {
		return nil
	}
	return tmpl
}
