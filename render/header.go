package render

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	texttemplate "text/template"
	"unicode/utf8"

	"github.com/mailrun/mailrun/campaign"
)

// headerKind says how a header's rendered value is checked and written.
type headerKind int

const (
	kindText     headerKind = iota // unstructured: RFC 2047 encoded, folded
	kindAddress                    // address list: parsed with net/mail
	kindBcc                        // address list, envelope only
	kindAttach                     // pseudo-header: file to attach
	kindEmbed                      // pseudo-header: inline image
	kindMarkdown                   // pseudo-header: Content-Type: text/markdown
)

// header is one header line of the template.
type header struct {
	name string // as written to the message
	src  string // the value's template text
	line int    // line in the template file
	kind headerKind

	tmpl   *texttemplate.Template // nil when the value has no action
	plan   plan                   // tmpl without reflection, if it is simple
	fields []string               // row fields the value uses

	// For a static value (no action): the value, and for text and address
	// headers the encoded header line, computed once by New (nil when the
	// value is empty and the header is left out).
	static  string
	encoded []byte
	addrs   []*mail.Address
}

// known lists the headers with a fixed spelling and meaning, by lower-case
// name. once marks the headers that may appear only once.
var known = map[string]struct {
	name string
	kind headerKind
	once bool
}{
	"from":     {"From", kindAddress, true},
	"sender":   {"Sender", kindAddress, true},
	"to":       {"To", kindAddress, true},
	"cc":       {"Cc", kindAddress, true},
	"bcc":      {"Bcc", kindBcc, true},
	"reply-to": {"Reply-To", kindAddress, true},
	"subject":  {"Subject", kindText, true},
	"attach":   {"Attach", kindAttach, false},
	"embed":    {"Embed", kindEmbed, false},
}

// prepareHeader classifies h, parses its template and, when the value is
// static, checks and encodes it once.
func (t *Template) prepareHeader(h *header) error {
	lower := strings.ToLower(h.name)
	if lower == "content-type" && isMarkdownType(h.src) {
		h.kind = kindMarkdown
		t.markdown = true
		return nil
	}
	if lower == "message-id" || lower == "date" || lower == "mime-version" || strings.HasPrefix(lower, "content-") {
		return t.inputErr(h.line, "render: %s: mailrun writes this header itself; remove it from the template", h.name)
	}
	if k, ok := known[lower]; ok {
		h.name, h.kind = k.name, k.kind
		if k.once {
			for _, o := range t.headers {
				if o != h && strings.EqualFold(o.name, h.name) && o.line < h.line {
					return t.inputErr(h.line, "render: %s: the header appears twice (first on line %d)", h.name, o.line)
				}
			}
		}
		switch lower {
		case "from":
			t.from = h
		case "to":
			t.to = h
		}
	}
	if strings.Contains(h.src, "{{") {
		tmpl, err := texttemplate.New(h.name).Option("missingkey=error").Funcs(t.guard.textFuncs()).Parse(h.src)
		if err != nil {
			return parseError(t.path, h.line-1, h.src, err)
		}
		if h.kind == kindAddress || h.kind == kindBcc {
			guardAddresses(tmpl.Tree)
		}
		if err := t.checkTemplate(t.path, h.line-1, textTrees(tmpl), t.guard.textFuncs()); err != nil {
			return err
		}
		h.tmpl = tmpl
		h.plan = compilePlan(tmpl.Tree, textFilters)
		h.fields = fieldsOf(tmpl)
		return nil
	}
	h.static = h.src
	if h.kind == kindAttach || h.kind == kindEmbed || h.static == "" {
		return nil
	}
	if err := checkValue(h.static); err != nil {
		return t.inputErr(h.line, "render: %s: %v", h.name, err)
	}
	if h.kind == kindAddress || h.kind == kindBcc {
		addrs, err := parseAddrs(h.name, h.static)
		if err != nil {
			return t.inputErr(h.line, "render: %v", err)
		}
		h.addrs = addrs
		if h == t.from && len(addrs) != 1 {
			return t.inputErr(h.line, "render: From: want exactly one address, got %d", len(addrs))
		}
	}
	if h.kind != kindBcc {
		var b bytes.Buffer
		if err := writeHeader(&b, h, h.static, h.addrs); err != nil {
			return t.inputErr(h.line, "render: %v", err)
		}
		h.encoded = b.Bytes()
	}
	return nil
}

// value renders h for fields into scratch, under g, and returns the
// trimmed value.
func (h *header) value(g *guard, row campaign.Row, scratch *bytes.Buffer) (string, error) {
	if h.tmpl == nil {
		return h.static, nil
	}
	scratch.Reset()
	if err := g.execute(h.plan, h.tmpl, scratch, row.Fields); err != nil {
		return "", h.execError(row, err)
	}
	return strings.TrimSpace(scratch.String()), nil
}

// execError turns a template execution error into a *campaign.RowError,
// naming the column at fault when it can tell which one it is.
func (h *header) execError(row campaign.Row, err error) error {
	for _, f := range h.fields {
		if _, ok := row.Fields[f]; !ok {
			return &campaign.RowError{Row: row.Num, Column: f, Err: fmt.Errorf("render: %s: the row has no field %q", h.name, f)}
		}
	}
	var as *addrSpecError
	if errors.As(err, &as) {
		return h.rowErr(row, func(v string) bool { return strings.TrimSpace(v) == as.value }, "%s", as.Error())
	}
	return &campaign.RowError{Row: row.Num, Column: h.column(), Err: fmt.Errorf("render: %s: %w", h.name, err)}
}

// column returns the one field h uses, or "" if it uses none or several.
func (h *header) column() string {
	if len(h.fields) == 1 {
		return h.fields[0]
	}
	return ""
}

// rowErr returns a *campaign.RowError about h whose Column is the first
// field of h whose value satisfies bad (else h's only field, if any).
func (h *header) rowErr(row campaign.Row, bad func(string) bool, format string, args ...any) error {
	col := h.column()
	for _, f := range h.fields {
		if bad(row.Fields[f]) {
			col = f
			break
		}
	}
	return &campaign.RowError{Row: row.Num, Column: col, Err: fmt.Errorf("render: "+h.name+": "+format, args...)}
}

// checkValue reports a header value that could break the header apart or
// that is not UTF-8. The caller puts the header's name in front.
func checkValue(v string) error {
	if i := badChar(v); i >= 0 {
		if v[i] == '\r' || v[i] == '\n' {
			return errors.New("contains a line break (header injection)")
		}
		return fmt.Errorf("contains the control character %#02x", v[i])
	}
	if !utf8.ValidString(v) {
		return errors.New("not valid UTF-8")
	}
	return nil
}

// badChar returns the index of the first control character other than tab
// in v, or -1.
func badChar(v string) int {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return i
		}
	}
	return -1
}

// parseAddrs parses an address list, reporting a problem with the header's
// name and the value.
func parseAddrs(name, v string) ([]*mail.Address, error) {
	addrs, err := mail.ParseAddressList(v)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid address %q: %v", name, v, err)
	}
	return addrs, nil
}
