package render_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

// basic is a template over the columns email, name, order and file.
const basic = "From: News <news@example.com>\nTo: {{.name}} <{{.email}}>\nSubject: Your order {{.order}}\nAttach: {{.file}}\n\n<p>Hi {{.name}}</p>\n"

func TestRenderRowErrors(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.txt")
	for name, content := range map[string]string{"ok.txt": "fine", outside: "secret"} {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	tmpl := mustTemplate(t, dir, basic, render.Options{})
	row := func(kv ...string) campaign.Row {
		f := map[string]string{"email": "bob@example.com", "name": "Bob", "order": "A-1", "file": ""}
		for i := 0; i < len(kv); i += 2 {
			f[kv[i]] = kv[i+1]
		}
		return campaign.Row{Num: 7, Fields: f}
	}
	tests := []struct {
		name   string
		row    campaign.Row
		column string
		want   string
	}{
		{"line break in Subject", row("order", "A-1\r\nBcc: evil@example.org"), "order",
			`row 7 (bob@example.com): column "order": render: Subject: contains a line break (header injection)`},
		{"line break in a display name", row("name", "Bob\nBcc: evil@example.org"), "name",
			`row 7: column "name": render: To: contains a line break (header injection)`},
		{"line feed in To", row("email", "bob@example.com\nBcc: evil@example.org"), "email",
			`row 7: column "email": render: To: contains a line break (header injection)`},
		{"NUL in Subject", row("order", "A\x00-1"), "order",
			`row 7 (bob@example.com): column "order": render: Subject: contains the control character 0x00`},
		{"invalid UTF-8", row("order", "A\xff"), "order",
			`row 7 (bob@example.com): column "order": render: Subject: not valid UTF-8`},
		{"invalid address", row("email", "bob.example.com"), "email",
			`row 7: column "email": render: To: not an email address: "bob.example.com" (missing @ in addr-spec)`},
		{"second address through the email field", row("email", "bob@example.com>, <evil@example.org"), "email",
			`row 7: column "email": render: To: not a single bare address: "bob@example.com>, <evil@example.org"`},
		{"parent folder", row("file", "../secret.txt"), "file",
			`row 7 (bob@example.com): column "file": render: Attach: "../secret.txt" leaves the attachment folder ` + dir},
		{"absolute path", row("file", outside), "file",
			`row 7 (bob@example.com): column "file": render: Attach: "` + outside + `" is an absolute path; give a path inside the attachment folder ` + dir},
		{"symbolic link out of the folder", row("file", "link.txt"), "file",
			`row 7 (bob@example.com): column "file": render: Attach: "link.txt": path escapes from parent`},
		{"missing attachment", row("file", "nope.pdf"), "file",
			`row 7 (bob@example.com): column "file": render: Attach: no file "nope.pdf" in the attachment folder ` + dir},
		{"missing field", campaign.Row{Num: 7, Fields: map[string]string{"email": "bob@example.com", "name": "Bob", "file": ""}}, "order",
			`row 7 (bob@example.com): column "order": render: Subject: the row has no field "order"`},
		{"no recipient", row("email", "", "name", ""), "",
			`row 7: render: To: no recipient`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := tmpl.Render(tt.row)
			var re *campaign.RowError
			if !errors.As(err, &re) {
				t.Fatalf("Render = %v, %v; want a *campaign.RowError", msg, err)
			}
			if re.Column != tt.column || err.Error() != tt.want {
				t.Errorf("Render error\n got %q (column %q)\nwant %q (column %q)", err, re.Column, tt.want, tt.column)
			}
		})
	}
	// The valid attachment renders, so the failures above are the paths'.
	msg, err := tmpl.Render(row("file", "ok.txt"))
	if err != nil {
		t.Fatalf("Render with a valid attachment: %v", err)
	}
	if len(msg.Attachments) != 1 || msg.Attachments[0].Name != "ok.txt" || msg.Attachments[0].Size != 4 {
		t.Errorf("Attachments = %+v", msg.Attachments)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name     string
		template string
		line     int
		want     string
	}{
		{"body does not parse", "From: a@example.com\nTo: {{.email}}\n\n<p>\n{{if .x}}\n</p>\n", 7,
			`unexpected EOF`},
		{"body function unknown", "From: a@example.com\nTo: {{.email}}\n\n<p>\n{{nope .x}}</p>\n", 5,
			`function "nope" not defined`},
		{"header does not parse", "From: a@example.com\nTo: {{.email}}\nSubject: {{.name}\n\n<p></p>\n", 3,
			`bad character U+007D '}'`},
		{"env is not a function", "From: a@example.com\nTo: {{.email}}\nSubject: {{env \"HOME\"}}\n\n<p></p>\n", 3,
			`function "env" not defined`},
		{"line without a colon", "From: a@example.com\nTo {{.email}}\n\n<p></p>\n", 2,
			`want a header line "Name: value" or a blank line before the body, got "To {{.email}}"`},
		{"no blank line", "From: a@example.com\nTo: {{.email}}", 2,
			`no blank line between the headers and the body`},
		{"reserved header", "From: a@example.com\nTo: {{.email}}\nMessage-Id: <x@example.com>\n\n<p></p>\n", 3,
			`Message-Id: mailrun writes this header itself; remove it from the template`},
		{"content header", "From: a@example.com\nTo: {{.email}}\nContent-Type: text/plain\n\n<p></p>\n", 3,
			`Content-Type: mailrun writes this header itself; remove it from the template`},
		{"two Subjects", "From: a@example.com\nTo: {{.email}}\nSubject: a\nsubject: b\n\n<p></p>\n", 4,
			`Subject: the header appears twice (first on line 3)`},
		{"no From", "To: {{.email}}\n\n<p></p>\n", 1,
			`the template has no From header`},
		{"invalid static From", "From: news at example.com\nTo: {{.email}}\n\n<p></p>\n", 1,
			`From: invalid address "news at example.com": mail: no angle-addr`},
		{"html escaping problem", "From: a@example.com\nTo: {{.email}}\n\n<p>\n<a href=\"{{if .c}}/p/{{else}}/s?q={{end}}{{.x}}\">x</a>\n", 5,
			`{{.x}} appears in an ambiguous context within a URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := newTemplate(t, dir, tt.template, render.Options{})
			var ie *campaign.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("New = %v; want a *campaign.InputError", err)
			}
			path := filepath.Join(dir, "template.html")
			if ie.File != path || ie.Line != tt.line || ie.Err.Error() != "render: "+tt.want {
				t.Errorf("New error\n got %s:%d: %q\nwant %s:%d: %q", ie.File, ie.Line, ie.Err, path, tt.line, "render: "+tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "text.txt")
	if err := os.WriteFile(text, []byte("Hi {{.name}},\n\n{{.phone}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tmpl := mustTemplate(t, dir, `From: a@example.com
To: {{index . "First Name"}} <{{.email}}>
Subject: {{with .name}}{{.Inner}}{{end}}

<p>{{range $i, $x := .list}}{{$x.NotAColumn}}{{end}}</p>
{{define "sig"}}{{$.zip}}{{end}}
<p>{{template "sig" .}}</p>
`, render.Options{TextPath: text})
	if err := tmpl.Check([]string{"First Name", "email", "name", "list", "zip", "phone"}); err != nil {
		t.Errorf("Check with every column: %v", err)
	}
	err := tmpl.Check([]string{"email", "name", "list"})
	var ie *campaign.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("Check = %v; want a *campaign.InputError", err)
	}
	path := filepath.Join(dir, "template.html")
	want := path + `:2: render: the data has no columns "First Name" (template.html:2), "zip" (template.html:6), "phone" (text.txt:3), which the template uses. The data's columns: "email", "name", "list"`
	if err.Error() != want || ie.File != path || ie.Line != 2 {
		t.Errorf("Check error\n got %q\nwant %q", err, want)
	}
	err = tmpl.Check([]string{"First Name", "email", "name", "list", "zip"})
	if want := text + `:3: render: the data has no column "phone", which the template uses. The data's columns: "First Name", "email", "name", "list", "zip"`; err == nil || err.Error() != want {
		t.Errorf("Check error\n got %v\nwant %q", err, want)
	}

	keyed := mustTemplate(t, dir, basic, render.Options{KeyColumn: "id"})
	if err := keyed.Check([]string{"email", "name", "file", "ID"}); !errors.As(err, &ie) ||
		err.Error() != `render: the key column "id" is not in the data (did you mean "ID"?). The data's columns: "email", "name", "file", "ID"` {
		t.Errorf("Check without the key column = %v", err)
	}
}

// TestCheckSuggestsColumns checks that a column the data lacks is
// answered with the column most likely meant and the data's columns.
func TestCheckSuggestsColumns(t *testing.T) {
	columns := []string{"email", "name", "First Name"}
	tests := []struct{ body, want string }{
		{"<p>{{.Name}}</p>", `the data has no column "Name", which the template uses (did you mean "name"?). The data's columns: "email", "name", "First Name"`},
		{"<p>{{.first_name}}</p>", `(did you mean "First Name"? Write {{index . "First Name"}} for a name with spaces or punctuation)`},
		{"<p>{{.zip}}</p>", `the data has no column "zip", which the template uses. The data's columns:`},
		{"<p>{{.Name}} {{.emial}}</p>", `"Name" (template.html:5, did you mean "name"?), "emial" (template.html:5, did you mean "email"?)`},
	}
	for _, tt := range tests {
		tmpl := mustTemplate(t, t.TempDir(), "From: a@example.com\nTo: {{.email}}\nSubject: hi\n\n"+tt.body+"\n", render.Options{})
		err := tmpl.Check(columns)
		var me *render.MissingColumnsError
		if !errors.As(err, &me) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Check = %v, want a *render.MissingColumnsError with %q", tt.body, err, tt.want)
		}
	}
}

// TestParseErrorOfASpacedColumn checks that {{.First Name}}, which Go
// reads as a call of a function Name, says how to write the column.
func TestParseErrorOfASpacedColumn(t *testing.T) {
	for _, tmpl := range []string{
		"From: a@example.com\nTo: {{.email}}\nSubject: Hi {{.First Name}}\n\n<p>x</p>\n",
		"From: a@example.com\nTo: {{.email}}\n\n<p>Hi {{.First Name}}</p>\n",
	} {
		_, err := newTemplate(t, t.TempDir(), tmpl, render.Options{})
		if want := `function "Name" not defined: for the column "First Name", whose name has a space, write {{index . "First Name"}}`; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New = %v, want %q", err, want)
		}
	}
}

func TestAddresses(t *testing.T) {
	dir := t.TempDir()
	tmpl := mustTemplate(t, dir, "From: News <news@example.com>\nTo: {{.name}} <{{.email}}>\nCc: {{.cc}}\nBcc: {{.bcc}}\nSubject: hi\n\n<p>{{.name}}</p>\n", render.Options{})
	tests := []struct {
		name, to, cc, bcc string
		wantName          string
		envelope          []string
		ccHeader          string
	}{
		{"Doe, John", "john@example.com", "", "audit@example.org", "Doe, John",
			[]string{"john@example.com", "audit@example.org"}, ""},
		{"evil@example.org, Bob", "bob@example.com", "", "audit@example.org", "evil@example.org, Bob",
			[]string{"bob@example.com", "audit@example.org"}, ""},
		{`Kim "MJ" 민지`, "mj@example.com", "Boss <BOSS@example.com>, mj@EXAMPLE.com", "boss@example.com, Audit <audit@example.org>", `Kim "MJ" 민지`,
			[]string{"mj@example.com", "BOSS@example.com", "audit@example.org"}, `"Boss" <BOSS@example.com>, <mj@EXAMPLE.com>`},
	}
	for _, tt := range tests {
		msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{"name": tt.name, "email": tt.to, "cc": tt.cc, "bcc": tt.bcc}})
		if err != nil {
			t.Fatalf("Render(%q): %v", tt.name, err)
		}
		m := parseMessage(t, msg.Data)
		to, err := m.header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Name != tt.wantName || to[0].Address != tt.to {
			t.Errorf("%q: To = %v, %v; want one address named %q", tt.name, to, err, tt.wantName)
		}
		if !slices.Equal(msg.Envelope.To, tt.envelope) {
			t.Errorf("%q: envelope To = %q, want %q", tt.name, msg.Envelope.To, tt.envelope)
		}
		if _, ok := m.header["Bcc"]; ok || strings.Contains(string(msg.Data), "audit@") {
			t.Errorf("%q: the Bcc address shows in the message", tt.name)
		}
		if got, ok := m.header["Cc"]; (tt.ccHeader == "") == ok || (ok && got[0] != tt.ccHeader) {
			t.Errorf("%q: Cc = %q, want %q (absent when empty)", tt.name, got, tt.ccHeader)
		}
	}
}

func TestHTMLEscaping(t *testing.T) {
	dir := t.TempDir()
	tmpl := mustTemplate(t, dir, "From: a@example.com\nTo: {{.email}}\nSubject: {{.name}}\n\n<p>Hello {{.name}}</p><a href=\"https://example.com/?n={{.name}}\">x</a>\n", render.Options{})
	name := `<script>alert("x")</script>`
	msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{"email": "a@example.org", "name": name}})
	if err != nil {
		t.Fatal(err)
	}
	m := parseMessage(t, msg.Data)
	html, _ := find(m.root, "text/html")
	if got := string(html.body); strings.Contains(got, "<script>") || !strings.Contains(got, "<p>Hello &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</p>") {
		t.Errorf("html part does not escape the field:\n%s", got)
	}
	if got := decodeHeader(t, m.header.Get("Subject")); got != name {
		t.Errorf("Subject = %q, want the raw value %q (headers are text)", got, name)
	}
}

func TestEmbed(t *testing.T) {
	dir := t.TempDir()
	png := []byte("\x89PNG\r\n\x1a\nnot really an image")
	if err := os.WriteFile(filepath.Join(dir, "logo.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	tmpl := mustTemplate(t, dir, "From: a@example.com\nTo: {{.email}}\nEmbed: logo.png\n\n<img src=\"cid:logo.png\" alt=\"logo\">\n", render.Options{})
	msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{"email": "a@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	m := parseMessage(t, msg.Data)
	if got := shape(m.root); got != "multipart/alternative[text/plain multipart/related[text/html image/png]]" {
		t.Fatalf("MIME structure %s", got)
	}
	img := m.root.parts[1].parts[1]
	if img.header.Get("Content-Id") != "<logo.png>" || string(img.body) != string(png) {
		t.Errorf("embedded image: Content-ID %q, %d bytes", img.header.Get("Content-Id"), len(img.body))
	}
	if want := (campaign.Attachment{Name: "logo.png", Path: filepath.Join(dir, "logo.png"), Size: int64(len(png)), Inline: true}); len(msg.Attachments) != 1 || msg.Attachments[0] != want {
		t.Errorf("Attachments = %+v, want %+v", msg.Attachments, want)
	}
	if _, ok := m.header["Embed"]; ok {
		t.Error("the Embed pseudo-header was sent")
	}
}
