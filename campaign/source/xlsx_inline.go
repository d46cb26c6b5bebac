package source

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
)

// errNotInlinable is the error of a worksheet that uses XML the inliner
// does not rewrite (a DOCTYPE, an encoding other than UTF-8, an entity in a
// cell's type, a shared-string index that is not plain ASCII text in a bare
// <v>, markup it cannot follow). The caller reads the original workbook
// instead, which is slower but always right.
var errNotInlinable = errors.New("campaign: worksheet not inlinable")

// maxCellBytes bounds what the inliner holds of one cell.
const maxCellBytes = 1 << 20

// sheetInliner copies a worksheet part, turning each shared-string cell
// (<c t="s"><v>N</v></c>) into an inline-string cell (<c t="inlineStr"><is>
// <t>TEXT</t></is></c>) with the text of string N. Every other byte, the
// cell's other attributes (its style above all) and children included, is
// copied unchanged. A cell whose index excelize would not resolve (out of
// range) or that has no value is left as it is.
type sheetInliner struct {
	in  *bufio.Reader
	out *bufio.Writer
	sst *stringTable
	tag []byte // the markup being read, from '<' to '>'

	// The open shared-string cell, if inCell.
	inCell   bool
	cellTag  []byte // its start tag
	tStart   int    // the span of its t attribute's value in cellTag
	tEnd     int
	body     []byte // what follows the start tag so far
	depth    int    // elements open inside the cell
	values   int    // <v> elements seen
	converts bool   // the cell's value was replaced by an inline string
}

// inlineSheet copies the worksheet XML in r to w with its shared-string
// cells made inline strings from sst. It returns errNotInlinable for XML it
// does not handle, and the errors of r and w.
func inlineSheet(w io.Writer, r io.Reader, sst *stringTable) error {
	s := &sheetInliner{in: bufio.NewReaderSize(r, 64<<10), out: bufio.NewWriterSize(w, 64<<10), sst: sst}
	for {
		text, err := s.in.ReadSlice('<')
		switch err {
		case nil:
			if err := s.emit(text[:len(text)-1]); err != nil {
				return err
			}
			if err := s.markup(); err != nil {
				return err
			}
		case bufio.ErrBufferFull:
			if err := s.emit(text); err != nil {
				return err
			}
		case io.EOF:
			if err := s.emit(text); err != nil {
				return err
			}
			if s.inCell {
				return errNotInlinable
			}
			return s.out.Flush()
		default:
			return err
		}
	}
}

// emit writes b to the output, or to the open cell's body.
func (s *sheetInliner) emit(b []byte) error {
	if !s.inCell {
		_, err := s.out.Write(b)
		return err
	}
	if len(s.body)+len(b) > maxCellBytes {
		return errNotInlinable
	}
	s.body = append(s.body, b...)
	return nil
}

// markup handles the markup after a '<' that ReadSlice consumed.
func (s *sheetInliner) markup() error {
	head, _ := s.in.Peek(8)
	switch {
	case bytes.HasPrefix(head, []byte("!--")):
		return s.copyUntil("!--", "-->")
	case bytes.HasPrefix(head, []byte("![CDATA[")):
		return s.copyUntil("![CDATA[", "]]>")
	case bytes.HasPrefix(head, []byte("!")):
		return errNotInlinable // a DOCTYPE may declare entities
	case bytes.HasPrefix(head, []byte("?")):
		if err := s.copyUntil("?", "?>"); err != nil {
			return err
		}
		if !utf8Declaration(s.tag) {
			return errNotInlinable
		}
		return nil
	case bytes.HasPrefix(head, []byte("/")):
		if err := s.readTag(); err != nil {
			return err
		}
		return s.endTag()
	default:
		if err := s.readTag(); err != nil {
			return err
		}
		return s.startTag()
	}
}

// copyUntil reads the markup that starts with open through the first end
// after it, and emits it.
func (s *sheetInliner) copyUntil(open, end string) error {
	s.tag = append(s.tag[:0], '<')
	for {
		chunk, err := s.in.ReadSlice(end[len(end)-1])
		s.tag = append(s.tag, chunk...)
		if err == nil && len(s.tag) >= 1+len(open)+len(end) && bytes.HasSuffix(s.tag, []byte(end)) {
			return s.emit(s.tag)
		}
		if err != nil && err != bufio.ErrBufferFull {
			return eofNotInlinable(err)
		}
		if len(s.tag) > maxCellBytes {
			return errNotInlinable
		}
	}
}

// readTag reads a start or end tag through its '>', which may not be inside
// a quoted attribute value.
func (s *sheetInliner) readTag() error {
	s.tag = append(s.tag[:0], '<')
	for {
		chunk, err := s.in.ReadSlice('>')
		s.tag = append(s.tag, chunk...)
		if err == nil && quotesClosed(s.tag) {
			return nil
		}
		if err != nil && err != bufio.ErrBufferFull {
			return eofNotInlinable(err)
		}
		if len(s.tag) > maxCellBytes {
			return errNotInlinable
		}
	}
}

// eofNotInlinable turns the end of the part inside markup into
// errNotInlinable: excelize, not the inliner, reports broken XML.
func eofNotInlinable(err error) error {
	if err == io.EOF {
		return errNotInlinable
	}
	return err
}

// startTag handles the start tag in s.tag.
func (s *sheetInliner) startTag() error {
	name := tagName(s.tag)
	local := string(localName(name)) // no allocation for the names compared below
	closed := bytes.HasSuffix(s.tag, []byte("/>"))
	if !s.inCell {
		if local == "c" && !closed {
			start, end, ok, err := typeAttr(s.tag, len(name)+1)
			if err != nil {
				return err
			}
			if ok && string(s.tag[start:end]) == "s" {
				s.inCell, s.depth, s.values, s.converts = true, 0, 0, false
				s.cellTag = append(s.cellTag[:0], s.tag...)
				s.tStart, s.tEnd = start, end
				s.body = s.body[:0]
				return nil
			}
		}
		return s.emit(s.tag)
	}
	switch local {
	case "c", "is":
		return errNotInlinable
	case "v":
		s.values++
		if s.values > 1 {
			return errNotInlinable
		}
		if closed {
			return s.emit(s.tag)
		}
		return s.value(name)
	}
	if !closed {
		s.depth++
	}
	return s.emit(s.tag)
}

// value handles the <v> of a shared-string cell: it replaces it with an
// inline string when excelize would find its index in the table.
func (s *sheetInliner) value(name []byte) error {
	var buf [16]byte // name points into s.tag, which the end tag reuses
	if len(name) > len(buf) {
		return errNotInlinable
	}
	name = buf[:copy(buf[:], name)]
	p := name[:len(name)-1] // "" or "x:"
	// The value may go, so it must be what encoding/xml would accept
	// without a word: <v>, ASCII text without entities, </v>.
	if !bareTag(s.tag, name, false) {
		return errNotInlinable
	}
	start := len(s.body)
	s.body = append(s.body, s.tag...)
	text, err := s.in.ReadSlice('<')
	if err != nil {
		return errNotInlinable // the end of the part, or a value over the buffer's size
	}
	text = text[:len(text)-1]
	for _, c := range text {
		if (c < ' ' && !isXMLSpace(c)) || c > '~' || c == '&' {
			return errNotInlinable
		}
	}
	// excelize: an empty value is "", any other is strconv.Atoi of the
	// trimmed text, 0 when that fails for its syntax.
	empty := len(text) == 0
	i, _ := strconv.Atoi(strings.TrimSpace(string(text)))
	s.body = append(s.body, text...)
	if next, _ := s.in.Peek(1); len(next) == 0 || next[0] != '/' {
		return errNotInlinable // a comment or CDATA in the value
	}
	if err := s.readTag(); err != nil {
		return err
	}
	if !bareTag(s.tag, name, true) {
		return errNotInlinable
	}
	s.body = append(s.body, s.tag...)
	if empty || i < 0 || i >= s.sst.len() {
		return nil
	}
	b := append(s.body[:start], '<')
	b = append(b, p...)
	b = append(b, "is><"...)
	b = append(b, p...)
	b = append(b, 't')
	if s.sst.padded(i) {
		b = append(b, ` xml:space="preserve"`...)
	}
	b = append(b, '>')
	b = s.sst.appendEscaped(b, i)
	b = append(b, "</"...)
	b = append(b, p...)
	b = append(b, "t></"...)
	b = append(b, p...)
	b = append(b, "is>"...)
	s.body = b
	s.converts = true
	return nil
}

// endTag handles the end tag in s.tag.
func (s *sheetInliner) endTag() error {
	if !s.inCell {
		return s.emit(s.tag)
	}
	if s.depth > 0 {
		s.depth--
		return s.emit(s.tag)
	}
	if string(localName(tagName(s.tag))) != "c" {
		return errNotInlinable
	}
	s.inCell = false
	if s.converts {
		s.out.Write(s.cellTag[:s.tStart])
		s.out.WriteString("inlineStr")
		s.out.Write(s.cellTag[s.tEnd:])
	} else {
		s.out.Write(s.cellTag)
	}
	s.out.Write(s.body)
	_, err := s.out.Write(s.tag)
	return err
}
