package source

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mailrun/mailrun/campaign"
)

// This file holds the bits of XML syntax that checkWorkbook reads without
// a full parser. They follow encoding/xml, which excelize uses, wherever
// the two could disagree.

// tagName returns the element name of the tag "<name ...>" or "</name>".
func tagName(tag []byte) []byte {
	i := 1
	if len(tag) > 1 && tag[1] == '/' {
		i = 2
	}
	j := i
	for j < len(tag) && !isXMLSpace(tag[j]) && tag[j] != '/' && tag[j] != '>' {
		j++
	}
	return tag[i:j]
}

// localName returns the local part of an element or attribute name the way
// encoding/xml splits it: at its only colon, unless that leaves an empty
// part.
func localName(name []byte) []byte {
	i := bytes.IndexByte(name, ':')
	if i <= 0 || i == len(name)-1 || bytes.IndexByte(name[i+1:], ':') >= 0 {
		return name
	}
	return name[i+1:]
}

// quotesClosed reports whether tag ends outside a quoted attribute value.
func quotesClosed(tag []byte) bool {
	var q byte
	for _, b := range tag {
		switch {
		case q == 0 && (b == '"' || b == '\''):
			q = b
		case b == q:
			q = 0
		}
	}
	return q == 0
}

// utf8Declaration reports whether the processing instruction pi is not an
// XML declaration of an encoding other than UTF-8.
func utf8Declaration(pi []byte) bool {
	if !bytes.HasPrefix(pi, []byte("<?xml")) || len(pi) < 6 || !isXMLSpace(pi[5]) {
		return true
	}
	i := bytes.Index(pi, []byte("encoding"))
	if i < 0 {
		return true
	}
	rest := bytes.TrimLeft(pi[i+len("encoding"):], " \t\r\n")
	rest = bytes.TrimLeft(bytes.TrimPrefix(rest, []byte("=")), " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return false
	}
	end := bytes.IndexByte(rest[1:], rest[0])
	return end >= 0 && strings.EqualFold(string(rest[1:1+end]), "utf-8")
}

// isXMLSpace reports whether b is XML white space.
func isXMLSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\r' || b == '\n'
}

// partChecker follows the markup of one part for scanPart.
type partChecker interface {
	// start sees a start tag: its local name and the whole tag.
	start(name string, tag []byte, selfClosing bool) error
	// end sees an end tag.
	end(name string) error
	// text sees a run of character data (CDATA included), of n bytes in
	// all, of which head holds the first few.
	text(n int64, head []byte) error
}

// scanPart reads the part f through c, bounding every run of text or
// markup by lim.FieldSize, and returns what a stringsCheck collected.
func scanPart(f *zip.File, lim Limits, c partChecker) ([]uint32, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, nil // excelize reports it
	}
	defer rc.Close()
	s := &markupScanner{in: bufio.NewReaderSize(rc, 64<<10), max: lim.FieldSize, part: f.Name, c: c}
	if err := s.run(); err != nil {
		if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) {
			return nil, fmt.Errorf("part %s does not match its zip entry (it is larger than declared, or damaged)", f.Name)
		}
		return nil, err
	}
	if sc, ok := c.(*stringsCheck); ok {
		return sc.lengths, nil
	}
	return nil, nil
}

// markupScanner walks XML markup byte by byte without building it.
type markupScanner struct {
	in   *bufio.Reader
	max  int64 // the longest run of text or markup
	part string
	c    partChecker
	tag  []byte
	head [24]byte
}

func (s *markupScanner) run() error {
	for {
		n, head, err := s.until('<', true)
		if n > 0 {
			if terr := s.c.text(n, head); terr != nil {
				return terr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.markup(); err != nil {
			return err
		}
	}
}

// until reads through the next delim (or to the end), bounded by s.max,
// and returns how many bytes came before delim, the first of them, and
// io.EOF at the end. When count is false the bytes go to s.tag instead.
func (s *markupScanner) until(delim byte, count bool) (int64, []byte, error) {
	var n int64
	head := s.head[:0]
	for {
		chunk, err := s.in.ReadSlice(delim)
		body := chunk
		if err == nil {
			body = chunk[:len(chunk)-1]
		}
		n += int64(len(body))
		if count {
			head = append(head, body[:min(len(body), cap(head)-len(head))]...)
		} else {
			s.tag = append(s.tag, chunk...)
		}
		if n > s.max {
			return n, head, s.tooLong()
		}
		if err != bufio.ErrBufferFull {
			return n, head, err
		}
	}
}

// untilInTag reads through the next delim into s.tag, which may not grow
// over s.max.
func (s *markupScanner) untilInTag(delim byte) error {
	_, _, err := s.until(delim, false)
	if err == nil && int64(len(s.tag)) > s.max {
		err = s.tooLong()
	}
	return err
}

func (s *markupScanner) tooLong() error {
	return &campaign.LimitError{Kind: campaign.LimitFieldSize, Max: s.max, What: "a run of text or markup in part " + s.part}
}

// markup handles what follows a '<'.
func (s *markupScanner) markup() error {
	next, _ := s.in.Peek(9)
	switch {
	case bytes.HasPrefix(next, []byte("![CDATA[")):
		return s.section("![CDATA[", "]]>", true)
	case bytes.HasPrefix(next, []byte("!--")):
		return s.section("!--", "-->", false)
	case bytes.HasPrefix(next, []byte("?")):
		if err := s.section("?", "?>", false); err != nil {
			return err
		}
		if !utf8Declaration(s.tag) {
			return fmt.Errorf("part %s is not in UTF-8, as workbooks are", s.part)
		}
		return nil
	}
	s.tag = append(s.tag[:0], '<')
	for {
		if err := s.untilInTag('>'); err != nil {
			return eofIsNil(err)
		}
		if quotesClosed(s.tag) {
			break
		}
	}
	if len(s.tag) > 1 && s.tag[1] == '!' {
		return nil // a DOCTYPE: excelize expands no entity
	}
	end := len(s.tag) > 1 && s.tag[1] == '/'
	name := string(localName(tagName(s.tag)))
	if end {
		return s.c.end(name)
	}
	self := bytes.HasSuffix(s.tag, []byte("/>"))
	if err := s.c.start(name, s.tag, self); err != nil {
		return err
	}
	if self {
		return s.c.end(name)
	}
	return nil
}

// section reads a comment, CDATA section or processing instruction that
// opens with open (after its '<') and closes with close; the text of CDATA
// goes to the checker.
func (s *markupScanner) section(open, close string, cdata bool) error {
	s.tag = append(s.tag[:0], '<')
	var n int64
	for {
		if err := s.untilInTag(close[len(close)-1]); err != nil {
			return eofIsNil(err)
		}
		if len(s.tag) >= 1+len(open)+len(close) && bytes.HasSuffix(s.tag, []byte(close)) {
			break
		}
	}
	if cdata {
		n = int64(len(s.tag) - 1 - len(open) - len(close))
		body := s.tag[1+len(open) : len(s.tag)-len(close)]
		return s.c.text(n, body[:min(len(body), len(s.head))])
	}
	return nil
}

// eofIsNil turns the end of a part inside markup into nil: excelize, not
// the check, reports broken XML.
func eofIsNil(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// attr returns the value of the attribute with local name local in the
// start tag, "" if it has none (or one with an entity, which cell
// references and types never hold).
func attr(tag []byte, local string) string {
	i := len(tagName(tag)) + 1
	for {
		for i < len(tag) && isXMLSpace(tag[i]) {
			i++
		}
		eq := bytes.IndexByte(tag[i:], '=')
		if eq < 0 {
			return ""
		}
		name := bytes.TrimRight(tag[i:i+eq], " \t\r\n")
		i += eq + 1
		for i < len(tag) && isXMLSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || (tag[i] != '"' && tag[i] != '\'') {
			return ""
		}
		q := tag[i]
		end := bytes.IndexByte(tag[i+1:], q)
		if end < 0 {
			return ""
		}
		v := tag[i+1 : i+1+end]
		i += end + 2
		if string(localName(name)) == local {
			return string(v)
		}
	}
}
