package render

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// writeFileName writes the header line "Content-Type: ctype" or
// "Content-Disposition: ctype" with the file name as its parameter param
// ("name" or "filename"), folded within lineGoal characters a line:
//
//   - a short ASCII name as param="name";
//   - filename of any other name as RFC 2231 continuations
//     (filename*0*= in UTF-8, filename*1*=, ...), each line within lineGoal
//     and cut between characters;
//   - name of any other name as RFC 2047 encoded-words in quotes, the
//     fallback that readers without RFC 2231 (munpack, old mail programs)
//     understand.
func writeFileName(b *bytes.Buffer, header, ctype, param, name string) {
	b.WriteString(header + ": " + ctype + ";")
	ascii := printableASCII(name)
	single := " " + param + "=" + quoteParam(name) + "\r\n"
	if ascii && len(header)+len(ctype)+3+len(single)-2 <= lineGoal {
		b.WriteString(single)
		return
	}
	if param != "filename" {
		b.WriteString("\r\n " + param + "=\"")
		writeWords(b, name, len(param)+3, 1)
		b.WriteString("\"\r\n")
		return
	}
	// RFC 2231: percent-encoded UTF-8, in segments cut between characters.
	for i, rest := 0, name; rest != ""; i++ {
		prefix := " " + param + "*" + strconv.Itoa(i) + "*="
		if i == 0 {
			prefix += "utf-8''"
		}
		room := lineGoal - len(prefix) - 1 // the ";" after a segment
		var seg strings.Builder
		for rest != "" {
			_, n := utf8.DecodeRuneInString(rest)
			enc := percentEncode(rest[:n])
			if seg.Len()+len(enc) > room && seg.Len() > 0 {
				break
			}
			seg.WriteString(enc)
			rest = rest[n:]
		}
		b.WriteString("\r\n" + prefix + seg.String())
		if rest != "" {
			b.WriteByte(';')
		}
	}
	b.WriteString("\r\n")
}

// quoteParam returns v as a MIME parameter value: quoted, with backslashes
// and quotes escaped.
func quoteParam(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// percentEncode encodes s as an RFC 2231 extended value: attribute
// characters as themselves, every other octet as %XX.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < 0x7f && !strings.ContainsRune(`*'%()<>@,;:\"/[]?=`, rune(c)) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
