package source_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/source"
	"github.com/xuri/excelize/v2"
)

// FuzzXLSXInline puts arbitrary cell XML into the sheet of a workbook with
// shared strings, and an arbitrary string item at index 6 of its table, and
// checks that the source reads the same rows, errors included, from the
// inlined copy (or, where the inliner gives up, from the original again) as
// excelize reads from the original with its table in a temporary file, the
// path the copy replaces.
func FuzzXLSXInline(f *testing.F) {
	seeds := []string{
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" s="1" t="s"><v>6</v></c></row>`,
		`<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="3"><c r="A3" t="s" s="2"><v> 4 </v></c><c r="B3" t="s"><v>99</v></c><c r="C3" t="s"/></row>`,
		`<row><c t="s"><v>0</v></c><c t='s'><f>A1</f><v>6</v></c></row><row><c t="s"><v></v></c><c t="s"><v>x</v></c><c t="n"><v>45000</v></c></row>`,
		`<!-- <c t="s"><v>1</v></c> --><row r="1"><c r="A1" t="s"><v><![CDATA[1]]></v></c><c r="B1" t="inlineStr"><is><t>in</t></is></c><c r="C1" t="s"><v>6</v></c></row>`,
		`<row r="1"><c r="A1" t="s"><v>&#49;</v></c><c r="B1" t="&#115;"><v>1</v></c></row>`,
		`<row r="1"><c r="A1" t="s"><v>0</v><v>1</v></c><c r="B1" t="s"><extLst><v>2</v></extLst></c><c r="C1" t="s"><v>6</v></c></row>`,
		`<row r="1"><c r="A1" t="s" a=">"><v>0</v></c><c r="B1" t="s"><v>1</v></row>`,
	}
	items := []string{
		`<si><t>plain</t></si>`,
		`<si><r><rPr><b/></rPr><t>bold</t></r><r><t xml:space="preserve"> &amp; more </t></r></si>`,
		`<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh><phoneticPr fontId="1"/></si>`,
		`<si><t>first</t><t>second<b>not</b>!</t><r><t>a</t><t>b</t></r><r/><r><t>x<b>y</b>z</t></r></si>`,
		`<si><t><![CDATA[<x> & y]]>_x0041_&#13;&#10;</t></si>`,
		`<si><r><t>a</t></r><t>own</t></si>`,
		`<si><t>broken</si>`,
	}
	for _, s := range seeds {
		f.Add(s, items[0])
	}
	for _, item := range items[1:] {
		f.Add(seeds[0], item)
	}
	f.Fuzz(func(t *testing.T, cells, item string) {
		dir := t.TempDir()
		t.Setenv("TMPDIR", dir)
		path := filepath.Join(dir, "data.xlsx")
		writeFuzzWorkbook(t, path, cells, item)
		source.SetXLSXUnzipXMLSizeLimit(t, 1)
		want := readOutcome(path)
		source.SetXLSXInlineThreshold(t, -1)
		if got := readOutcome(path); !reflect.DeepEqual(got, want) {
			t.Fatalf("rows from the inlined copy differ:\n got %q\nwant %q", got, want)
		}
	})
}

// fuzzBase is a workbook with shared strings ("email", "name", "01234",
// "Kim & <Lee>", " padded ", "홍길동") and the styles 1 (`"Mr. "@`) and 2
// (yyyy-mm-dd), as the parts of its zip archive.
var fuzzBase = sync.OnceValues(func() (map[string][]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	for i, v := range []string{"email", "name", "01234", "Kim & <Lee>", " padded ", "홍길동"} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			return nil, err
		}
	}
	for _, code := range []string{`"Mr. "@`, "yyyy-mm-dd"} {
		if _, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code}); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return nil, err
	}
	parts := make(map[string][]byte)
	for _, e := range zr.File {
		rc, err := e.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		parts[e.Name] = b
	}
	if _, ok := parts["xl/sharedStrings.xml"]; !ok {
		return nil, errors.New("the base workbook has no shared strings")
	}
	return parts, nil
})

// writeFuzzWorkbook writes the base workbook to path with cells as the
// content of Sheet1's sheetData and item after the strings of its table.
func writeFuzzWorkbook(t *testing.T, path, cells, item string) {
	t.Helper()
	parts, err := fuzzBase()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range parts {
		if name == "xl/sharedStrings.xml" {
			s := string(data)
			end := strings.LastIndex(s, "</sst>")
			if end < 0 {
				t.Fatalf("no </sst> in %s", s)
			}
			data = []byte(s[:end] + item + s[end:])
		}
		if name == "xl/worksheets/sheet1.xml" {
			s := string(data)
			start := strings.Index(s, "<sheetData>") + len("<sheetData>")
			end := strings.Index(s, "</sheetData>")
			if start < len("<sheetData>") || end < start {
				t.Fatalf("no sheetData in %s", s)
			}
			data = []byte(s[:start] + cells + s[end:])
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// readOutcome returns what the source reads from path: its columns and up
// to 50 results of Next, or the error of OpenSource.
func readOutcome(path string) []string {
	src, err := source.Open(path, source.Options{})
	if err != nil {
		return []string{"open: " + err.Error()}
	}
	defer src.Close()
	out := []string{strings.Join(src.Columns(), "|")}
	for range 50 {
		row, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			out = append(out, "error: "+err.Error())
			var re *campaign.RowError
			if !errors.As(err, &re) {
				break
			}
			continue
		}
		out = append(out, formatRow(src.Columns(), row))
	}
	return out
}
