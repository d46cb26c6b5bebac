package render_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

func TestBase64TextHasCRLF(t *testing.T) {
	dir := t.TempDir()
	tmpl := mustTemplate(t, dir, "From: a@example.com\nTo: b@example.com\nSubject: x\n\n<p>안녕하세요 여러분, 오늘은 좋은 날입니다.</p>\n<p>두 번째 줄입니다. 감사합니다.</p>\n", render.Options{})
	msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	parseMessage(t, msg.Data)
	// The parts as they are on the wire (parseMessage gives text with LF).
	parts := strings.Split(string(msg.Data), "Content-Transfer-Encoding: base64\r\n\r\n")
	if len(parts) != 3 {
		t.Fatalf("%d base64 parts, want the text and the HTML (Korean text goes in base64)", len(parts)-1)
	}
	for _, p := range parts[1:] {
		enc, _, _ := strings.Cut(p, "\r\n--")
		body, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(enc, "\r\n", ""))
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(body, []byte("\n")); n == 0 || n != bytes.Count(body, []byte("\r\n")) {
			t.Errorf("a part decodes to %q: want every line break as CRLF", body)
		}
	}
}

func TestListIDAndIDN(t *testing.T) {
	dir := t.TempDir()
	if _, err := newTemplate(t, dir, "From: a@example.com\nTo: b@example.com\n\n<p>x</p>\n", render.Options{ListID: "not an id"}); err == nil {
		t.Error("a list id without a dot was accepted")
	}
	tmpl := mustTemplate(t, dir, "From: 뉴스 <news@bücher.example>\nTo: {{.email}}\nReply-To: help@bücher.example\nSubject: x\n\n<p>x</p>\n",
		render.Options{ListID: "Newsletter <news.example.com>"})
	msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{"email": "kim@bücher.example"}})
	if err != nil {
		t.Fatal(err)
	}
	m := parseMessage(t, msg.Data)
	if got := m.header.Get("List-Id"); got != `"Newsletter" <news.example.com>` {
		t.Errorf("List-Id %q", got)
	}
	head, _, _ := bytes.Cut(msg.Data, []byte("\r\n\r\n"))
	for _, c := range head {
		if c >= 0x80 {
			t.Fatalf("the header holds a non-ASCII byte:\n%s", head)
		}
	}
	for _, want := range []string{"news@xn--bcher-kva.example", "help@xn--bcher-kva.example", "kim@xn--bcher-kva.example"} {
		if !bytes.Contains(head, []byte(want)) {
			t.Errorf("the header lacks %s:\n%s", want, head)
		}
	}
	if !strings.HasSuffix(msg.ID, "@xn--bcher-kva.example") || msg.Key != "kim@bücher.example" {
		t.Errorf("Message-ID %q, key %q: want an ASCII Message-ID and the key as written", msg.ID, msg.Key)
	}
}
