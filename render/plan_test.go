package render_test

import (
	"testing"

	"github.com/mailrun/mailrun/render"
)

// FuzzPlanMatchesTemplate checks that the reflection-free execution of
// simple templates writes exactly what html/template and text/template
// write, in every context the plans handle (text, attribute, URL start,
// URL query, cid: URL, title).
func FuzzPlanMatchesTemplate(f *testing.F) {
	for _, s := range []string{"", "plain", `<script>alert("x")</script>`, "a&b+c'd", "javascript:alert(1)", "HTTPS://x.example/%41%zz?q=1&r=2#f",
		"mailto:a@example.com", "\x00\xff\xfe한국어", "/rel/path:x", "%", "%4", "100%25", "tel:123", "a b\tc\nd"} {
		f.Add(s, s)
	}
	tmpl := mustTemplate(f, f.TempDir(), `From: a@example.com
To: {{.a}} <{{.b}}>

<html><head><title>{{.a}}</title></head><body>
<p title="{{.b}}">{{.a}} {{index . "b"}} {{index . "missing"}}</p>
<a href="{{.a}}">x</a> <a href="https://example.com/p?q={{.b}}&r={{.a}}#{{.b}}">y</a>
<img src="cid:{{.b}}" alt='{{.a}}'>
</body></html>
`, render.Options{})
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, fields := range []map[string]string{{"a": a, "b": b}, {"a": a}} {
			fast, slow, fastErr, slowErr := render.ExecuteBoth(tmpl, fields)
			if (fastErr == nil) != (slowErr == nil) {
				t.Fatalf("plan error %v, template error %v", fastErr, slowErr)
			}
			if fastErr == nil && fast != slow {
				t.Fatalf("plan wrote\n%q\ntemplate wrote\n%q", fast, slow)
			}
		}
	})
}
