package render_test

import (
	"bytes"
	"flag"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

var update = flag.Bool("update", false, "rewrite the golden .eml files under testdata/")

// golden compares data with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, data []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(data, want) {
		got, exp := bytes.Split(data, []byte("\n")), bytes.Split(want, []byte("\n"))
		i := 0
		for i < len(got) && i < len(exp) && bytes.Equal(got[i], exp[i]) {
			i++
		}
		line := func(l [][]byte) []byte {
			if i < len(l) {
				return l[i]
			}
			return []byte("(end)")
		}
		t.Errorf("%s: line %d differs (go test -update rewrites the file):\n got %q\nwant %q", path, i+1, line(got), line(exp))
	}
}

// renderAll renders every row of the example in dir and checks the golden
// file of each message.
func renderAll(t *testing.T, dir, data string, opts render.Options) ([]campaign.Row, []*campaign.Message) {
	t.Helper()
	opts.CampaignID, opts.Now = campaignID, now
	tmpl, err := render.New(exampleTemplate(dir), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	cols, rows := readRows(t, filepath.Join("..", "examples", dir, data))
	if err := tmpl.Check(cols); err != nil {
		t.Fatalf("Check(%q): %v", cols, err)
	}
	var msgs []*campaign.Message
	for _, row := range rows {
		msg, err := tmpl.Render(row)
		if err != nil {
			t.Fatalf("Render row %d: %v", row.Num, err)
		}
		key, err := tmpl.Key(row)
		if err != nil || key != msg.Key {
			t.Errorf("row %d: Key = %q, %v; Render's Key = %q", row.Num, key, err, msg.Key)
		}
		checkLines(t, msg.Data, 78)
		golden(t, fmt.Sprintf("%s/%04d.eml", dir, row.Num), msg.Data)
		msgs = append(msgs, msg)
	}
	return rows, msgs
}

func TestNewsletterExample(t *testing.T) {
	rows, msgs := renderAll(t, "newsletter", "recipients.csv", newsletterOptions())
	opts := newsletterOptions()
	if tmpl, err := render.New(exampleTemplate("newsletter"), opts); err != nil || !render.HasOnceInline(tmpl) {
		t.Errorf("the newsletter's CSS is not inlined once, on the template (%v): every message pays for it", err)
	}
	if len(rows) < 8 {
		t.Fatalf("the example has %d rows, want at least 8", len(rows))
	}
	ids := map[string]bool{}
	for i, msg := range msgs {
		f := rows[i].Fields
		m := parseMessage(t, msg.Data)
		if got, want := decodeHeader(t, m.header.Get("Subject")), f["name"]+"님, 11월 소식입니다 / November news"; got != want {
			t.Errorf("row %d: Subject = %q, want %q", rows[i].Num, got, want)
		}
		to, err := m.header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Name != f["name"] || to[0].Address != f["email"] {
			t.Errorf("row %d: To = %v, %v; want %q <%s>", rows[i].Num, to, err, f["name"], f["email"])
		}
		from, err := m.header.AddressList("From")
		if err != nil || len(from) != 1 || from[0].Name != "메일런 소식" || from[0].Address != "news@example.com" {
			t.Errorf("row %d: From = %v, %v", rows[i].Num, from, err)
		}
		if got := m.header.Get("List-Unsubscribe"); got != "<https://example.com/u/"+f["id"]+">" {
			t.Errorf("row %d: List-Unsubscribe = %q", rows[i].Num, got)
		}
		if got, want := msg.Envelope, (campaign.Envelope{From: "news@example.com", To: []string{f["email"]}}); got.From != want.From || !slices.Equal(got.To, want.To) {
			t.Errorf("row %d: envelope %+v, want %+v", rows[i].Num, got, want)
		}
		if got := m.header.Get("Message-ID"); got != "<"+msg.ID+">" || !strings.HasSuffix(msg.ID, "@example.com") || ids[msg.ID] {
			t.Errorf("row %d: Message-ID %q, ID %q (unique per recipient, @ the From domain)", rows[i].Num, got, msg.ID)
		}
		ids[msg.ID] = true
		if got := m.header.Get("Date"); got != "Thu, 26 Nov 2026 09:30:00 +0900" {
			t.Errorf("row %d: Date = %q", rows[i].Num, got)
		}
		if got := shape(m.root); got != "multipart/alternative[text/plain text/html]" {
			t.Fatalf("row %d: MIME structure %s", rows[i].Num, got)
		}
		text, html := string(m.root.parts[0].body), string(m.root.parts[1].body)
		// The text part is the Markdown; the HTML part is the Markdown in
		// the layout, the layout's <style> rules inlined.
		if want := "# 안녕하세요 " + f["name"] + "님,\n"; !strings.HasPrefix(text, want) || !strings.Contains(text, "https://example.com/u/"+f["id"]) {
			t.Errorf("row %d: text part does not greet %q or lacks the unsubscribe link:\n%s", rows[i].Num, f["name"], text)
		}
		for _, want := range []string{
			"<h1 style=\"margin:0 0 16px;font-size:22px\">안녕하세요 " + htmlEscape(f["name"]) + "님,</h1>",
			`<td class="main" style="padding:32px;line-height:1.5">`,
			`<th style="border-bottom:1px solid #dddddd;padding:6px 8px;text-align:left">기능 / Feature</th>`,
			`<p class="footer" style="font-size:12px;color:#888888">`,
			`<a href="https://example.com/u/` + f["id"] + `" style="color:#1a5fb4">수신 거부</a>`,
		} {
			if !strings.Contains(html, want) {
				t.Errorf("row %d: html part lacks %s:\n%s", rows[i].Num, want, html)
			}
		}
		if strings.Contains(html, "h1 {") {
			t.Errorf("row %d: the inlined rules are still in a <style> block", rows[i].Num)
		}
	}
}

// exampleTemplate is the template file of the example in dir: the
// newsletter is Markdown, the invoices HTML.
func exampleTemplate(dir string) string {
	name := "template.html"
	if dir == "newsletter" {
		name = "template.md"
	}
	return filepath.Join("..", "examples", dir, name)
}

// newsletterOptions are the layout and partials of the newsletter example.
func newsletterOptions() render.Options {
	dir := filepath.Join("..", "examples", "newsletter")
	return render.Options{LayoutPath: filepath.Join(dir, "layout.html"), PartialsDir: filepath.Join(dir, "partials")}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestInvoicesExample(t *testing.T) {
	rows, msgs := renderAll(t, "invoices", "recipients.xlsx", render.Options{})
	noCc := 0
	for i, msg := range msgs {
		f := rows[i].Fields
		m := parseMessage(t, msg.Data)
		if got, want := decodeHeader(t, m.header.Get("Subject")), "Invoice "+f["invoice_no"]+" - due "+f["due_date"]; got != want {
			t.Errorf("row %d: Subject = %q, want %q", rows[i].Num, got, want)
		}
		if !strings.HasPrefix(f["invoice_no"], "000") || !strings.HasPrefix(f["postal_code"], "0") {
			t.Errorf("row %d: leading zeros lost: invoice_no %q, postal_code %q", rows[i].Num, f["invoice_no"], f["postal_code"])
		}
		to, err := m.header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Name != f["name"] || to[0].Address != f["email"] {
			t.Errorf("row %d: To = %v, %v; want %q <%s>", rows[i].Num, to, err, f["name"], f["email"])
		}
		wantTo := []string{f["email"]}
		if mgr := f["manager_email"]; mgr == "" {
			noCc++
			if _, ok := m.header["Cc"]; ok {
				t.Errorf("row %d: empty manager_email still gave a Cc header %q", rows[i].Num, m.header.Get("Cc"))
			}
		} else {
			wantTo = append(wantTo, mgr)
			if got := m.header.Get("Cc"); got != "<"+mgr+">" {
				t.Errorf("row %d: Cc = %q, want <%s>", rows[i].Num, got, mgr)
			}
		}
		if !slices.Equal(msg.Envelope.To, wantTo) || msg.Envelope.From != "billing@example.com" {
			t.Errorf("row %d: envelope %+v, want To %q", rows[i].Num, msg.Envelope, wantTo)
		}
		if got := shape(m.root); got != "multipart/mixed[multipart/alternative[text/plain text/html] application/pdf]" {
			t.Fatalf("row %d: MIME structure %s", rows[i].Num, got)
		}
		pdf := m.root.parts[1]
		want, err := os.ReadFile(filepath.Join("..", "examples", "invoices", f["invoice_file"]))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pdf.body, want) {
			t.Errorf("row %d: attachment bytes differ from %s", rows[i].Num, f["invoice_file"])
		}
		if disp, params, err := mime.ParseMediaType(pdf.header.Get("Content-Disposition")); err != nil || disp != "attachment" || params["filename"] != f["invoice_file"] {
			t.Errorf("row %d: Content-Disposition %q", rows[i].Num, pdf.header.Get("Content-Disposition"))
		}
		if pdf.params["name"] != f["invoice_file"] {
			t.Errorf("row %d: Content-Type %q lacks the file name", rows[i].Num, pdf.header.Get("Content-Type"))
		}
		wantAtt := campaign.Attachment{Name: f["invoice_file"], Path: filepath.Join("..", "examples", "invoices", f["invoice_file"]), Size: int64(len(want))}
		if len(msg.Attachments) != 1 || msg.Attachments[0] != wantAtt {
			t.Errorf("row %d: Attachments %+v, want %+v", rows[i].Num, msg.Attachments, wantAtt)
		}
		// No text template: the text part is derived from the HTML, links kept.
		text, _ := find(m.root, "text/plain")
		if s := string(text.body); !strings.Contains(s, "Dear "+f["name"]+",") || !strings.Contains(s, "<https://example.com/pay/"+f["invoice_no"]+">") {
			t.Errorf("row %d: derived text part lacks the greeting or the link target:\n%s", rows[i].Num, s)
		}
	}
	if noCc == 0 {
		t.Error("no row of the example leaves manager_email empty")
	}
}
