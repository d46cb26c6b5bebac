package source

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mailrun/mailrun/campaign"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// csvSource streams a CSV or TSV file with encoding/csv. It is not safe for
// concurrent use.
type csvSource struct {
	name   string
	closer io.Closer // nil for stdin, which the source does not own
	r      *csv.Reader
	// checkUTF8 is set when the bytes reach the parser undecoded.
	checkUTF8 bool
	hdr       *header
	// hdrLine is the line of the header row.
	hdrLine int
	// num is the number of the last row read; end is the line it ended on.
	num, end int
	sawRow   bool
	err      error // sticky: returned by every later Next
	closed   bool
}

// Magic numbers of files that are sometimes given a .csv name by mistake.
var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	utf8BOM  = []byte("\xEF\xBB\xBF")
)

// newCSVSource reads the header of the CSV text in in, named name in
// errors, with the delimiter comma unless opts.Delimiter overrides it. The
// source closes closer, if not nil, on Close; newCSVSource does not close
// it on error.
func newCSVSource(name string, in io.Reader, closer io.Closer, comma rune, opts Options) (*csvSource, error) {
	if opts.Delimiter != 0 {
		comma = opts.Delimiter
	}
	if comma == '"' || comma == '\r' || comma == '\n' || comma == utf8.RuneError || !utf8.ValidRune(comma) {
		return nil, &campaign.InputError{File: name, Err: fmt.Errorf("%q cannot be the delimiter", comma)}
	}
	enc, err := lookupEncoding(opts.Encoding)
	if err != nil {
		return nil, &campaign.InputError{File: name, Err: err}
	}
	br := bufio.NewReaderSize(in, 64<<10)
	head, _ := br.Peek(128)
	switch {
	case bytes.HasPrefix(head, zipMagic) && zipKind(head) != nil:
		return nil, &campaign.InputError{File: name, Err: fmt.Errorf("this is %w", zipKind(head))}
	case bytes.HasPrefix(head, zipMagic):
		return nil, &campaign.InputError{File: name, Err: errors.New("this is a zip archive (an .xlsx workbook?), not CSV text: give the file the .xlsx extension")}
	case bytes.HasPrefix(head, oleMagic):
		return nil, &campaign.InputError{File: name, Err: errors.New("this is an old .xls workbook (or an encrypted one), not CSV text: save it as .xlsx or .csv")}
	}
	s := &csvSource{name: name, closer: closer}
	var text io.Reader = br
	switch {
	case enc != nil:
		// A byte order mark still wins: the file says what it is.
		text = transform.NewReader(br, unicode.BOMOverride(enc.NewDecoder()))
	case bytes.HasPrefix(head, utf8BOM):
		br.Discard(len(utf8BOM))
		s.checkUTF8 = true
	case bytes.HasPrefix(head, []byte("\xFF\xFE")), bytes.HasPrefix(head, []byte("\xFE\xFF")):
		// Excel's "Unicode Text" is UTF-16 with a byte order mark.
		text = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	default:
		s.checkUTF8 = true
	}
	s.r = csv.NewReader(newCSVLimiter(text, comma, opts.Limits))
	s.r.Comma = comma
	s.r.FieldsPerRecord = -1
	s.r.ReuseRecord = true
	if err := s.readHeader(opts.Delimiter == 0); err != nil {
		return nil, err
	}
	return s, nil
}

// readHeader reads records up to the first non-blank one and makes it the
// header. When guessed is set (the delimiter came from the extension), a
// header of one column whose name holds another usual delimiter is refused
// with a *DelimiterError.
func (s *csvSource) readHeader(guessed bool) error {
	for {
		rec, err := s.r.Read()
		if err == io.EOF {
			return &campaign.InputError{File: s.name, Err: errEmpty}
		}
		if err != nil {
			var (
				pe *csv.ParseError
				fo *fieldOverflow
			)
			switch {
			case errors.As(err, &pe):
				return &campaign.InputError{File: s.name, Line: pe.Line, Err: fmt.Errorf("header: bad quoting (byte %d): "+
					"quote whole fields and double the quotes inside them", pe.Column)}
			case errors.As(err, &fo):
				return &campaign.InputError{File: s.name, Line: fo.start, Err: fmt.Errorf("header, column %s: %w", columnLabel(fo.field), &fo.LimitError)}
			}
			return &campaign.InputError{File: s.name, Err: fmt.Errorf("cannot read: %w", err)}
		}
		start, end := s.span(rec)
		if lastNonBlank(rec) < 0 {
			s.end = end
			continue
		}
		if err := s.checkText(rec, 0); err != nil {
			return err
		}
		if s.hdr, err = newHeader(rec); err != nil {
			return &campaign.InputError{File: s.name, Line: start, Err: err}
		}
		if cols := s.hdr.columns; guessed && len(cols) == 1 {
			if i := strings.IndexAny(cols[0], ";\t|"); i >= 0 {
				return &campaign.InputError{File: s.name, Line: start, Err: &DelimiterError{Header: cols[0], Guess: rune(cols[0][i])}}
			}
		}
		s.hdrLine, s.end = start, end
		return nil
	}
}

// Columns returns a copy of the header's column names, in file order.
func (s *csvSource) Columns() []string { return slices.Clone(s.hdr.columns) }

// Next returns the next non-blank row (see Open for the errors).
func (s *csvSource) Next() (campaign.Row, error) {
	if s.closed {
		return campaign.Row{}, errClosed
	}
	if s.err != nil {
		return campaign.Row{}, s.err
	}
	for {
		rec, err := s.r.Read()
		if err != nil {
			return campaign.Row{}, s.readError(err)
		}
		start, end := s.span(rec)
		num := s.advance(start, end)
		if lastNonBlank(rec) < 0 {
			continue
		}
		s.sawRow = true
		if err := s.checkText(rec, num); err != nil {
			return campaign.Row{}, err
		}
		return s.hdr.row(num, rec)
	}
}

// readError turns an error of csv.Reader.Read into Next's error, and
// remembers it unless it is confined to one row.
func (s *csvSource) readError(err error) error {
	var (
		pe *csv.ParseError
		fo *fieldOverflow
	)
	switch {
	case errors.As(err, &fo):
		num := s.advance(fo.start, fo.end)
		s.sawRow = true
		re := &campaign.RowError{Row: num, Err: &fo.LimitError}
		if fo.Kind == campaign.LimitFieldSize {
			re.Column = columnLabel(fo.field)
			if fo.field < len(s.hdr.columns) {
				re.Column = s.hdr.columns[fo.field]
			}
		}
		return re
	case err == io.EOF && !s.sawRow:
		s.err = &campaign.InputError{File: s.name, Line: s.hdrLine, Err: errNoData}
	case err == io.EOF:
		s.err = io.EOF
	case errors.As(err, &pe):
		num := s.advance(pe.StartLine, pe.Line)
		s.sawRow = true
		if errors.Is(pe.Err, csv.ErrBareQuote) {
			// The parser dropped the rest of the line and goes on with
			// the next one, so only this row is lost.
			return &campaign.RowError{Row: num, Err: fmt.Errorf("stray quote in an unquoted field (line %d, byte %d): "+
				"quote the whole field and double the quotes inside it", pe.Line, pe.Column)}
		}
		s.err = &campaign.InputError{File: s.name, Line: pe.Line, Err: fmt.Errorf("row %d: a quoted field does not end "+
			"properly (byte %d): a quote inside quotes must be doubled, and the closing quote must come last", num, pe.Column)}
	default:
		s.err = &campaign.InputError{File: s.name, Err: fmt.Errorf("cannot read: %w", err)}
	}
	return s.err
}

// span returns the lines on which the record rec starts and ends.
func (s *csvSource) span(rec []string) (start, end int) {
	start, _ = s.r.FieldPos(0)
	last := len(rec) - 1
	end, _ = s.r.FieldPos(last)
	return start, end + strings.Count(rec[last], "\n")
}

// advance counts the record from line start to line end, and the blank
// lines before it, and returns its row number.
func (s *csvSource) advance(start, end int) int {
	if blank := start - s.end - 1; blank > 0 {
		s.num += blank
	}
	s.num++
	if end > s.end {
		s.end = end
	}
	return s.num
}

// checkText rejects a record that is not valid UTF-8 when the file is read
// undecoded. num is the record's row number, 0 for the header.
func (s *csvSource) checkText(rec []string, num int) error {
	if !s.checkUTF8 {
		return nil
	}
	for i, f := range rec {
		if utf8.ValidString(f) {
			continue
		}
		line, _ := s.r.FieldPos(i)
		where := "header"
		if num > 0 {
			where = "row " + strconv.Itoa(num)
		}
		if s.hdr != nil && i < len(s.hdr.columns) {
			where += fmt.Sprintf(", column %q", s.hdr.columns[i])
		} else {
			where += ", column " + columnLabel(i)
		}
		s.err = &campaign.InputError{File: s.name, Line: line, Err: &EncodingError{Where: where}}
		return s.err
	}
	return nil
}

// Close releases the file; it is safe to call more than once.
func (s *csvSource) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}
