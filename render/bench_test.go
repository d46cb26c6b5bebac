package render_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

// benchTemplate is a newsletter with a body of about 5 KB.
func benchTemplate() string {
	var b strings.Builder
	b.WriteString("From: 메일런 소식 <news@example.com>\nTo: {{.name}} <{{.email}}>\nReply-To: support@example.com\n")
	b.WriteString("Subject: {{.name}}님, 11월 소식입니다\nList-Unsubscribe: <https://example.com/u/{{.id}}>\n\n")
	b.WriteString("<!doctype html>\n<html><body style=\"font-family:sans-serif\">\n<h1>안녕하세요 {{.name}}님,</h1>\n")
	for b.Len() < 5000 {
		b.WriteString("<p>This month we shipped scheduled sending, faster previews and a new status page. ")
		b.WriteString("이번 달에는 예약 발송과 더 빨라진 미리보기를 선보였습니다. ")
		b.WriteString("<a href=\"https://example.com/news/2026-11?id={{.id}}\">Read more</a></p>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// BenchmarkRender renders and MIME-encodes one message with a 5 KB HTML
// body, with a text template and with the text part derived from the HTML;
// with a <style> block kept, inlined once on the template and inlined on
// each message; and the same newsletter in Markdown, alone and in a layout
// with a <style> block.
func BenchmarkRender(b *testing.B) {
	dir := b.TempDir()
	text := filepath.Join(dir, "text.txt")
	if err := os.WriteFile(text, []byte("안녕하세요 {{.name}}님,\n\nRead more: https://example.com/news/2026-11?id={{.id}}\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	row := campaign.Row{Num: 1, Fields: map[string]string{"email": "minji.kim@example.com", "name": "김민지", "id": "1001"}}
	layout := filepath.Join(dir, "layout.html")
	if err := os.WriteFile(layout, []byte(benchLayout), 0o644); err != nil {
		b.Fatal(err)
	}
	withStyle := strings.Replace(benchTemplate(), "<html>", "<html><head>"+benchStyle+"</head>", 1)
	for _, bc := range []struct {
		name, src string
		opts      render.Options
		each      bool // inline each message's CSS after rendering it
	}{
		{"text-template", benchTemplate(), render.Options{TextPath: text}, false},
		{"derived-text", benchTemplate(), render.Options{}, false},
		{"style-kept", withStyle, render.Options{TextPath: text, KeepCSS: true}, false},
		{"style-inlined", withStyle, render.Options{TextPath: text}, false},
		{"style-inlined-per-message", withStyle, render.Options{TextPath: text}, true},
		{"markdown", benchMarkdown(), render.Options{}, false},
		{"markdown-layout-kept", benchMarkdown(), render.Options{LayoutPath: layout, KeepCSS: true}, false},
		{"markdown-layout-inlined", benchMarkdown(), render.Options{LayoutPath: layout}, false},
		{"markdown-layout-inlined-per-message", benchMarkdown(), render.Options{LayoutPath: layout}, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tmpl := mustTemplate(b, dir, bc.src, bc.opts)
			if bc.each {
				render.InlineEachMessage(tmpl)
			}
			b.ReportAllocs()
			var size int
			start, n := cpuTime(), 0
			for b.Loop() {
				n++
				msg, err := tmpl.Render(row)
				if err != nil {
					b.Fatal(err)
				}
				size = len(msg.Data)
			}
			b.ReportMetric(float64(size), "bytes/msg")
			if cpu := cpuTime() - start; cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/op")
			}
		})
	}
}

// benchStyle is the <style> block of a newsletter layout.
const benchStyle = `<style>
body { margin: 0; background: #f4f4f7; font-family: sans-serif; color: #222222 }
h1 { margin: 0 0 16px; font-size: 22px }
p { line-height: 1.5; margin: 0 0 12px }
a { color: #1a5fb4 }
td.main { padding: 32px }
@media (max-width: 600px) { td.main { padding: 16px } }
</style>`

// benchLayout wraps the body in a table with a <style> block.
const benchLayout = "<!doctype html>\n<html><head>" + benchStyle + `</head><body>
<table role="presentation" width="100%"><tr><td class="main">{{template "content" .}}</td></tr></table>
</body></html>
`

// benchMarkdown is benchTemplate's newsletter in Markdown (read as such
// through its Content-Type pseudo-header).
func benchMarkdown() string {
	var b strings.Builder
	b.WriteString("From: 메일런 소식 <news@example.com>\nTo: {{.name}} <{{.email}}>\nReply-To: support@example.com\n")
	b.WriteString("Subject: {{.name}}님, 11월 소식입니다\nList-Unsubscribe: <https://example.com/u/{{.id}}>\nContent-Type: text/markdown\n\n")
	b.WriteString("# 안녕하세요 {{.name}}님,\n\n")
	for b.Len() < 5000 {
		b.WriteString("This month we shipped **scheduled sending**, faster previews and a new status page. ")
		b.WriteString("이번 달에는 예약 발송과 더 빨라진 미리보기를 선보였습니다. ")
		b.WriteString("[Read more](https://example.com/news/2026-11?id={{.id}})\n\n")
	}
	return b.String()
}
