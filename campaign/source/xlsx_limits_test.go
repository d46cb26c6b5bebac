package source_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/source"
	"github.com/mailrun/mailrun/campaign/source/xlsxtest"
)

// writeWorkbookParts writes a workbook of parts (see xlsxtest.Write) to a
// temporary folder and returns its path.
func writeWorkbookParts(t testing.TB, parts ...xlsxtest.Part) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bomb.xlsx")
	if err := xlsxtest.Write(path, parts...); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestXLSXLimits(t *testing.T) {
	lim := source.Limits{FieldSize: 1 << 10, RowSize: 4 << 10, RowCells: 8, XLSXPart: 64 << 20, XLSXStrings: 100}
	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row>`
	big := strings.Repeat("a", 2<<10)
	strs := func(items ...string) xlsxtest.Part {
		return xlsxtest.Part{Name: xlsxtest.StringsName, Head: xlsxtest.StringsHead, Block: strings.Join(items, ""), Tail: xlsxtest.StringsTail}
	}
	tests := []struct {
		name  string
		parts []xlsxtest.Part
		want  string
		limit campaign.LimitKind
	}{
		{"a cell over the limit", []xlsxtest.Part{xlsxtest.Sheet(header, `<row r="2"><c r="B2" t="inlineStr"><is><t>`+big+`</t></is></c></row>`)},
			"bomb.xlsx:2: cell B2 holds more than 1 KiB", campaign.LimitFieldSize},
		{"a cell of many runs", []xlsxtest.Part{xlsxtest.Sheet(header, `<row r="3"><c r="A3" t="inlineStr"><is>`+strings.Repeat(`<r><t>`+big[:300]+`</t></r>`, 4)+`</is></c></row>`)},
			"bomb.xlsx:3: cell A3 holds more than 1 KiB", campaign.LimitFieldSize},
		{"too many cells", []xlsxtest.Part{xlsxtest.Sheet(header, `<row r="2">`+strings.Repeat(`<c/>`, 9)+`</row>`)},
			"bomb.xlsx:2: the row has more than 8 cells", campaign.LimitRowCells},
		{"a shared string over the limit", []xlsxtest.Part{xlsxtest.Sheet(header), strs(`<si><t>a</t></si><si><t>` + big + `</t></si>`)},
			"bomb.xlsx: shared string 1 holds more than 1 KiB", campaign.LimitFieldSize},
		{"too many shared strings", []xlsxtest.Part{xlsxtest.Sheet(header), {Name: xlsxtest.StringsName, Head: xlsxtest.StringsHead, Block: `<si/>`, Repeat: 101, Tail: xlsxtest.StringsTail}},
			"bomb.xlsx: the shared-strings table holds more than 100 strings", campaign.LimitXLSXStrings},
		{"one shared string used over and over", []xlsxtest.Part{
			xlsxtest.Sheet(header, `<row r="2">`+strings.Repeat(`<c t="s"><v>0</v></c>`, 8)+`</row>`), strs(`<si><t>` + big[:1000] + `</t></si>`)},
			"bomb.xlsx:2: the row holds more than 4 KiB", campaign.LimitRowSize},
		{"text between cells", []xlsxtest.Part{xlsxtest.Sheet(header, `<row r="2">`+strings.Repeat(" ", 2<<10)+`</row>`)},
			"bomb.xlsx:2: a run of text or markup in part xl/worksheets/sheet1.xml holds more than 1 KiB", campaign.LimitFieldSize},
		{"a worksheet over the part limit", []xlsxtest.Part{{Name: xlsxtest.SheetName, Head: xlsxtest.SheetHead, Block: `<row/>`, Repeat: 12 << 20, Tail: xlsxtest.SheetTail}},
			"bomb.xlsx: part xl/worksheets/sheet1.xml (uncompressed) holds more than 64 MiB", campaign.LimitXLSXPart},
		{"styles over their share", []xlsxtest.Part{xlsxtest.Sheet(header), {Name: "xl/styles.xml", Head: `<styleSheet><cellXfs>`, Block: `<xf/>`, Repeat: 30_000, Tail: `</cellXfs></styleSheet>`}},
			"bomb.xlsx: the rest of the workbook's XML (styles, relationships, ...) holds more than 128 KiB", campaign.LimitXLSXPart},
		{"images over their share", []xlsxtest.Part{xlsxtest.Sheet(header), {Name: "xl/media/image1.png", Block: strings.Repeat("\x00", 1<<20), Repeat: 5}},
			"bomb.xlsx: the rest of the workbook (images, ...) holds more than 4 MiB", campaign.LimitXLSXPart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := source.Open(writeWorkbookParts(t, tt.parts...), source.Options{Limits: lim})
			var le *campaign.LimitError
			if !errors.As(err, &le) || le.Kind != tt.limit {
				t.Fatalf("Open: %v, want a *campaign.LimitError of limit %d", err, tt.limit)
			}
			if got := inputError(t, err); !strings.HasSuffix(got, tt.want) {
				t.Errorf("Open:\n got %s\nwant ...%s", got, tt.want)
			}
		})
	}
}

func TestXLSXPartLargerThanDeclared(t *testing.T) {
	path := writeWorkbookParts(t, xlsxtest.Part{Name: xlsxtest.SheetName, Declared: 100,
		Head: xlsxtest.SheetHead + `<row r="1"><c t="inlineStr"><is><t>email</t></is></c></row>`, Block: `<row/>`, Repeat: 10_000, Tail: xlsxtest.SheetTail})
	_, err := source.Open(path, source.Options{})
	if got := inputError(t, err); !strings.Contains(got, "does not match its zip entry") {
		t.Errorf("Open: %s, want an error about the entry's declared size", got)
	}
}

func TestXLSXWithinLimitsReadsAndCleansUp(t *testing.T) {
	tmp := t.TempDir()
	path := writeWorkbookParts(t, xlsxtest.Sheet(`<row r="1"><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row>`,
		`<row r="2"><c t="s"><v>2</v></c><c t="inlineStr"><is><t>Ann</t></is></c></row>`),
		xlsxtest.Part{Name: xlsxtest.StringsName, Head: xlsxtest.StringsHead + `<si><t>email</t></si><si><t>name</t></si><si><t>ann@example.com</t></si>`,
			Block: `<si><t>unused</t></si>`, Repeat: 100_000, Tail: xlsxtest.StringsTail})
	src, err := source.Open(path, source.Options{TempDir: func() string { return tmp }})
	checkSource(t, src, err, "", []string{"email", "name"}, []string{"1: email=ann@example.com|name=Ann"})
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("%d temporary files left after Close: %v", len(entries), entries)
	}
}
