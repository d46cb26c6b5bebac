package render

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

const (
	// lineGoal is the line length headers are folded to where possible.
	lineGoal = 78
	// lineMax is the hard limit of RFC 5322, CRLF excluded.
	lineMax = 998
)

// writeHeader appends h's header line with the rendered value v (and its
// parsed addresses for an address header) to b, encoded and folded.
func writeHeader(b *bytes.Buffer, h *header, v string, addrs []*mail.Address) error {
	if h.kind == kindAddress {
		return writeAddressHeader(b, h.name, addrs)
	}
	writeText(b, h.name, v)
	return nil
}

// writeAddressHeader writes the addresses in canonical form, folded between
// words.
func writeAddressHeader(b *bytes.Buffer, name string, addrs []*mail.Address) error {
	var sb strings.Builder
	for i, a := range addrs {
		if i > 0 {
			sb.WriteString(", ")
		}
		formatAddress(&sb, a)
	}
	start := b.Len()
	if !fold(b, name, sb.String()) {
		b.Truncate(start)
		return fmt.Errorf("%s: an address is too long for a header line", name)
	}
	return nil
}

// writeText writes an unstructured header. A value that is ASCII is folded
// at spaces; one that is not, or that contains "=?" (which a reader would
// take for an encoded-word), or that cannot be folded under the hard line
// limit, is written as RFC 2047 base64 encoded-words.
func writeText(b *bytes.Buffer, name, v string) {
	if !needsEncoding(v) {
		start := b.Len()
		if fold(b, name, v) {
			return
		}
		b.Truncate(start)
	}
	writeEncodedWords(b, name, v)
}

func needsEncoding(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			return true
		}
	}
	return strings.Contains(v, "=?")
}

// fold writes "name: v" CRLF, breaking lines before single spaces (a
// space between two non-space characters, which unfolding gives back
// exactly) to keep lines within lineGoal where it can. It returns false if
// a line would still exceed lineMax.
func fold(b *bytes.Buffer, name, v string) bool {
	b.WriteString(name)
	b.WriteString(": ")
	lineLen := len(name) + 2
	for len(v) > 0 {
		// Take the next segment: up to (not including) the next fold point.
		end := len(v)
		for i := 1; i < len(v)-1; i++ {
			if v[i] == ' ' && v[i-1] != ' ' && v[i-1] != '\t' && v[i+1] != ' ' && v[i+1] != '\t' {
				end = i
				break
			}
		}
		seg := v[:end]
		v = v[end:]
		if lineLen+len(seg) > lineGoal && lineLen > len(name)+2 && seg[0] == ' ' {
			b.WriteString("\r\n")
			lineLen = 0
		}
		if lineLen+len(seg) > lineMax {
			return false
		}
		b.WriteString(seg)
		lineLen += len(seg)
	}
	b.WriteString("\r\n")
	return true
}

// writeEncodedWords writes "name: " and v as encoded-words (see
// writeWords), then CRLF.
func writeEncodedWords(b *bytes.Buffer, name, v string) {
	b.WriteString(name)
	b.WriteString(": ")
	writeWords(b, v, len(name)+2, 0)
	b.WriteString("\r\n")
}

// writeWords writes v as UTF-8 base64 encoded-words, each at most 75
// octets, cut between characters, folded to lineGoal: col is the column
// the first word starts at, and tail the characters that will follow the
// last word on its line (a closing quote). Readers drop the white space
// between adjacent encoded-words, so v decodes back exactly.
func writeWords(b *bytes.Buffer, v string, col, tail int) {
	const prefix, suffix = "=?utf-8?b?", "?="
	lineLen := col
	first := true
	var enc [64]byte
	var raw [45]byte
	for len(v) > 0 {
		avail := lineGoal - lineLen - tail
		if !first {
			avail-- // the space before the word
		}
		n := (avail - len(prefix) - len(suffix)) / 4 * 3
		if n < 12 && !first {
			b.WriteString("\r\n")
			lineLen = 0
			continue
		}
		n = min(max(n, 12), 45)
		if n > len(v) {
			n = len(v)
		}
		for n < len(v) && n > 0 && !utf8.RuneStart(v[n]) {
			n--
		}
		if !first {
			b.WriteByte(' ')
			lineLen++
		}
		m := base64.StdEncoding.EncodedLen(n)
		copy(raw[:], v[:n])
		base64.StdEncoding.Encode(enc[:m], raw[:n])
		b.WriteString(prefix)
		b.Write(enc[:m])
		b.WriteString(suffix)
		lineLen += len(prefix) + m + len(suffix)
		v = v[n:]
		first = false
	}
}

// formatAddress writes a as net/mail.Address.String does, except that an
// internationalized domain is written in ASCII (asciiDomain) and a display
// name that is not printable ASCII is always written as base64
// encoded-words: the Q encoding that net/mail picks for some names (one with
// a backslash, say) does not parse back.
func formatAddress(sb *strings.Builder, a *mail.Address) {
	if d := asciiDomain(a.Address); d != a.Address {
		a = &mail.Address{Name: a.Name, Address: d}
	}
	if a.Name == "" || printableASCII(a.Name) {
		sb.WriteString(a.String())
		return
	}
	// Words of at most 36 octets (60 characters encoded), separated by
	// spaces where writeAddressHeader may fold.
	name := a.Name
	var raw [36]byte
	var enc [48]byte
	for len(name) > 0 {
		n := min(len(name), len(raw))
		for n < len(name) && !utf8.RuneStart(name[n]) {
			n--
		}
		copy(raw[:], name[:n])
		base64.StdEncoding.Encode(enc[:], raw[:n])
		sb.WriteString("=?utf-8?b?")
		sb.Write(enc[:base64.StdEncoding.EncodedLen(n)])
		sb.WriteString("?= ")
		name = name[n:]
	}
	sb.WriteString((&mail.Address{Address: a.Address}).String())
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 && s[i] != '\t' || s[i] > 0x7e {
			return false
		}
	}
	return true
}
