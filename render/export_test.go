package render

import (
	"bytes"
	"errors"
)

// HasPlan reports whether the body of t runs without reflection.
func HasPlan(t *Template) bool { return t.bodyPlan != nil }

// ExecuteBoth runs the body and text templates of t for fields twice: with
// the reflection-free plans and with html/template and text/template. It
// returns both outputs, for the differential test, and an error if the body
// has no plan (the test's template is meant to be simple). The text part is
// compared when it has a plan too.
func ExecuteBoth(t *Template, fields map[string]string) (fast, slow string, fastErr, slowErr error) {
	if t.bodyPlan == nil {
		return "", "", errors.New("no plan"), nil
	}
	var f, s bytes.Buffer
	fastErr = t.bodyPlan.execute(&f, fields)
	if fastErr == nil && t.textPlan != nil {
		f.WriteString("\n--\n")
		fastErr = t.textPlan.execute(&f, fields)
	}
	slowErr = t.body.Execute(&s, fields)
	if slowErr == nil && t.textPlan != nil {
		s.WriteString("\n--\n")
		slowErr = t.text.Execute(&s, fields)
	}
	return f.String(), s.String(), fastErr, slowErr
}

// AttachmentReads returns how many times t read an attached file.
func AttachmentReads(t *Template) int64 { return t.files.reads.Load() }

// HasOnceInline reports whether t inlines its CSS once, on the template.
func HasOnceInline(t *Template) bool { return t.once != nil }

// InlineBoth renders the body of t for fields twice: inlined once, on the
// template, and inlined after rendering, as each message is without it.
// It returns both outputs, for the differential test.
func InlineBoth(t *Template, fields map[string]string) (once, each string, onceErr, eachErr error) {
	if !HasOnceInline(t) {
		return "", "", errors.New("not inlined once"), nil
	}
	var o, e bytes.Buffer
	onceErr = t.once.execute(&o, fields)
	saved := t.once
	t.once = nil
	eachErr = t.executeBody(&e, fields)
	t.once = saved
	return o.String(), e.String(), onceErr, eachErr
}

// InlineEachMessage makes t inline the CSS of each message after rendering
// it, as it does when the template does not allow inlining once.
func InlineEachMessage(t *Template) { t.once = nil }
