package bounce

import (
	"bytes"
	"html"
	"io"
	"mime"
	"regexp"
	"strings"

	message "github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	mtextproto "github.com/emersion/go-message/textproto"
)

// Bounds on the MIME walk.
const (
	maxParts     = 64      // parts visited in one message
	maxDepth     = 8       // nesting of multiparts
	maxPartBytes = 4 << 20 // decoded bytes read from one part
	maxAllBytes  = 16 << 20
)

// parts is what the MIME walk collects from a message.
type parts struct {
	texts    []string // text/plain bodies, decoded to UTF-8, in order
	htmls    []string // text/html bodies, as plain text
	dsn      []string // message/delivery-status bodies
	feedback []string // message/feedback-report bodies
	original header   // header of the first returned message
	origBody string   // body of the first returned message, when any

	visited int
	read    int
}

// collect walks the MIME structure of a message whose header is h and whose
// raw body is body.
func collect(h header, body []byte) *parts {
	p := &parts{}
	var th mtextproto.Header
	for i := len(h) - 1; i >= 0; i-- { // Add prepends
		v := h[i].value
		if h[i].key == "Content-Type" {
			v = cleanContentType(v)
		}
		th.Add(h[i].key, v)
	}
	e, _ := message.New(message.Header{Header: th}, bytes.NewReader(body))
	if e != nil {
		p.walk(e, 0)
	}
	if len(p.texts) == 0 && len(p.htmls) == 0 && len(p.dsn) == 0 && len(p.feedback) == 0 {
		// Nothing readable came out of the MIME structure (a broken
		// boundary, say): read the raw body as text.
		p.texts = append(p.texts, strings.ToValidUTF8(string(body), "\uFFFD"))
	}
	return p
}

// walk visits one entity and, for multiparts, its parts.
func (p *parts) walk(e *message.Entity, depth int) {
	p.visited++
	if p.visited > maxParts || depth > maxDepth {
		return
	}
	mediaType, params := parseContentType(e.Header.Get("Content-Type"))
	if _, _, err := e.Header.ContentType(); err != nil {
		// go-message could not read the field: give it the cleaned one.
		e.Header.Set("Content-Type", cleanContentType(e.Header.Get("Content-Type")))
		if strings.HasPrefix(mediaType, "multipart/") {
			if ne, _ := message.New(e.Header, e.Body); ne != nil {
				e = ne
			}
		} else if cs := params["charset"]; cs != "" && strings.HasPrefix(mediaType, "text/") {
			if r, err := charset.Reader(cs, e.Body); err == nil && r != nil {
				e.Body = r
			}
		}
	}
	switch {
	case strings.HasPrefix(mediaType, "multipart/"):
		mr := e.MultipartReader()
		if params["boundary"] == "" || mr == nil {
			p.texts = append(p.texts, p.read1(e.Body))
			return
		}
		for p.visited <= maxParts {
			part, err := mr.NextPart()
			if err != nil || part == nil {
				return
			}
			p.walk(part, depth+1)
		}
	case mediaType == "message/delivery-status" || mediaType == "message/global-delivery-status" ||
		mediaType == "text/delivery-status" || mediaType == "message/x-delivery-status":
		p.dsn = append(p.dsn, p.read1(e.Body))
	case mediaType == "message/feedback-report":
		p.feedback = append(p.feedback, p.read1(e.Body))
	case mediaType == "message/rfc822" || mediaType == "message/global" ||
		mediaType == "message/rfc822-headers" || mediaType == "text/rfc822-headers" ||
		mediaType == "message/global-headers" || mediaType == "text/rfc822-header" ||
		mediaType == "message/partial":
		raw := p.read1(e.Body)
		if p.original == nil {
			h, body := splitMessage([]byte(raw))
			if len(h) > 0 {
				p.original = h
				p.origBody = truncate(string(body), 64<<10)
			}
		}
	case mediaType == "text/html":
		p.htmls = append(p.htmls, htmlText(truncate(p.read1(e.Body), maxTextBytes)))
	case strings.HasPrefix(mediaType, "text/") || mediaType == "":
		if disp, _, _ := e.Header.ContentDisposition(); strings.EqualFold(disp, "attachment") && len(p.texts) > 0 {
			return
		}
		p.texts = append(p.texts, p.read1(e.Body))
	}
}

// parseContentType reads a Content-Type value leniently: it returns the
// lower-cased media type ("text/plain" when v is empty or unreadable) and
// whatever parameters it can read.
func parseContentType(v string) (string, map[string]string) {
	if mt, params, err := mime.ParseMediaType(v); err == nil {
		return strings.ToLower(mt), params
	}
	params := map[string]string{}
	segs := strings.Split(v, ";")
	mt := strings.ToLower(strings.TrimSpace(segs[0]))
	if !strings.Contains(mt, "/") || strings.ContainsAny(mt, " \t\"") {
		mt = "text/plain"
	}
	for _, seg := range segs[1:] {
		k, val, ok := strings.Cut(seg, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.Trim(strings.TrimSpace(val), "\"'")
		if k != "" && params[k] == "" {
			params[k] = val
		}
	}
	return mt, params
}

// cleanContentType returns v in a form mime.ParseMediaType accepts.
func cleanContentType(v string) string {
	if _, _, err := mime.ParseMediaType(v); err == nil {
		return v
	}
	mt, params := parseContentType(v)
	keep := map[string]string{}
	for _, k := range []string{"boundary", "charset", "report-type"} {
		if params[k] != "" {
			keep[k] = params[k]
		}
	}
	if s := mime.FormatMediaType(mt, keep); s != "" {
		return s
	}
	return mt
}

// read1 reads a part body within the per-part and overall budgets.
func (p *parts) read1(r io.Reader) string {
	if r == nil {
		return ""
	}
	n := maxAllBytes - p.read
	if n <= 0 {
		return ""
	}
	if n > maxPartBytes {
		n = maxPartBytes
	}
	b, _ := io.ReadAll(io.LimitReader(r, int64(n)))
	p.read += len(b)
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

var (
	htmlBreak   = regexp.MustCompile(`(?i)<\s*(br|/p|/div|/tr|/li|/h[1-6]|p|div|tr|li)\b[^>]*>`)
	htmlDrop    = regexp.MustCompile(`(?is)<\s*(style|script|head)\b.*?<\s*/\s*(style|script|head)\s*>`)
	htmlTag     = regexp.MustCompile(`(?s)<[^>]*>`)
	blankSpaces = regexp.MustCompile(`[ \t\x{a0}]+`)
)

// htmlText renders an HTML body as plain text lines.
func htmlText(s string) string {
	s = htmlDrop.ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, "\r", "")
	s = strings.ReplaceAll(s, "\n", " ")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(blankSpaces.ReplaceAllString(l, " "), " ")
	}
	return strings.Join(lines, "\n")
}
