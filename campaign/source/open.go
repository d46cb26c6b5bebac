package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mailrun/mailrun/campaign"
)

// Options tunes Open. The zero value reads a CSV, TSV or XLSX
// file with the settings its extension implies.
type Options struct {
	// Sheet names the XLSX sheet to read (matched case-insensitively, as
	// spreadsheet applications do); "" means the first sheet. Open refuses
	// it for CSV and TSV.
	Sheet string
	// Delimiter, when not 0, overrides the field delimiter of a CSV or TSV
	// file (',' for .csv and stdin, '\t' for .tsv). It may not be a quote,
	// CR, LF or an invalid rune. It is ignored for XLSX.
	Delimiter rune
	// Encoding names the character encoding of a CSV or TSV file, for
	// example "cp949" (Korean Excel), "shift_jis", "latin1" or
	// "windows-1252". "" means UTF-8 (a UTF-8 byte order mark is skipped,
	// a UTF-16 one switches to UTF-16). It is ignored for XLSX, which is
	// always Unicode.
	Encoding string
	// Stdin is read when the path is "-". Nil means os.Stdin.
	Stdin io.Reader
	// Limits bounds fields, rows and workbook parts (zero: the defaults).
	Limits Limits
	// TempDir, called only when a workbook is opened, returns where its
	// large parts are unzipped, in a folder of their own that Close
	// removes; nil (or "") means os.TempDir().
	TempDir func() string
}

// stdinName is the file name errors give for the path "-".
const stdinName = "stdin"

// Open opens the recipient data at path and reads its header row.
//
// The format follows the extension, case-insensitively: ".xlsx" and ".xlsm"
// are read as workbooks; ".tsv" as tab-separated text; ".csv" and any other
// extension as comma-separated text (RFC 4180: quoted fields may hold the
// delimiter, doubled quotes and line breaks); path "-" reads CSV from
// opts.Stdin. An old ".xls" workbook, an OpenDocument (".ods", ".fods") or
// Apple Numbers (".numbers") file is refused with an *campaign.InputError
// that says how to save it as .xlsx or .csv; so is opts.Sheet for a CSV or
// TSV file, which has no sheets.
//
// The header is the first non-blank row. Its names are trimmed of
// surrounding spaces; trailing columns without a name are dropped, while a
// column without a name before a named one, a name that repeats, or a name
// with a line break in it (the sign of a file whose lines end in a bare CR)
// is a *campaign.InputError naming the column. A CSV header of a single
// column whose name holds ';', a tab or '|' is refused, unless
// opts.Delimiter was given, with a *DelimiterError (Excel in many European
// locales separates fields with ';'). Every error Open returns is a
// *campaign.InputError: missing file, empty file ("no header row"), a file
// that is not what its extension says, text that is not UTF-8 when
// opts.Encoding is empty (wrapping an *EncodingError), an unknown encoding
// or sheet (the message lists valid ones).
//
// The returned Source streams the rows: memory does not grow with their
// number. Beyond the Source interface's contract:
//   - Row.Num counts rows the way a spreadsheet shows them: the row right
//     under the header is 1, and blank rows (no cell, or only empty cells)
//     are skipped but counted. A CSV record that spans several lines (line
//     breaks inside quotes) is one row.
//   - A row with more non-blank cells than the header has columns is a
//     *campaign.RowError ("row 7: 5 cells, but the header has 4 columns"); so is a
//     CSV field with a stray quote in it, and a CSV row over opts.Limits
//     (wrapping a *campaign.LimitError, naming the column when one field is at
//     fault), which is dropped before it is held in memory. Next may be
//     called again after any of them. Blank cells past the last column are ignored, and a row with
//     fewer cells gets "" for the missing columns.
//   - If the header has no data row under it, the first Next returns an
//     *campaign.InputError ("no data rows under the header") instead of io.EOF.
//   - Any other error from Next is an *campaign.InputError (for example CSV text
//     that is not UTF-8, or quoting that cannot be parsed), after which Next
//     keeps returning it.
//   - Close may be called more than once; it does not close opts.Stdin.
func Open(path string, opts Options) (campaign.Source, error) {
	if path == "-" {
		if opts.Sheet != "" {
			return nil, &campaign.InputError{File: stdinName, Err: fmt.Errorf("a sheet (%q) was asked for, but stdin is read as CSV, which has no sheets", opts.Sheet)}
		}
		in := opts.Stdin
		if in == nil {
			in = os.Stdin
		}
		return newCSVSource(stdinName, in, nil, ',', opts)
	}
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".xlsx", ".xlsm":
		return openXLSXSource(path, opts)
	case ".xls":
		return nil, &campaign.InputError{File: path, Err: errors.New("old .xls workbooks cannot be read: save the sheet as .xlsx or .csv")}
	case ".ods", ".fods":
		return nil, &campaign.InputError{File: path, Err: errODS}
	case ".numbers":
		return nil, &campaign.InputError{File: path, Err: errNumbers}
	}
	if opts.Sheet != "" {
		return nil, &campaign.InputError{File: path, Err: fmt.Errorf("a sheet (%q) was asked for, but this is a CSV file, which has no sheets", opts.Sheet)}
	}
	comma := ','
	if ext == ".tsv" {
		comma = '\t'
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	src, err := newCSVSource(path, f, f, comma, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	return src, nil
}

// openError turns a failure to open path into an *campaign.InputError that does not
// repeat the path.
func openError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &campaign.InputError{File: path, Err: fmt.Errorf("cannot open: %w", err)}
}

// header holds the checked column names of a source and turns cells into
// rows.
type header struct {
	columns []string
}

// newHeader checks the cells of a header row and returns its columns. Names
// are trimmed; trailing nameless columns are dropped. A nameless column
// before a named one, or a repeated name, is an error naming the column.
func newHeader(cells []string) (*header, error) {
	n := lastNonBlank(cells) + 1
	cols := make([]string, n)
	seen := make(map[string]int, n)
	for i, c := range cells[:n] {
		name := strings.TrimSpace(c)
		if name == "" {
			return nil, fmt.Errorf("column %s has no name", columnLabel(i))
		}
		if strings.ContainsAny(name, "\r\n") {
			return nil, fmt.Errorf("the name of column %s spans lines (%q); if the lines of the file end in "+
				"a bare CR (old Mac Excel), save it again as \"CSV UTF-8\"", columnLabel(i), name)
		}
		if j, dup := seen[name]; dup {
			return nil, fmt.Errorf("column %s repeats the name %q of column %s", columnLabel(i), name, columnLabel(j))
		}
		seen[name] = i
		cols[i] = name
	}
	return &header{columns: cols}, nil
}

// row builds the row numbered num from its cells, which it does not keep.
// More non-blank cells than columns is a *campaign.RowError; missing cells are "".
func (h *header) row(num int, cells []string) (campaign.Row, error) {
	n := len(cells)
	if n > len(h.columns) {
		n = lastNonBlank(cells) + 1
		if n > len(h.columns) {
			return campaign.Row{}, &campaign.RowError{Row: num, Err: fmt.Errorf("%d cells, but the header has %d columns", n, len(h.columns))}
		}
	}
	fields := make(map[string]string, len(h.columns))
	for i, name := range h.columns {
		if i < n {
			fields[name] = cells[i]
		} else {
			fields[name] = ""
		}
	}
	return campaign.Row{Num: num, Fields: fields}, nil
}

// lastNonBlank returns the index of the last cell that is not empty or
// spaces only, or -1.
func lastNonBlank(cells []string) int {
	for i := len(cells) - 1; i >= 0; i-- {
		if strings.TrimSpace(cells[i]) != "" {
			return i
		}
	}
	return -1
}

// columnLabel names the column at index i both ways an operator may count:
// "3 (C)".
func columnLabel(i int) string {
	n := i + 1
	letters := ""
	for k := n; k > 0; k = (k - 1) / 26 {
		letters = string(rune('A'+(k-1)%26)) + letters
	}
	return strconv.Itoa(n) + " (" + letters + ")"
}

// The errors of spreadsheets that only their own programs read.
var (
	errODS = errors.New("an OpenDocument spreadsheet (LibreOffice, OpenOffice), which mailrun cannot read: " +
		"save the sheet as Excel 2007-365 (.xlsx) or as Text CSV with the UTF-8 character set")
	errNumbers = errors.New("an Apple Numbers file, which mailrun cannot read: export it with File > Export To > Excel (.xlsx) or CSV (UTF-8)")
)

// zipKind tells, from the first bytes of a zip archive (its first local
// file header), an OpenDocument file (its first entry is "mimetype", stored,
// naming the type) from other archives.
func zipKind(head []byte) error {
	const nameAt = 30
	if len(head) < nameAt+8 || string(head[nameAt:nameAt+8]) != "mimetype" {
		return nil
	}
	if bytes.Contains(head[nameAt:], []byte("application/vnd.oasis.opendocument")) {
		return errODS
	}
	return nil
}

// errNoData is the error of a header without data rows.
var errNoData = errors.New("no data rows under the header")

// errEmpty is the error of a file without a header row.
var errEmpty = errors.New("the file is empty: no header row")

// errClosed is returned by Next after Close.
var errClosed = errors.New("campaign: source is closed")
