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
// body, with a text template and with the text part derived from the HTML.
func BenchmarkRender(b *testing.B) {
	dir := b.TempDir()
	text := filepath.Join(dir, "text.txt")
	if err := os.WriteFile(text, []byte("안녕하세요 {{.name}}님,\n\nRead more: https://example.com/news/2026-11?id={{.id}}\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	row := campaign.Row{Num: 1, Fields: map[string]string{"email": "minji.kim@example.com", "name": "김민지", "id": "1001"}}
	for _, bc := range []struct {
		name string
		opts render.Options
	}{
		{"text-template", render.Options{TextPath: text}},
		{"derived-text", render.Options{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tmpl := mustTemplate(b, dir, benchTemplate(), bc.opts)
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
