package source_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/source"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

func TestCSVSource(t *testing.T) {
	tests := []struct {
		name    string
		file    string // file name, "-" for stdin
		data    string
		opts    source.Options
		columns []string
		// want lists what Next returns, in order: a row as "N: col=val|...",
		// an error as "row error: ..." or "input error: ...". The list
		// ends at io.EOF or at an input error.
		want    []string
		wantErr string // the error of OpenSource
	}{
		{
			name:    "plain with CRLF",
			file:    "data.csv",
			data:    "email,name\r\na@example.com,Ann\r\nb@example.com,Bob\r\n",
			columns: []string{"email", "name"},
			want:    []string{"1: email=a@example.com|name=Ann", "2: email=b@example.com|name=Bob"},
		},
		{
			name:    "longer row is a row error, the next rows still come",
			file:    "data.csv",
			data:    "email,name\na,A\nb,B,extra,more\nc,C\n",
			columns: []string{"email", "name"},
			want:    []string{"1: email=a|name=A", "row error: row 2: 4 cells, but the header has 2 columns", "3: email=c|name=C"},
		},
		{
			name:    "shorter row gets empty fields",
			file:    "data.csv",
			data:    "email,name,city\na\nb,B,Seoul\n",
			columns: []string{"email", "name", "city"},
			want:    []string{"1: email=a|name=|city=", "2: email=b|name=B|city=Seoul"},
		},
		{
			name:    "empty cells past the header are ignored",
			file:    "data.csv",
			data:    "email,name,,\na,A,,\nb,B, ,\n",
			columns: []string{"email", "name"},
			want:    []string{"1: email=a|name=A", "2: email=b|name=B"},
		},
		{
			name:    "blank rows are skipped but counted",
			file:    "data.csv",
			data:    "\nemail\n\na\n,\n\nb\n   \nc",
			columns: []string{"email"},
			want:    []string{"2: email=a", "5: email=b", "7: email=c"},
		},
		{
			name:    "newlines inside quoted fields",
			file:    "data.csv",
			data:    "email,note\na,\"one\r\ntwo, \"\"three\"\"\"\n\nb,\"x\n\ny\"\nc,z\n",
			columns: []string{"email", "note"},
			want:    []string{"1: email=a|note=one\ntwo, \"three\"", "3: email=b|note=x\n\ny", "4: email=c|note=z"},
		},
		{
			name:    "BOM stripped and names trimmed",
			file:    "data.csv",
			data:    "\xEF\xBB\xBF email ,\tname\na,A\n",
			columns: []string{"email", "name"},
			want:    []string{"1: email=a|name=A"},
		},
		{
			name:    "TSV",
			file:    "data.TSV",
			data:    "email\tname\na\tKim, Ann\n",
			columns: []string{"email", "name"},
			want:    []string{"1: email=a|name=Kim, Ann"},
		},
		{
			name:    "delimiter override",
			file:    "data.csv",
			data:    "email;name\na;Kim, Ann\n",
			opts:    source.Options{Delimiter: ';'},
			columns: []string{"email", "name"},
			want:    []string{"1: email=a|name=Kim, Ann"},
		},
		{
			name:    "other extension is CSV",
			file:    "data.txt",
			data:    "email\na\n",
			columns: []string{"email"},
			want:    []string{"1: email=a"},
		},
		{
			name:    "stdin",
			file:    "-",
			data:    "email,name\na,A\n",
			columns: []string{"email", "name"},
			want:    []string{"1: email=a|name=A"},
		},
		{
			name:    "stray quote is a row error",
			file:    "data.csv",
			data:    "email,name\na,Bob \"the builder\"\nb,B\n",
			columns: []string{"email", "name"},
			want: []string{
				"row error: row 1: stray quote in an unquoted field (line 2, byte 7): quote the whole field and double the quotes inside it",
				"2: email=b|name=B",
			},
		},
		{
			name:    "broken quoting stops the source",
			file:    "data.csv",
			data:    "email,name\na,A\nb,\"B\"x\nc,C\n",
			columns: []string{"email", "name"},
			want: []string{"1: email=a|name=A", "input error: data.csv:3: row 2: a quoted field does not end properly (byte 5): " +
				"a quote inside quotes must be doubled, and the closing quote must come last"},
		},
		{
			name:    "header only",
			file:    "data.csv",
			data:    "\nemail,name\n\n,\n",
			columns: []string{"email", "name"},
			want:    []string{"input error: data.csv:2: no data rows under the header"},
		},
		{
			name:    "CP949 without --encoding",
			file:    "data.csv",
			data:    "email,name\na,A\n" + eucKR("b,홍길동\n") + "c,C\n",
			columns: []string{"email", "name"},
			want:    []string{"1: email=a|name=A", `input error: data.csv:3: the file is not UTF-8 (row 2, column "name")`},
		},
		{
			name:    "CP949 decoded",
			file:    "data.csv",
			data:    eucKR("이메일,이름\na,홍길동\n"),
			opts:    source.Options{Encoding: "CP949"},
			columns: []string{"이메일", "이름"},
			want:    []string{"1: 이메일=a|이름=홍길동"},
		},
		{
			name:    "UTF-16 with BOM",
			file:    "data.txt",
			data:    utf16LE("email\tname\r\na\t홍길동\r\n"),
			opts:    source.Options{Delimiter: '\t'},
			columns: []string{"email", "name"},
			want:    []string{"1: email=a|name=홍길동"},
		},
		{
			name:    "duplicate header",
			file:    "data.csv",
			data:    "email,name,email\na,A,b\n",
			wantErr: `data.csv:1: column 3 (C) repeats the name "email" of column 1 (A)`,
		},
		{
			name:    "blank header",
			file:    "data.csv",
			data:    "email, ,name\na,A,b\n",
			wantErr: `data.csv:1: column 2 (B) has no name`,
		},
		{
			name:    "CP949 header without --encoding",
			file:    "data.csv",
			data:    eucKR("이메일\na\n"),
			wantErr: `data.csv:1: the file is not UTF-8 (header, column 1 (A))`,
		},
		{
			name:    "semicolons without --delimiter",
			file:    "data.csv",
			data:    "email;name\na;A\n",
			wantErr: `data.csv:1: the header has one column, "email;name": ';' probably separates the fields`,
		},
		{
			name:    "old Mac line endings",
			file:    "data.csv",
			data:    "email,name\ra,A\rb,B\r",
			wantErr: `data.csv:1: the name of column 2 (B) spans lines ("name\ra"); if the lines of the file end in a bare CR (old Mac Excel), save it again as "CSV UTF-8"`,
		},
		{
			name:    "bad quoting in the header",
			file:    "data.csv",
			data:    "email,\"name\"x\na,A\n",
			wantErr: `data.csv:1: header: bad quoting (byte 12): quote whole fields and double the quotes inside them`,
		},
		{
			name:    "empty file",
			file:    "data.csv",
			data:    "",
			wantErr: "data.csv: the file is empty: no header row",
		},
		{
			name:    "blank lines only",
			file:    "data.csv",
			data:    "\n\r\n,,\n",
			wantErr: "data.csv: the file is empty: no header row",
		},
		{
			name:    "unknown encoding",
			file:    "data.csv",
			data:    "email\na\n",
			opts:    source.Options{Encoding: "klingon"},
			wantErr: `data.csv: unknown encoding "klingon" (valid names include cp949, euc-kr, shift_jis, gbk, big5, latin1, windows-1252, utf-16)`,
		},
		{
			name:    "bad delimiter",
			file:    "data.csv",
			data:    "email\na\n",
			opts:    source.Options{Delimiter: '"'},
			wantErr: `data.csv: '"' cannot be the delimiter`,
		},
		{
			name:    "workbook named .csv",
			file:    "data.csv",
			data:    "PK\x03\x04rest of a zip",
			wantErr: "data.csv: this is a zip archive (an .xlsx workbook?), not CSV text: give the file the .xlsx extension",
		},
		{
			name:    "old xls",
			file:    "data.xls",
			data:    "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
			wantErr: "data.xls: old .xls workbooks cannot be read: save the sheet as .xlsx or .csv",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var src campaign.Source
			var err error
			if tt.file == "-" {
				src, err = source.Open("-", source.Options{Stdin: strings.NewReader(tt.data)})
			} else {
				src, err = source.Open(writeFile(t, tt.file, tt.data), tt.opts)
			}
			checkSource(t, src, err, tt.wantErr, tt.columns, tt.want)
		})
	}
}

// checkSource checks what OpenSource returned: the error wantErr, or a
// source with the columns that yields want (in the notation of
// TestCSVSource) and closes without error.
func checkSource(t *testing.T, src campaign.Source, err error, wantErr string, columns, want []string) {
	t.Helper()
	if wantErr != "" {
		if got := inputError(t, err); got != wantErr {
			t.Fatalf("OpenSource error:\n got %s\nwant %s", got, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("OpenSource: %v", err)
	}
	defer src.Close()
	if got := src.Columns(); !reflect.DeepEqual(got, columns) {
		t.Errorf("Columns() = %q, want %q", got, columns)
	}
	if got := readAll(t, src); !reflect.DeepEqual(got, want) {
		t.Errorf("Next results:\n got %q\nwant %q", got, want)
	}
	if err := src.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestSourceEncodings(t *testing.T) {
	tests := []struct {
		encoding string
		enc      encoding.Encoding
		name     string
	}{
		{"cp949", korean.EUCKR, "홍길동"},
		{"EUC-KR", korean.EUCKR, "홍길동"},
		{"latin1", charmap.Windows1252, "José Müller"},
		{"windows-1252", charmap.Windows1252, "José Müller"},
		{"shift_jis", japanese.ShiftJIS, "山田太郎"},
		{"cp932", japanese.ShiftJIS, "山田太郎"},
		{"gbk", simplifiedchinese.GBK, "王小明"},
		{"utf-8", unicode.UTF8, "홍길동"},
	}
	for _, tt := range tests {
		t.Run(tt.encoding, func(t *testing.T) {
			data, err := tt.enc.NewEncoder().String("email,name\na@example.com," + tt.name + "\n")
			if err != nil {
				t.Fatal(err)
			}
			src, err := source.Open(writeFile(t, "data.csv", data), source.Options{Encoding: tt.encoding})
			checkSource(t, src, err, "", []string{"email", "name"}, []string{"1: email=a@example.com|name=" + tt.name})
		})
	}
}

func TestOpenSourceMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.csv")
	_, err := source.Open(path, source.Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("error %v does not wrap os.ErrNotExist", err)
	}
	if want := path + ": cannot open: no such file or directory"; inputError(t, err) != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestSourceClose(t *testing.T) {
	src, err := source.Open(writeFile(t, "data.csv", "email\na\n"), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := src.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := src.Next(); err == nil || err == io.EOF {
		t.Fatalf("Next after Close = %v, want an error", err)
	}
}

// writeFile writes data to a new file called name and returns its path.
// The working directory is changed to the file's folder so that errors,
// which name the file as given, can be compared as written.
func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// readAll calls Next until io.EOF or an error other than a *campaign.RowError, and
// returns the results in the notation of TestCSVSource.
func readAll(t *testing.T, src campaign.Source) []string {
	t.Helper()
	var got []string
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("Next does not end")
		}
		row, err := src.Next()
		if err == io.EOF {
			return got
		}
		var re *campaign.RowError
		if errors.As(err, &re) {
			got = append(got, "row error: "+err.Error())
			continue
		}
		if err != nil {
			got = append(got, "input error: "+inputError(t, err))
			return got
		}
		got = append(got, formatRow(src.Columns(), row))
	}
}

// inputError returns the message of err, failing the test if err is not an
// *campaign.InputError.
func inputError(t *testing.T, err error) string {
	t.Helper()
	var ie *campaign.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *campaign.InputError", err, err)
	}
	return err.Error()
}

// formatRow renders row as "N: col=val|col=val", failing the test if its
// fields are not exactly the columns.
func formatRow(columns []string, row campaign.Row) string {
	parts := make([]string, 0, len(columns))
	for _, c := range columns {
		v, ok := row.Fields[c]
		if !ok {
			v = "<missing>"
		}
		parts = append(parts, c+"="+v)
	}
	if len(row.Fields) != len(columns) {
		parts = append(parts, "<extra fields>")
	}
	return strconv.Itoa(row.Num) + ": " + strings.Join(parts, "|")
}

// eucKR encodes s as Korean Excel saves CSV files.
func eucKR(s string) string {
	b, err := korean.EUCKR.NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return b
}

// utf16LE encodes s as Excel's "Unicode Text": UTF-16LE with a BOM.
func utf16LE(s string) string {
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkCSVSource reads a 10,000-row, 6-column CSV file through
// OpenSource and Next, and reports rows per second.
func BenchmarkCSVSource(b *testing.B) {
	const rows = 10000
	var sb strings.Builder
	sb.WriteString("email,name,id,city,phone,amount\n")
	for i := range rows {
		n := strconv.Itoa(i)
		sb.WriteString("user" + n + "@example.com,\"Kim, Min-" + n + "\"," + n + ",Seoul,010-1234-" + n + "," + n + ".50\n")
	}
	path := filepath.Join(b.TempDir(), "data.csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(sb.Len()))
	b.ReportAllocs()
	for b.Loop() {
		src, err := source.Open(path, source.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := src.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		src.Close()
		if n != rows {
			b.Fatalf("read %d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
