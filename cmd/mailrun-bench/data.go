package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
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

// writeXLSX writes the same campaign as an .xlsx workbook, streamed.
func writeXLSX(path string, rows int) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{"email", "name", "id", "city", "phone", "amount"}); err != nil {
		return err
	}
	for i := 1; i <= rows; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		row := []any{fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("User %d", i), i, "Seoul", fmt.Sprintf("010%08d", i), float64(i%1000) + 0.25}
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}
