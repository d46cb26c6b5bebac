package render_test

import (
	"mime"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

func TestAttachmentName(t *testing.T) {
	for _, name := range []string{
		"견적서 \"최종\".pdf",
		"보고서 2026.txt",
		strings.Repeat("가나다라마바사아자차", 8) + ".pdf", // 80 Hangul syllables
		"report.pdf",
		strings.Repeat("a-long-ascii-name-", 5) + ".pdf",
	} {
		t.Run(name, func(t *testing.T) { testAttachmentName(t, name) })
	}
}

func testAttachmentName(t *testing.T, name string) {
	dir := t.TempDir()
	data := []byte("%PDF-1.4\n% not a real PDF\n")
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "files", name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	tmpl := mustTemplate(t, dir, "From: a@example.com\nTo: b@example.com\nAttach: files/{{.f}}\n\n<p>x</p>\n", render.Options{})
	msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{"f": name}})
	if err != nil {
		t.Fatal(err)
	}
	m := parseMessage(t, msg.Data)
	att := m.root.parts[1]
	_, params, err := mime.ParseMediaType(att.header.Get("Content-Disposition"))
	fallback, _ := new(mime.WordDecoder).DecodeHeader(att.params["name"])
	if err != nil || params["filename"] != name || fallback != name || string(att.body) != string(data) {
		t.Errorf("attachment %s %q (filename %q, err %v), %d bytes; want %q", att.mediaType, att.params["name"], params["filename"], err, len(att.body), name)
	}
	checkLines(t, msg.Data, 78)
	for _, w := range encodedWord.FindAllString(string(msg.Data), -1) {
		if len(w) > 75 {
			t.Errorf("an encoded-word of %d characters, over RFC 2047's 75: %q", len(w), w)
		}
	}
}

// encodedWord matches an RFC 2047 encoded-word.
var encodedWord = regexp.MustCompile(`=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=`)
