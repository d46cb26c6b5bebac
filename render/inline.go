package render

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/vanng822/go-premailer/premailer"
)

// prepareInline decides whether and how the body's CSS is inlined: the
// rules of the HTML's <style> blocks move into the style attributes of the
// elements they select, with go-premailer, as Gmail and Outlook drop
// <style> blocks in many cases; rules that cannot be inlined (:hover,
// @media) stay in a <style> block in <head>. Nothing is inlined with
// Options.KeepCSS, for a plain-text body, or without a <style> block in
// the templates. When the template allows it, the inlining is done once,
// on the template (see onceInline); otherwise each message is inlined
// after it is rendered.
func (t *Template) prepareInline() {
	if t.plain || !t.hasStyle() {
		return
	}
	if t.opts.KeepCSS {
		t.extraHash = append(t.extraHash, "\x00keep-css")
		return
	}
	t.inlineCSS, t.once = true, t.compileOnce()
	// Inlining a message takes time of its own: a render that inlines is
	// timed even when its templates cannot loop.
	t.guard.timed = true
}

// hasStyle reports whether a template of the body has a <style> element.
func (t *Template) hasStyle() bool {
	for _, s := range t.sources {
		if strings.Contains(strings.ToLower(s.src), "<style") {
			return true
		}
	}
	return false
}

// executeBody writes the body's HTML for fields to b, its CSS inlined
// unless Options.KeepCSS, within the guard's limits: inlining, which
// cannot be stopped while it runs, is bounded by its input (a body within
// the size limit), and its output is checked like any write.
func (t *Template) executeBody(b *bytes.Buffer, fields map[string]string) error {
	if t.once != nil && t.once.applies(fields) {
		if err := t.once.execute(b, fields); err != nil {
			return err
		}
		return t.guard.bound(b)
	}
	if err := t.guard.execute(t.bodyPlan, t.body, b, fields); err != nil {
		return err
	}
	if !t.inlineCSS {
		return nil
	}
	out, err := inlineCSS(b.Bytes())
	if err != nil {
		return err
	}
	b.Reset()
	_, err = io.WriteString(&guardedWriter{b: b, g: t.guard}, out)
	return err
}

// inlineCSS inlines the <style> rules of the HTML document doc.
func inlineCSS(doc []byte) (string, error) {
	p, err := premailer.NewPremailerFromBytes(doc, premailer.NewOptions())
	if err != nil {
		return "", fmt.Errorf("inline css: %w", err)
	}
	out, err := p.Transform()
	if err != nil {
		return "", fmt.Errorf("inline css: %w", err)
	}
	return out, nil
}
