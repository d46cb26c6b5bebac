package source

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/mailrun/mailrun/campaign"
	"github.com/xuri/excelize/v2"
)

// xlsxOptions opens workbooks for streaming. A worksheet or shared-strings
// part larger than UnzipXMLSizeLimit is unzipped to a temporary file instead
// of memory: a worksheet is then read as it goes, and a shared-strings
// table costs an index of about 48 bytes a string instead of its decoded
// form (some forty times its size). Dates whose format follows the system's
// short date (Excel's built-in format 14, shown as "m/d/yyyy" or
// "yyyy-mm-dd" depending on the locale) are shown as ISO dates.
var xlsxOptions = excelize.Options{
	UnzipXMLSizeLimit: 256 << 10,
	ShortDatePattern:  "yyyy-mm-dd",
}

// xlsxSource streams one sheet of a workbook with excelize's row iterator.
// It is not safe for concurrent use.
type xlsxSource struct {
	name   string
	tmp    string // the folder of the workbook's temporary files
	f      *excelize.File
	rows   *excelize.Rows
	hdr    *header
	hdrRow int // the sheet row number of the header
	row    int // the sheet row number of the last row read
	sawRow bool
	err    error // sticky: returned by every later Next
	closed bool
}

// openXLSXSource checks the workbook at path against opts.Limits (see
// checkWorkbook), opens it with its temporary files in a folder of their
// own, selects the sheet opts.Sheet (default the first) and reads its
// header.
func openXLSXSource(path string, opts Options) (*xlsxSource, error) {
	if fi, err := os.Stat(path); err != nil {
		return nil, openError(path, err)
	} else if !fi.Mode().IsRegular() {
		return nil, &campaign.InputError{File: path, Err: errors.New("not a regular file: a workbook is read at random places, " +
			"which a named pipe or a device does not allow; copy it to a file first, or give CSV")}
	}
	lim := opts.Limits.withDefaults()
	if err := checkWorkbook(path, lim); err != nil {
		return nil, err
	}
	parent := ""
	if opts.TempDir != nil {
		parent = opts.TempDir()
	}
	tmp, err := os.MkdirTemp(parent, "mailrun-xlsx-")
	if err != nil {
		return nil, &campaign.InputError{File: path, Err: fmt.Errorf("cannot make a folder for temporary files: %w", err)}
	}
	xo := xlsxOptions
	xo.TmpDir, xo.UnzipSizeLimit = tmp, 4*lim.XLSXPart
	f, err := excelize.OpenFile(path, xo)
	if err != nil {
		if f != nil {
			f.Close()
		}
		os.RemoveAll(tmp)
		return nil, workbookError(path, err)
	}
	s := &xlsxSource{name: path, f: f, tmp: tmp}
	if err := s.open(opts.Sheet); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// workbookError explains why excelize could not open path.
func workbookError(path string, err error) error {
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		return openError(path, err)
	case fileZipKind(path) != nil:
		err = fmt.Errorf("not an .xlsx workbook but %w", fileZipKind(path))
	case errors.Is(err, zip.ErrFormat):
		err = errors.New("not an .xlsx workbook (it is not a zip archive); if it is CSV text, give it the .csv extension")
	case errors.Is(err, excelize.ErrWorkbookFileFormat):
		err = errors.New("not an .xlsx workbook: an old .xls workbook or an encrypted one; save it as .xlsx without a password, or as .csv")
	default:
		err = fmt.Errorf("not a readable .xlsx workbook: %w", err)
	}
	return &campaign.InputError{File: path, Err: err}
}

// fileZipKind is zipKind of the file at path, nil when it cannot be read.
func fileZipKind(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head := make([]byte, 128)
	n, _ := io.ReadFull(f, head)
	return zipKind(head[:n])
}

// open selects the sheet and reads the header row: the first non-blank
// row.
func (s *xlsxSource) open(sheet string) error {
	sheets := s.f.GetSheetList()
	if len(sheets) == 0 {
		return &campaign.InputError{File: s.name, Err: errors.New("the workbook has no sheets")}
	}
	name := sheets[0]
	if sheet != "" {
		name = ""
		for _, n := range sheets {
			if strings.EqualFold(n, sheet) {
				name = n
				break
			}
		}
		if name == "" {
			quoted := make([]string, len(sheets))
			for i, n := range sheets {
				quoted[i] = strconv.Quote(n)
			}
			return &campaign.InputError{File: s.name, Err: fmt.Errorf("no sheet named %q; the workbook has %s", sheet, strings.Join(quoted, ", "))}
		}
	}
	rows, err := s.f.Rows(name)
	if err != nil {
		return &campaign.InputError{File: s.name, Err: fmt.Errorf("sheet %q: %w", name, err)}
	}
	s.rows = rows
	for {
		cells, err := s.next()
		if err != nil {
			return err
		}
		if cells == nil {
			return &campaign.InputError{File: s.name, Err: fmt.Errorf("sheet %q is empty: no header row", name)}
		}
		if lastNonBlank(cells) < 0 {
			continue
		}
		if s.hdr, err = newHeader(cells); err != nil {
			return &campaign.InputError{File: s.name, Line: s.row, Err: err}
		}
		s.hdrRow = s.row
		return nil
	}
}

// next advances to the next sheet row and returns its cells, nil at the end
// of the sheet. A row without cells is returned as an empty, non-nil slice.
func (s *xlsxSource) next() ([]string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, &campaign.InputError{File: s.name, Line: s.row + 1, Err: fmt.Errorf("cannot read: %w", err)}
		}
		return nil, nil
	}
	s.row++
	cells, err := s.rows.Columns()
	if err != nil {
		return nil, &campaign.InputError{File: s.name, Line: s.row, Err: fmt.Errorf("cannot read: %w", err)}
	}
	if cells == nil {
		cells = []string{}
	}
	return cells, nil
}

// Columns returns a copy of the header's column names, in sheet order.
func (s *xlsxSource) Columns() []string { return slices.Clone(s.hdr.columns) }

// Next returns the next non-blank row (see Open for the errors).
func (s *xlsxSource) Next() (campaign.Row, error) {
	if s.closed {
		return campaign.Row{}, errClosed
	}
	if s.err != nil {
		return campaign.Row{}, s.err
	}
	for {
		cells, err := s.next()
		if err != nil {
			s.err = err
			return campaign.Row{}, err
		}
		if cells == nil {
			if !s.sawRow {
				s.err = &campaign.InputError{File: s.name, Line: s.hdrRow, Err: errNoData}
			} else {
				s.err = io.EOF
			}
			return campaign.Row{}, s.err
		}
		if lastNonBlank(cells) < 0 {
			continue
		}
		s.sawRow = true
		return s.hdr.row(s.row-s.hdrRow, cells)
	}
}

// Close releases the sheet iterator and the workbook's temporary files; it
// is safe to call more than once.
func (s *xlsxSource) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.rows != nil {
		err = s.rows.Close()
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if rerr := os.RemoveAll(s.tmp); err == nil {
		err = rerr
	}
	return err
}
