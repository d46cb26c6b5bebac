package render

import (
	"bytes"
	"encoding/base64"
	"mime"
	"path/filepath"
)

// file is an attachment or embedded image read for one message.
type file struct {
	name   string
	data   []byte
	inline bool
}

// writeBody writes the top-level Content-Type header, the blank line and the
// MIME body: multipart/alternative (text, then html or multipart/related
// html + inline images), or the text part alone when html is nil, inside
// multipart/mixed when there are attachments. Boundaries are tag + "_" +
// idhex; "=_" never occurs in quoted-printable or base64 output, so no part
// can contain a boundary.
func writeBody(b *bytes.Buffer, idhex string, text, html []byte, files []file) {
	var attached, embedded []file
	for _, f := range files {
		if f.inline {
			embedded = append(embedded, f)
		} else {
			attached = append(attached, f)
		}
	}
	if len(attached) == 0 {
		writeAlternative(b, idhex, text, html, embedded)
		return
	}
	mix := "=_mix_" + idhex
	writeMultipartHeader(b, "multipart/mixed", mix)
	writeAlternative(b, idhex, text, html, embedded)
	for _, f := range attached {
		b.WriteString("\r\n--" + mix + "\r\n")
		writeFile(b, f)
	}
	b.WriteString("\r\n--" + mix + "--\r\n")
}

func writeAlternative(b *bytes.Buffer, idhex string, text, html []byte, embedded []file) {
	if html == nil {
		writeQP(b, "text/plain; charset=utf-8", text)
		return
	}
	alt := "=_alt_" + idhex
	writeMultipartHeader(b, "multipart/alternative", alt)
	writeQP(b, "text/plain; charset=utf-8", text)
	b.WriteString("\r\n--" + alt + "\r\n")
	if len(embedded) == 0 {
		writeQP(b, "text/html; charset=utf-8", html)
	} else {
		rel := "=_rel_" + idhex
		b.WriteString("Content-Type: multipart/related; type=\"text/html\";\r\n boundary=\"" + rel + "\"\r\n\r\n--" + rel + "\r\n")
		writeQP(b, "text/html; charset=utf-8", html)
		for _, f := range embedded {
			b.WriteString("\r\n--" + rel + "\r\n")
			writeFile(b, f)
		}
		b.WriteString("\r\n--" + rel + "--\r\n")
	}
	b.WriteString("\r\n--" + alt + "--\r\n")
}

// writeMultipartHeader writes the Content-Type header of a multipart
// entity, the blank line and the first delimiter line.
func writeMultipartHeader(b *bytes.Buffer, ctype, boundary string) {
	b.WriteString("Content-Type: " + ctype + ";\r\n boundary=\"" + boundary + "\"\r\n\r\n--" + boundary + "\r\n")
}

// writeQP writes a text part's headers and data, as quoted-printable when
// that is the shorter encoding, else in base64. Text that is mostly ASCII
// stays readable in quoted-printable; text in Korean (three bytes of UTF-8 a
// syllable, nine characters each in quoted-printable, four in base64) is
// shorter and several times faster to encode in base64. The part's final
// line break, if any, is written as such, so that together with the CRLF of
// the delimiter that follows the data decodes back exactly.
func writeQP(b *bytes.Buffer, ctype string, data []byte) {
	if qpEscapedOver(data, len(data)/6) {
		b.WriteString("Content-Type: " + ctype + "\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		writeBase64(b, withCRLF(data))
		return
	}
	b.WriteString("Content-Type: " + ctype + "\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	writeQPData(b, data)
}

// qpEscapedOver reports whether more than limit bytes of data are bytes
// that quoted-printable must escape (line breaks aside), each of which
// costs two more characters than it is.
func qpEscapedOver(data []byte, limit int) bool {
	n := 0
	for _, c := range data {
		if !qpLiteral[c] && c != '\n' && c != '\r' {
			if n++; n > limit {
				return true
			}
		}
	}
	return false
}

// qpLiteral marks the bytes that quoted-printable writes as themselves.
var qpLiteral = func() (t [256]bool) {
	for c := 33; c <= 126; c++ {
		t[c] = c != '='
	}
	t[' '], t['\t'] = true, true
	return t
}()

// writeQPData encodes data as quoted-printable (RFC 2045) into b: LF and
// CRLF become CRLF line breaks, lines are cut with soft breaks to at most 76
// characters, and white space before a line break is encoded. It produces
// what mime/quotedprintable's Writer does, several times faster.
func writeQPData(b *bytes.Buffer, data []byte) {
	const hexDigits = "0123456789ABCDEF"
	// Worst case: every byte encoded, plus a soft break per 25 of them.
	need := 3*len(data) + 3*(len(data)/25+1)
	b.Grow(need)
	out := b.AvailableBuffer()[:need]
	w, lineLen := 0, 0
	for i := 0; i < len(data); {
		// A run of bytes written as themselves, copied in one go (cut by
		// soft breaks); white space at its end that a line break follows
		// is left to the byte loop below, which encodes it.
		j := i
		for j < len(data) && qpLiteral[data[j]] {
			j++
		}
		if j > i && (data[j-1] == ' ' || data[j-1] == '\t') && (j == len(data) || data[j] == '\n' || data[j] == '\r') {
			j--
		}
		for i < j {
			if lineLen == 75 {
				out[w], out[w+1], out[w+2] = '=', '\r', '\n'
				w += 3
				lineLen = 0
			}
			n := copy(out[w:w+min(j-i, 75-lineLen)], data[i:j])
			w += n
			lineLen += n
			i += n
		}
		if i == len(data) {
			break
		}
		c := data[i]
		i++
		if c == '\n' || c == '\r' && i < len(data) && data[i] == '\n' {
			if c == '\r' {
				i++
			}
			out[w], out[w+1] = '\r', '\n'
			w += 2
			lineLen = 0
			continue
		}
		if lineLen > 72 {
			out[w], out[w+1], out[w+2] = '=', '\r', '\n'
			w += 3
			lineLen = 0
		}
		out[w], out[w+1], out[w+2] = '=', hexDigits[c>>4], hexDigits[c&15]
		w += 3
		lineLen += 3
	}
	b.Write(out[:w])
}

// writeFile writes an attachment's headers (its name as writeFileName
// does) and its data in base64, 76 characters a line.
func writeFile(b *bytes.Buffer, f file) {
	ctype := mime.TypeByExtension(filepath.Ext(f.name))
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt, params = "application/octet-stream", nil
	}
	delete(params, "name")
	writeFileName(b, "Content-Type", mime.FormatMediaType(mt, params), "name", f.name)
	disp := "attachment"
	if f.inline {
		disp = "inline"
		b.WriteString("Content-ID: <" + f.name + ">\r\n")
	}
	writeFileName(b, "Content-Disposition", disp, "filename", f.name)
	b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	writeBase64(b, f.data)
}

// withCRLF returns text with every line break as CRLF, as RFC 2046 4.1.1
// wants inside a text part in base64: data itself when it has no bare LF.
func withCRLF(data []byte) []byte {
	bare := bytes.Count(data, []byte("\n")) - bytes.Count(data, []byte("\r\n"))
	if bare == 0 {
		return data
	}
	out := make([]byte, 0, len(data)+bare)
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return append(out, data...)
		}
		out = append(out, data[:i]...)
		if i == 0 || data[i-1] != '\r' {
			out = append(out, '\r')
		}
		out = append(out, '\n')
		data = data[i+1:]
	}
}

// writeBase64 writes data in base64, 76 characters a line, with CRLF
// between the lines and none after the last.
func writeBase64(b *bytes.Buffer, data []byte) {
	const chunk = 57 // 76 base64 characters
	var line [76]byte
	b.Grow(base64.StdEncoding.EncodedLen(len(data)) + len(data)/chunk*2)
	for i := 0; i < len(data); i += chunk {
		end := min(i+chunk, len(data))
		n := base64.StdEncoding.EncodedLen(end - i)
		base64.StdEncoding.Encode(line[:n], data[i:end])
		if i > 0 {
			b.WriteString("\r\n")
		}
		b.Write(line[:n])
	}
}
