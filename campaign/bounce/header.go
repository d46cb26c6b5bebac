package bounce

import (
	"bytes"
	"mime"
	"net/textproto"
	"strings"

	"github.com/emersion/go-message/charset"
)

// Bounds on a header block.
const (
	maxFields     = 1000     // fields read from one header block
	maxFieldBytes = 64 << 10 // bytes kept of one field's value
)

// field is one header field, unfolded, with its raw (undecoded) value.
type field struct {
	key   string // canonical form
	value string
}

// header is a header block in its order.
type header []field

// get returns the first value of key, or "".
func (h header) get(key string) string {
	key = textproto.CanonicalMIMEHeaderKey(key)
	for _, f := range h {
		if f.key == key {
			return f.value
		}
	}
	return ""
}

// values returns every value of key.
func (h header) values(key string) []string {
	key = textproto.CanonicalMIMEHeaderKey(key)
	var out []string
	for _, f := range h {
		if f.key == key {
			out = append(out, f.value)
		}
	}
	return out
}

// has reports whether key is present.
func (h header) has(key string) bool {
	key = textproto.CanonicalMIMEHeaderKey(key)
	for _, f := range h {
		if f.key == key {
			return true
		}
	}
	return false
}

// splitMessage splits a message into its header block and body, leniently:
// it accepts LF or CRLF line ends, skips an mbox "From " line, and ends the
// header at the first empty line or at the first line that is neither a
// field nor a continuation.
func splitMessage(data []byte) (header, []byte) {
	if bytes.HasPrefix(data, []byte("From ")) {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		} else {
			data = nil
		}
	}
	var h header
	var value []byte // the value of the field being read, unfolded
	flush := func() {
		if len(h) > 0 {
			h[len(h)-1].value = string(value)
		}
	}
	rest := data
	for len(rest) > 0 {
		line, next := cutLine(rest)
		trimmed := bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(trimmed)) == 0 {
			flush()
			return h, next
		}
		if trimmed[0] == ' ' || trimmed[0] == '\t' {
			if len(h) == 0 {
				return h, rest
			}
			if len(value) < maxFieldBytes {
				value = append(append(value, ' '), bytes.TrimSpace(trimmed)...)
			}
			rest = next
			continue
		}
		colon := bytes.IndexByte(trimmed, ':')
		if colon <= 0 || !validFieldName(trimmed[:colon]) {
			flush()
			return h, rest
		}
		if len(h) < maxFields {
			flush()
			h = append(h, field{key: textproto.CanonicalMIMEHeaderKey(string(bytes.TrimSpace(trimmed[:colon])))})
			value = append(value[:0:0], bytes.TrimSpace(trimmed[colon+1:])...)
		}
		rest = next
	}
	flush()
	return h, rest
}

// validFieldName reports whether b can be a header field name.
func validFieldName(b []byte) bool {
	b = bytes.TrimRight(b, " \t")
	if len(b) == 0 || len(b) > 76 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// cutLine returns the first line of b (with its LF) and the rest.
func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// wordDecoder decodes RFC 2047 encoded words in any charset that
// go-message's charset package knows.
var wordDecoder = mime.WordDecoder{CharsetReader: charset.Reader}

// decodeWords decodes RFC 2047 encoded words in v, returning v unchanged
// when it cannot.
func decodeWords(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// mimeHeader returns h as a textproto.MIMEHeader with decoded values,
// bounded in fields, values per field and value length.
func (h header) mimeHeader() textproto.MIMEHeader {
	if len(h) == 0 {
		return nil
	}
	m := textproto.MIMEHeader{}
	for _, f := range h {
		if len(m) >= maxHeaderFields && m[f.key] == nil {
			continue
		}
		if len(m[f.key]) >= maxHeaderValues {
			continue
		}
		m[f.key] = append(m[f.key], truncate(decodeWords(f.value), 998))
	}
	return m
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
