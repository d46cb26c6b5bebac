package render

import (
	"bytes"
	"errors"
)

// ExecuteBoth runs the body and text templates of t for fields twice: with
// the reflection-free plans and with html/template and text/template. It
// returns both outputs, for the differential test, and an error if t has no
// plan (the test's template is meant to be simple).
func ExecuteBoth(t *Template, fields map[string]string) (fast, slow string, fastErr, slowErr error) {
	if t.bodyPlan == nil || t.textPlan == nil {
		return "", "", errors.New("no plan"), nil
	}
	var f, s bytes.Buffer
	fastErr = t.bodyPlan.execute(&f, fields)
	if fastErr == nil {
		f.WriteString("\n--\n")
		fastErr = t.textPlan.execute(&f, fields)
	}
	slowErr = t.body.Execute(&s, fields)
	if slowErr == nil {
		s.WriteString("\n--\n")
		slowErr = t.text.Execute(&s, fields)
	}
	return f.String(), s.String(), fastErr, slowErr
}
