package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailrun/mailrun/campaign/source/xlsxtest"
)

// writeTemplate writes a message template whose HTML body makes messages of
// about size bytes, and returns its path.
func writeTemplate(dir string, size int) (string, error) {
	var b strings.Builder
	b.WriteString("From: Bench <bench@example.com>\nTo: {{.name}} <{{.email}}>\nSubject: {{.name}}님, 11월 소식입니다\n")
	b.WriteString("List-Unsubscribe: <https://example.com/u/{{.id}}>\n\n<!doctype html>\n<p>Hello {{.name}}, your code is {{.id}}.</p>\n")
	// The text part derived from the HTML roughly doubles its size.
	para := "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.</p>\n"
	for b.Len() < size/2 {
		b.WriteString(para)
	}
	p := filepath.Join(dir, "template.html")
	return p, os.WriteFile(p, []byte(b.String()), 0o600)
}

// writeCSV writes a campaign of rows recipients.
func writeCSV(path string, rows int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "email,name,id,city,phone,amount")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(w, "user%d@example.com,User %d,%d,Seoul,010%08d,%d.%02d\n", i, i, i, i, i%1000, i%100)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// writeXLSX writes the same campaign as an .xlsx workbook as Excel saves
// it: every text cell in the shared-strings table (three unique strings a
// row), numbers in the cells.
func writeXLSX(path string, rows int) error {
	strs := func(w io.Writer) error {
		b := bufio.NewWriterSize(w, 1<<20)
		b.WriteString(xlsxtest.StringsHead)
		for _, s := range []string{"email", "name", "id", "city", "phone", "amount", "Seoul"} {
			fmt.Fprintf(b, "<si><t>%s</t></si>", s)
		}
		for i := 1; i <= rows; i++ {
			fmt.Fprintf(b, "<si><t>user%d@example.com</t></si><si><t>User %d</t></si><si><t>010%08d</t></si>", i, i, i)
		}
		b.WriteString(xlsxtest.StringsTail)
		return b.Flush()
	}
	sheet := func(w io.Writer) error {
		b := bufio.NewWriterSize(w, 1<<20)
		b.WriteString(xlsxtest.SheetHead + `<row r="1">`)
		for i := range 6 {
			fmt.Fprintf(b, `<c r="%c1" t="s"><v>%d</v></c>`, 'A'+i, i)
		}
		b.WriteString(`</row>`)
		for i := 1; i <= rows; i++ {
			r, s := i+1, 7+3*(i-1)
			fmt.Fprintf(b, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c><c r="C%d"><v>%d</v></c>`+
				`<c r="D%d" t="s"><v>6</v></c><c r="E%d" t="s"><v>%d</v></c><c r="F%d"><v>%d.25</v></c></row>`,
				r, r, s, r, s+1, r, i, r, r, s+2, r, i%1000)
		}
		b.WriteString(xlsxtest.SheetTail)
		return b.Flush()
	}
	return xlsxtest.Write(path, xlsxtest.Part{Name: xlsxtest.StringsName, Fill: strs}, xlsxtest.Part{Name: xlsxtest.SheetName, Fill: sheet})
}
