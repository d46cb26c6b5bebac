package render_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

// FuzzRenderHeaders renders arbitrary field values into From, To and
// Subject. Render must not panic; a message it returns must parse, carry
// exactly the expected headers (data never adds one) and give the values
// back.
func FuzzRenderHeaders(f *testing.F) {
	long := strings.Repeat("가나다 abc ", 150)
	seeds := [][4]string{
		{"김민지", "minji@example.com", "김민지님, 11월 소식입니다", "메일런"},
		{"Doe, John", "john@example.com", "Hello", "News"},
		{"Bob\r\nBcc: evil@example.org", "bob@example.com", "x\r\nX-Evil: 1", "a\nb"},
		{"nul\x00", "a@example.com", "\x00\x7f", ""},
		{"\xff\xfe", "a@example.com", "bad \xc3\x28 utf8", "\xff"},
		{long, "a@example.com", long, long},
		{strings.Repeat("x", 2000), "a@example.com", strings.Repeat("y", 2000), strings.Repeat("z", 990)},
		{`"quoted" \ name`, "q@example.com", "=?utf-8?q?not_encoded?=", "=?utf-8?b?eA==?="},
		{"", "", "", ""},
		{"a", "a@example.com>, <evil@example.org", "  spaced   out  ", "\t"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3])
	}
	tmpl := mustTemplate(f, f.TempDir(), `From: {{.from}} <news@example.com>
To: {{.name}} <{{.email}}>
Subject: {{.subject}}
X-Mailer: mailrun

<p>{{.name}}: {{.subject}}</p>
`, render.Options{})
	f.Fuzz(func(t *testing.T, name, email, subject, from string) {
		row := campaign.Row{Num: 1, Fields: map[string]string{"name": name, "email": email, "subject": subject, "from": from}}
		msg, err := tmpl.Render(row)
		if err != nil {
			return // a row error is a fine answer; a panic is not
		}
		checkLines(t, msg.Data, 998)
		m := parseMessage(t, msg.Data)
		want := []string{"Content-Type", "Date", "From", "Message-Id", "Mime-Version", "To", "X-Mailer"}
		if strings.TrimSpace(subject) != "" {
			want = append(want, "Subject")
		}
		slices.Sort(want)
		if got := slices.Sorted(maps.Keys(m.header)); !slices.Equal(got, want) {
			t.Fatalf("header names %q, want %q", got, want)
		}
		for k, v := range m.header {
			if len(v) != 1 {
				t.Fatalf("%s appears %d times", k, len(v))
			}
		}
		if got := decodeHeader(t, m.header.Get("Subject")); got != strings.TrimSpace(subject) {
			t.Fatalf("Subject = %q, want %q", got, strings.TrimSpace(subject))
		}
		to, err := m.header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != strings.TrimSpace(email) || to[0].Name != strings.TrimSpace(name) {
			t.Fatalf("To = %v, %v; want %q <%s>", to, err, strings.TrimSpace(name), strings.TrimSpace(email))
		}
		fromList, err := m.header.AddressList("From")
		if err != nil || len(fromList) != 1 || fromList[0].Name != strings.TrimSpace(from) {
			t.Fatalf("From = %v, %v; want the name %q", fromList, err, strings.TrimSpace(from))
		}
		if !slices.Equal(msg.Envelope.To, []string{to[0].Address}) {
			t.Fatalf("envelope To %q", msg.Envelope.To)
		}
		if got := shape(m.root); got != "multipart/alternative[text/plain text/html]" {
			t.Fatalf("MIME structure %s", got)
		}
	})
}

// FuzzRenderBody puts arbitrary text into the text and HTML parts: the
// quoted-printable encoding must keep lines within 76 characters and decode
// back to the same text (line breaks as LF), and the HTML must be escaped.
func FuzzRenderBody(f *testing.F) {
	for _, s := range []string{"", "plain", "trailing space \nand tab\t\n", "=3D = ==", "\r\n\r\r\n", "한국어 본문 " + strings.Repeat("가", 100), strings.Repeat("x", 200), "<b>&amp;</b>", "\x00\xff\x7f"} {
		f.Add(s)
	}
	dir := f.TempDir()
	text := filepath.Join(dir, "text.txt")
	if err := os.WriteFile(text, []byte("[{{.v}}]"), 0o644); err != nil {
		f.Fatal(err)
	}
	tmpl := mustTemplate(f, dir, "From: a@example.com\nTo: b@example.com\n\n<p>{{.v}}</p>", render.Options{TextPath: text})
	f.Fuzz(func(t *testing.T, v string) {
		msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{"v": v}})
		if err != nil {
			t.Fatal(err)
		}
		checkLines(t, msg.Data, 78)
		m := parseMessage(t, msg.Data)
		plain, _ := find(m.root, "text/plain")
		if got, want := string(plain.body), "["+strings.ReplaceAll(v, "\r\n", "\n")+"]"; got != want {
			t.Fatalf("text part %q, want %q", got, want)
		}
		html, _ := find(m.root, "text/html")
		if strings.ContainsAny(strings.TrimSuffix(strings.TrimPrefix(string(html.body), "<p>"), "</p>"), "<>") {
			t.Fatalf("html part not escaped: %q", html.body)
		}
	})
}
