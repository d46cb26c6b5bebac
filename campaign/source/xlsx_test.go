package source_test

import (
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign/source"
	"github.com/xuri/excelize/v2"
)

func TestXLSXSource(t *testing.T) {
	tests := []struct {
		name    string
		build   func(t *testing.T, f *excelize.File)
		opts    source.Options
		columns []string
		want    []string // as in TestCSVSource
		wantErr string
	}{
		{
			name: "values as displayed",
			build: func(t *testing.T, f *excelize.File) {
				isoDate := style(t, f, &excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")})
				shortDate := style(t, f, &excelize.Style{NumFmt: 14})
				oneDecimal := style(t, f, &excelize.Style{CustomNumFmt: ptr("0.0")})
				fiveDigits := style(t, f, &excelize.Style{CustomNumFmt: ptr("00000")})
				day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
				setRow(t, f, "Sheet1", 1, " email ", "name", "joined", "short", "ratio", "general", "zip", "zip_num", "note")
				setRow(t, f, "Sheet1", 2, "a@example.com", "홍길동", day, day, 0.1+0.2, 0.1+0.2, "01234", 1234)
				setStyle(t, f, "Sheet1", "C2", isoDate)
				setStyle(t, f, "Sheet1", "D2", shortDate)
				setStyle(t, f, "Sheet1", "E2", oneDecimal)
				setStyle(t, f, "Sheet1", "H2", fiveDigits)
			},
			columns: []string{"email", "name", "joined", "short", "ratio", "general", "zip", "zip_num", "note"},
			want: []string{
				"1: email=a@example.com|name=홍길동|joined=2026-11-30|short=2026-11-30|ratio=0.3|general=0.3|zip=01234|zip_num=01234|note=",
			},
		},
		{
			name: "blank rows counted, long row is a row error",
			build: func(t *testing.T, f *excelize.File) {
				setRow(t, f, "Sheet1", 2, "email", "name")
				setRow(t, f, "Sheet1", 3, "a", "A")
				setRow(t, f, "Sheet1", 5, "b", "B", "extra")
				setRow(t, f, "Sheet1", 6, "c")
				setRow(t, f, "Sheet1", 7, "d", "D", "")
			},
			columns: []string{"email", "name"},
			want:    []string{"1: email=a|name=A", "row error: row 3: 3 cells, but the header has 2 columns", "4: email=c|name=", "5: email=d|name=D"},
		},
		{
			name: "second sheet by name",
			build: func(t *testing.T, f *excelize.File) {
				setRow(t, f, "Sheet1", 1, "wrong")
				setRow(t, f, "Sheet1", 2, "x")
				newSheet(t, f, "Data")
				setRow(t, f, "Data", 1, "email")
				setRow(t, f, "Data", 2, "right@example.com")
			},
			opts:    source.Options{Sheet: "data"},
			columns: []string{"email"},
			want:    []string{"1: email=right@example.com"},
		},
		{
			name: "header only",
			build: func(t *testing.T, f *excelize.File) {
				setRow(t, f, "Sheet1", 3, "email", "name")
			},
			columns: []string{"email", "name"},
			want:    []string{"input error: data.xlsx:3: no data rows under the header"},
		},
		{
			name: "unknown sheet",
			build: func(t *testing.T, f *excelize.File) {
				newSheet(t, f, "Data")
			},
			opts:    source.Options{Sheet: "Dat"},
			wantErr: `data.xlsx: no sheet named "Dat"; the workbook has "Sheet1", "Data"`,
		},
		{
			name:    "empty sheet",
			build:   func(t *testing.T, f *excelize.File) {},
			wantErr: `data.xlsx: sheet "Sheet1" is empty: no header row`,
		},
		{
			name: "blank header",
			build: func(t *testing.T, f *excelize.File) {
				setRow(t, f, "Sheet1", 1, "email", "", "name")
			},
			wantErr: `data.xlsx:1: column 2 (B) has no name`,
		},
		{
			name: "duplicate header",
			build: func(t *testing.T, f *excelize.File) {
				setRow(t, f, "Sheet1", 2, "email", "name", "email ")
			},
			wantErr: `data.xlsx:2: column 3 (C) repeats the name "email" of column 1 (A)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeWorkbook(t, tt.build)
			src, err := source.Open(path, tt.opts)
			checkSource(t, src, err, tt.wantErr, tt.columns, tt.want)
		})
	}
}

func TestXLSXSourceNotAWorkbook(t *testing.T) {
	path := writeFile(t, "data.xlsx", "email,name\na,A\n")
	_, err := source.Open(path, source.Options{})
	want := "data.xlsx: not an .xlsx workbook (it is not a zip archive); if it is CSV text, give it the .csv extension"
	if got := inputError(t, err); got != want {
		t.Errorf("error:\n got %s\nwant %s", got, want)
	}
}

// writeWorkbook saves a workbook made by build as data.xlsx (see writeFile)
// and returns its path.
func writeWorkbook(t *testing.T, build func(t *testing.T, f *excelize.File)) string {
	t.Helper()
	path := writeFile(t, "data.xlsx", "")
	f := excelize.NewFile()
	defer f.Close()
	build(t, f)
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// setRow writes values from column A of row on sheet.
func setRow(t *testing.T, f *excelize.File, sheet string, row int, values ...any) {
	t.Helper()
	cell, err := excelize.CoordinatesToCellName(1, row)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow(sheet, cell, &values); err != nil {
		t.Fatal(err)
	}
}

// style registers s and returns its id.
func style(t *testing.T, f *excelize.File, s *excelize.Style) int {
	t.Helper()
	id, err := f.NewStyle(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// setStyle applies the style id to cell.
func setStyle(t *testing.T, f *excelize.File, sheet, cell string, id int) {
	t.Helper()
	if err := f.SetCellStyle(sheet, cell, cell, id); err != nil {
		t.Fatal(err)
	}
}

// newSheet adds a sheet called name.
func newSheet(t *testing.T, f *excelize.File, name string) {
	t.Helper()
	if _, err := f.NewSheet(name); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }
