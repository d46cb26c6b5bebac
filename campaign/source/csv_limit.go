package source

import (
	"bytes"
	"io"
	"unicode/utf8"

	"github.com/mailrun/mailrun/campaign"
)

// csvLimiter passes CSV text on to encoding/csv while following its fields
// the way encoding/csv splits them (a field that starts with a quote runs
// to the quote that a delimiter or a line break follows; a quote elsewhere
// is text), so that a field, a row or a row's cells over the Limits is
// stopped before the parser holds it: the parser buffers a whole record,
// and a 200 MB field cost gigabytes.
//
// When a record goes over a limit, the limiter drops the rest of it, then
// returns a *fieldOverflow once, then passes a line break for each line it
// dropped after the one the parser was reading (so that the parser's line
// numbers stay true; it skips empty lines), then the records that follow.
type csvLimiter struct {
	r     io.Reader
	lim   Limits
	delim []byte

	line       int // the line of the next byte (1-based)
	recStart   int // the line the current record started on; 0 between records
	field      int // index of the current field
	fieldBytes int64
	rowBytes   int64
	fieldStart bool // the next byte starts a field
	quoted     bool // inside a quoted field
	quote      bool // a quote was just seen inside a quoted field
	matched    int  // bytes of the delimiter matched so far

	over     *fieldOverflow // the record over a limit, while its rest is dropped
	failed   error          // returned by the next Read
	newlines int            // line breaks still to pass
	stash    []byte         // bytes read but not yet passed on
	eof      bool           // r has returned io.EOF
}

// fieldOverflow is the error a csvLimiter returns for a record over a
// limit: the limit, the field (for a field's size) and the record's lines.
type fieldOverflow struct {
	campaign.LimitError
	field      int
	start, end int
}

func newCSVLimiter(r io.Reader, comma rune, lim Limits) *csvLimiter {
	return &csvLimiter{r: r, lim: lim.withDefaults(), delim: utf8.AppendRune(nil, comma), line: 1, fieldStart: true}
}

// Read implements io.Reader (see csvLimiter).
func (l *csvLimiter) Read(p []byte) (int, error) {
	for {
		switch {
		case l.failed != nil:
			err := l.failed
			l.failed = nil
			return 0, err
		case l.newlines > 0:
			n := min(l.newlines, len(p))
			for i := range n {
				p[i] = '\n'
			}
			l.newlines -= n
			return n, nil
		}
		n, err := l.fill(p)
		if l.over == nil {
			i := l.scan(p[:n])
			if l.over == nil {
				return n, err
			}
			l.unread(p[i+1 : n]) // byte i, already followed, is dropped
			if i > 0 {
				return i, nil
			}
			continue
		}
		if j := l.drop(p[:n]); j >= 0 {
			l.unread(p[j:n])
		} else if err == nil {
			continue
		} else {
			l.over.end, l.newlines = l.line, 0 // the data ended inside the record
		}
		l.failed, l.over = l.over, nil
	}
}

// fill reads into p from the stash, else from r.
func (l *csvLimiter) fill(p []byte) (int, error) {
	if len(l.stash) > 0 {
		n := copy(p, l.stash)
		l.stash = l.stash[n:]
		return n, nil
	}
	if l.eof {
		return 0, io.EOF
	}
	n, err := l.r.Read(p)
	if err == io.EOF {
		l.eof = true
	}
	return n, err
}

// unread puts b back in front of the stash.
func (l *csvLimiter) unread(b []byte) {
	if len(b) > 0 {
		l.stash = append(bytes.Clone(b), l.stash...)
	}
}

// What a byte of CSV text is to step.
const (
	blankLine = iota // a line break between records
	inField          // a byte of a field (its quotes included)
	fieldEnd         // the last byte of a delimiter
	recordEnd        // the line break that ends a record
)

// step follows the byte c and says what it was.
func (l *csvLimiter) step(c byte) int {
	if l.recStart == 0 {
		if c == '\n' {
			l.line++
			return blankLine
		}
		l.recStart = l.line
	}
	if l.quoted {
		switch {
		case l.quote && c == '"': // a doubled quote
			l.quote = false
			return inField
		case l.quote: // the quote ended the field's quoting; c follows it
			l.quoted, l.quote = false, false
		case c == '"':
			l.quote = true
			return inField
		default:
			if c == '\n' {
				l.line++
			}
			return inField
		}
	}
	if c == '\n' {
		l.line++
		l.recStart, l.field, l.fieldBytes, l.rowBytes = 0, 0, 0, 0
		l.fieldStart, l.matched = true, 0
		return recordEnd
	}
	if l.fieldStart && c == '"' {
		l.quoted = true
	}
	l.fieldStart = false
	switch {
	case c == l.delim[l.matched]:
		l.matched++
	case c == l.delim[0]:
		l.matched = 1
	default:
		l.matched = 0
	}
	if l.matched < len(l.delim) {
		return inField
	}
	l.matched = 0
	l.field++
	l.fieldBytes = 0
	l.fieldStart = true
	return fieldEnd
}

// scan follows b and returns len(b), or the index of the byte that took a
// record over a limit (l.over is then set).
func (l *csvLimiter) scan(b []byte) int {
	for i, c := range b {
		switch l.step(c) {
		case inField:
			l.fieldBytes++
			l.rowBytes++
			switch {
			case l.fieldBytes > l.lim.FieldSize:
				l.overflow(campaign.LimitFieldSize, l.lim.FieldSize, "the field")
			case l.rowBytes > l.lim.RowSize:
				l.overflow(campaign.LimitRowSize, l.lim.RowSize, "the row")
			default:
				continue
			}
			return i
		case fieldEnd:
			l.rowBytes++
			if l.field >= l.lim.RowCells {
				l.overflow(campaign.LimitRowCells, int64(l.lim.RowCells), "the row")
				return i
			}
		}
	}
	return len(b)
}

// overflow starts dropping the current record, over the limit lim.
func (l *csvLimiter) overflow(lim campaign.LimitKind, max int64, what string) {
	l.over = &fieldOverflow{LimitError: campaign.LimitError{Kind: lim, Max: max, What: what}, field: l.field, start: l.recStart}
	// The parser reads the current line up to here; the lines dropped
	// after it are passed on as empty ones (see drop).
	l.newlines = -l.line
}

// drop follows b, the rest of a record over a limit, and returns the index
// just past the record's end, or -1. When the record ends, l.newlines is
// the number of its lines after the one the parser was reading.
func (l *csvLimiter) drop(b []byte) int {
	for i, c := range b {
		if l.step(c) == recordEnd {
			l.over.end = l.line - 1
			l.newlines += l.over.end
			return i + 1
		}
	}
	return -1
}

func (e *fieldOverflow) Error() string { return e.LimitError.Error() }
func (e *fieldOverflow) Unwrap() error { return &e.LimitError }
