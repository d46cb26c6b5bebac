package source

import (
	"bytes"
	"strings"
)

// This file holds the bits of XML syntax that the worksheet inliner and
// inlineWorkbook read without a full parser. They follow encoding/xml,
// which excelize uses, wherever the two could disagree.

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

// bareTag reports whether tag is "<name>" or, if end, "</name>", with
// nothing but white space before the '>'.
func bareTag(tag, name []byte, end bool) bool {
	open := "<"
	if end {
		open = "</"
	}
	rest, ok := bytes.CutPrefix(tag, []byte(open))
	if !ok {
		return false
	}
	if rest, ok = bytes.CutPrefix(rest, name); !ok {
		return false
	}
	return len(bytes.TrimLeft(rest, " \t\r\n")) == 1 // the '>'
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

// typeAttr finds the value of the last attribute with local name "t" in
// the start tag, whose attributes begin at i. It returns errNotInlinable
// for attributes it cannot parse or a value with an entity.
func typeAttr(tag []byte, i int) (start, end int, ok bool, err error) {
	for {
		for i < len(tag) && isXMLSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] == '/' || tag[i] == '>' {
			return start, end, ok, nil
		}
		n := i
		for i < len(tag) && tag[i] != '=' && !isXMLSpace(tag[i]) && tag[i] != '/' && tag[i] != '>' {
			i++
		}
		name := tag[n:i]
		for i < len(tag) && isXMLSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] != '=' {
			return 0, 0, false, errNotInlinable
		}
		i++
		for i < len(tag) && isXMLSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || (tag[i] != '"' && tag[i] != '\'') {
			return 0, 0, false, errNotInlinable
		}
		q := tag[i]
		i++
		v := i
		for i < len(tag) && tag[i] != q {
			i++
		}
		if i >= len(tag) {
			return 0, 0, false, errNotInlinable
		}
		if string(localName(name)) == "t" {
			if bytes.IndexByte(tag[v:i], '&') >= 0 {
				return 0, 0, false, errNotInlinable
			}
			start, end, ok = v, i, true
		}
		i++
	}
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

// rootName returns the name of the first element in the XML text head,
// after the declaration and any comments. It reports false if head does not
// show it, or has a DOCTYPE.
func rootName(head []byte) ([]byte, bool) {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	for {
		head = bytes.TrimLeft(head, " \t\r\n")
		var start, end string
		switch {
		case bytes.HasPrefix(head, []byte("<?")):
			start, end = "<?", "?>"
		case bytes.HasPrefix(head, []byte("<!--")):
			start, end = "<!--", "-->"
		case bytes.HasPrefix(head, []byte("<")) && len(head) > 1 && head[1] != '!':
			n := bytes.IndexAny(head, " \t\r\n/>")
			if n < 0 {
				return nil, false
			}
			return head[1:n], true
		default:
			return nil, false
		}
		i := bytes.Index(head[len(start):], []byte(end))
		if i < 0 {
			return nil, false
		}
		head = head[len(start)+i+len(end):]
	}
}
