package source_test

import (
	"archive/zip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign/source"
	"github.com/xuri/excelize/v2"
)

// TestXLSXInlinedSharedStrings reads workbooks whose strings are in the
// shared-strings table (as Excel saves them) both ways: as excelize reads
// them, and from the copy with inline strings that sources read when the
// table is large. The rows must be the same.
func TestXLSXInlinedSharedStrings(t *testing.T) {
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		build func(t *testing.T, f *excelize.File)
		// items replaces string items whose text is a key with raw XML.
		items map[string]string
		// sheet edits the raw XML of Sheet1.
		sheet   func(xml string) string
		inlined bool // whether the copy can be made
		want    []string
	}{
		{
			name: "values as displayed",
			build: func(t *testing.T, f *excelize.File) {
				setRow(t, f, "Sheet1", 1, "email", "name", "zip", "joined", "note", "rich", "reading", "spaces", "lines",
					"escaped", "cdata", "styled", "missing", "empty")
				setRow(t, f, "Sheet1", 2, "a@example.com", "홍길동", "01234", day, `Tom & Jerry <b>"q"</b> 'a'`, nil,
					"@reading@", "@spaces@", "@lines@", "@escaped@", "@cdata@", "Kim", "@missing@", "@empty@")
				setStyle(t, f, "Sheet1", "D2", style(t, f, &excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")}))
				setStyle(t, f, "Sheet1", "L2", style(t, f, &excelize.Style{CustomNumFmt: ptr(`"Mr. "@`)}))
				err := f.SetCellRichText("Sheet1", "F2", []excelize.RichTextRun{
					{Text: "Bold", Font: &excelize.Font{Bold: true}},
					{Text: " & plain"},
				})
				if err != nil {
					t.Fatal(err)
				}
			},
			items: map[string]string{
				"@reading@": `<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh><phoneticPr fontId="1"/></si>`,
				"@spaces@":  `<si><t xml:space="preserve">  two  spaces  </t></si>`,
				"@lines@":   "<si><r><t>one&#13;&#10;two\r\n</t></r><r><rPr><b/></rPr><t>three\tfour</t></r></si>",
				"@escaped@": `<si><t>_x0041_BC_x005F_x0041_ &lt;&amp;&gt; &#x1F600;</t></si>`,
				"@cdata@":   `<si><t><![CDATA[<not a tag> & more]]></t></si>`,
				"@empty@":   `<si><t/></si>`,
			},
			sheet: func(xml string) string {
				// M2 points past the end of the table.
				return regexp.MustCompile(`(<c r="M2"[^>]*><v>)\d+(</v>)`).ReplaceAllString(xml, "${1}999${2}")
			},
			inlined: true,
			want: []string{
				"1: email=a@example.com|name=홍길동|zip=01234|joined=2026-11-30|note=Tom & Jerry <b>\"q\"</b> 'a'|" +
					"rich=Bold & plain|reading=漢字|spaces=  two  spaces  |lines=one\r\ntwo\nthree\tfour|" +
					"escaped=ABC_x0041_ <&> 😀|cdata=<not a tag> & more|styled=Mr. Kim|missing=|empty=",
			},
		},
		{
			name: "prefixed elements and odd values",
			build: func(t *testing.T, f *excelize.File) {
				setRow(t, f, "Sheet1", 1, "email", "name")
				setRow(t, f, "Sheet1", 2, "a@example.com", "Ann")
				setRow(t, f, "Sheet1", 3, "b@example.com", "Bob")
			},
			sheet: func(xml string) string {
				xml = strings.Replace(xml, "<sheetData>", `<!-- <c t="s"><v>0</v></c> --><x:sheetData xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`, 1)
				xml = strings.Replace(xml, "</sheetData>", "</x:sheetData>", 1)
				xml = regexp.MustCompile(`<(/?)(row|c|v)\b`).ReplaceAllString(xml, "<${1}x:${2}")
				xml = strings.Replace(xml, `<x:c r="B2" t="s"><x:v>3</x:v>`, `<x:c r="B2" t = 's' ><x:v> 3 </x:v >`, 1)
				return strings.Replace(xml, `<x:c r="B3" t="s"><x:v>5</x:v>`, `<x:c r="B3" t="s"><x:v>x</x:v>`, 1)
			},
			inlined: true,
			want:    []string{"1: email=a@example.com|name=Ann", "2: email=b@example.com|name=email"},
		},
		{
			name: "an entity in an index is read from the original",
			build: func(t *testing.T, f *excelize.File) {
				setRow(t, f, "Sheet1", 1, "email", "name")
				setRow(t, f, "Sheet1", 2, "a@example.com", "Ann")
			},
			sheet: func(xml string) string {
				return strings.Replace(xml, `<c r="B2" t="s"><v>3</v>`, `<c r="B2" t="s"><v>&#51;</v>`, 1)
			},
			want: []string{"1: email=a@example.com|name=Ann"},
		},
		{
			name: "strings across the table's blocks",
			build: func(t *testing.T, f *excelize.File) {
				setRow(t, f, "Sheet1", 1, "email", "name")
				for i := 1; i <= 16000; i++ { // 1.2 MiB of text: over one block
					setRow(t, f, "Sheet1", i+1, "user"+strconv.Itoa(i)+"@example.com", strings.Repeat("김<&>", 1+i%17)+strconv.Itoa(i))
				}
			},
			inlined: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir())
			path := writeWorkbook(t, tt.build)
			editWorkbook(t, path, tt.items, tt.sheet)
			want := readRows(t, path)
			if tt.want != nil && !reflect.DeepEqual(want, tt.want) {
				t.Fatalf("rows read by excelize:\n got %q\nwant %q", want, tt.want)
			}

			source.SetXLSXInlineThreshold(t, -1)
			checkInlined(t, path, tt.inlined)
			if got := readRows(t, path); !reflect.DeepEqual(got, want) {
				t.Errorf("rows read from the inlined copy differ:\n got %q\nwant %q", got, want)
			}
			if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "*")); len(left) > 0 {
				t.Errorf("temporary files left behind: %q", left)
			}
		})
	}
}

// checkInlined makes the inlined copy of the workbook at path and checks
// that its shared-strings table is empty and its sheet has no shared-string
// cell with a value in the table, or, if !inlined, that no copy is made.
func checkInlined(t *testing.T, path string, inlined bool) {
	t.Helper()
	tmp, err := source.InlineWorkbook(path)
	if !inlined {
		if err == nil {
			os.Remove(tmp)
			t.Fatal("InlineWorkbook made a copy of a workbook it should leave alone")
		}
		return
	}
	if err != nil || tmp == "" {
		t.Fatalf("InlineWorkbook = %q, %v; want a copy", tmp, err)
	}
	defer os.Remove(tmp)
	if fi, err := os.Stat(tmp); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("copy: %v, %v; want mode 0600", fi, err)
	}
	sst, sheet := readParts(t, tmp)
	if strings.Contains(sst, "<si") {
		t.Errorf("the copy's shared strings are not empty: %s", sst)
	}
	if n := strings.Count(sheet, "inlineStr"); n == 0 {
		t.Errorf("the copy's sheet has no inline strings: %s", sheet[:min(len(sheet), 2000)])
	}
	sheet = regexp.MustCompile(`(?s)<!--.*?-->`).ReplaceAllString(sheet, "")
	for _, m := range regexp.MustCompile(`<(?:x:)?c [^>]*t="s"[^>]*>(?:<(?:x:)?v>(\d+)</(?:x:)?v>)?`).FindAllStringSubmatch(sheet, -1) {
		if m[1] != "999" {
			t.Errorf("the copy's sheet still has a shared-string cell: %s", m[0])
		}
	}
}

// editWorkbook rewrites the workbook at path: each string item whose text
// is a key of items becomes the raw XML it maps to, and the XML of Sheet1
// goes through sheet, when it is not nil.
func editWorkbook(t *testing.T, path string, items map[string]string, sheet func(string) string) {
	t.Helper()
	if len(items) == 0 && sheet == nil {
		return
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out, err := os.Create(path + ".new")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	for _, f := range zr.File {
		data := readEntry(t, f)
		switch f.Name {
		case "xl/sharedStrings.xml":
			for text, raw := range items {
				old := "<si><t>" + text + "</t></si>"
				if !strings.Contains(data, old) {
					t.Fatalf("no string item %s in %s", old, data)
				}
				data = strings.Replace(data, old, raw, 1)
			}
		case "xl/worksheets/sheet1.xml":
			if sheet != nil {
				data = sheet(data)
			}
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

// readParts returns the shared strings and Sheet1 of the workbook at path,
// failing the test if the workbook has no shared-strings part.
func readParts(t *testing.T, path string) (sst, sheet string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	found := false
	for _, f := range zr.File {
		switch f.Name {
		case "xl/sharedStrings.xml":
			sst, found = readEntry(t, f), true
		case "xl/worksheets/sheet1.xml":
			sheet = readEntry(t, f)
		}
	}
	if !found {
		t.Fatalf("%s has no xl/sharedStrings.xml", path)
	}
	return sst, sheet
}

// readEntry returns the unzipped content of f.
func readEntry(t *testing.T, f *zip.File) string {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readRows reads every row of the workbook at path in the notation of
// TestCSVSource, failing the test on any error.
func readRows(t *testing.T, path string) []string {
	t.Helper()
	src, err := source.Open(path, source.Options{})
	if err != nil {
		t.Fatalf("OpenSource: %v", err)
	}
	defer src.Close()
	var rows []string
	for {
		row, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, formatRow(src.Columns(), row))
	}
	if err := src.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return rows
}
