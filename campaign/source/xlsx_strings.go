package source

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
)

// stringChunk is the size of one block of a stringTable's text.
const stringChunk = 1 << 20

// errTableTooLarge is the error of a shared-strings table whose text does
// not fit the uint32 offsets of a stringTable.
var errTableTooLarge = errors.New("campaign: shared strings over 4 GiB")

// stringTable is a compact, read-only copy of a workbook's shared-strings
// table: the text of every string one after the other in blocks of
// stringChunk bytes (a string may span two blocks), and the end offset of
// each. It costs the text plus 4 bytes a string, where excelize's index of a
// spilled table costs about 40.
type stringTable struct {
	chunks [][]byte
	ends   []uint32 // ends[i] is the offset just past string i
	size   uint64   // total text bytes
}

// readSharedStrings reads a sharedStrings.xml part into a stringTable.
// Each string is what excelize's xlsxSI.String builds, before it decodes
// _xHHHH_ escapes (which it does again on inline strings): the text of the
// item's own <t>, then of the <t> of each rich-text run (<r>), in order.
// As in encoding/xml's decoding into excelize's structs, a later <t> in the
// same item or run replaces an earlier one, only text directly inside a <t>
// counts, and everything else, phonetic runs (<rPh>) included, is ignored.
// Any XML error, including an encoding other than UTF-8, is returned.
func readSharedStrings(r io.Reader) (*stringTable, error) {
	d := xml.NewDecoder(r)
	t := &stringTable{}
	const (
		none = iota
		itemText
		runText
	)
	var (
		depth    int    // elements open from the current <si>, 0 outside one
		mode     int    // the <t> whose text is being read
		inRun    bool   // inside an <r> of the item
		own      []byte // the text of the item's own <t>
		runs     []byte // the text of the item's runs
		runStart int    // where the current run's text starts in runs
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if depth > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			switch {
			case depth == 0:
				if tok.Name.Local == "si" {
					depth, mode, inRun = 1, none, false
					own, runs = own[:0], runs[:0]
				}
				continue
			case depth == 1 && tok.Name.Local == "t":
				mode, own = itemText, own[:0]
			case depth == 1 && tok.Name.Local == "r":
				inRun, runStart = true, len(runs)
			case depth == 2 && inRun && tok.Name.Local == "t":
				mode, runs = runText, runs[:runStart]
			}
			depth++
		case xml.CharData:
			switch {
			case mode == itemText && depth == 2:
				own = append(own, tok...)
			case mode == runText && depth == 3:
				runs = append(runs, tok...)
			}
		case xml.EndElement:
			if depth == 0 {
				continue
			}
			switch depth {
			case 1:
				t.write(own)
				t.write(runs)
				if t.size > math.MaxUint32 {
					return nil, errTableTooLarge
				}
				t.ends = append(t.ends, uint32(t.size))
			case 2:
				mode, inRun = none, false
			case 3:
				if mode == runText {
					mode = none
				}
			}
			depth--
		}
	}
}

// write appends s to the text of the string being added.
func (t *stringTable) write(s []byte) {
	for len(s) > 0 {
		last := len(t.chunks) - 1
		if last < 0 || len(t.chunks[last]) == stringChunk {
			t.chunks = append(t.chunks, make([]byte, 0, stringChunk))
			last++
		}
		c := t.chunks[last]
		n := copy(c[len(c):cap(c)], s)
		t.chunks[last] = c[:len(c)+n]
		s = s[n:]
		t.size += uint64(n)
	}
}

// len returns the number of strings.
func (t *stringTable) len() int { return len(t.ends) }

// padded reports whether string i starts or ends with white space, which
// an inline string marks with xml:space="preserve" for readers that would
// trim it (excelize does not). i must be in [0, t.len()).
func (t *stringTable) padded(i int) bool {
	var start uint32
	if i > 0 {
		start = t.ends[i-1]
	}
	end := t.ends[i]
	return start < end && (isXMLSpace(t.byteAt(start)) || isXMLSpace(t.byteAt(end-1)))
}

// byteAt returns the text byte at offset off.
func (t *stringTable) byteAt(off uint32) byte {
	return t.chunks[off/stringChunk][off%stringChunk]
}

// appendEscaped appends string i to dst as XML character data: '&', '<'
// and '>' become entities, and '\r' a character reference so that XML's
// line-end handling keeps it. i must be in [0, t.len()).
func (t *stringTable) appendEscaped(dst []byte, i int) []byte {
	var start uint32
	if i > 0 {
		start = t.ends[i-1]
	}
	end := t.ends[i]
	for start < end {
		c := t.chunks[start/stringChunk]
		off := start % stringChunk
		n := min(end-start, stringChunk-off)
		dst = appendXMLText(dst, c[off:off+n])
		start += n
	}
	return dst
}

// appendXMLText appends text to dst escaped as XML character data. It works
// byte by byte, so text may end in the middle of a UTF-8 sequence.
func appendXMLText(dst, text []byte) []byte {
	for _, b := range text {
		switch b {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '\r':
			dst = append(dst, "&#xD;"...)
		default:
			dst = append(dst, b)
		}
	}
	return dst
}
