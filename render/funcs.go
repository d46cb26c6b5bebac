package render

import (
	htmltemplate "html/template"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"

	"github.com/Masterminds/sprig/v3"
)

// Names of the functions that New inserts into address header templates
// (see guardAddresses). They start with an underscore so that they cannot
// clash with a Sprig function.
const (
	fnDisplayName = "_mailrunDisplayName"
	fnAddrSpec    = "_mailrunAddrSpec"
)

// unsafeFuncs are removed from Sprig's hermetic maps: they read the
// environment or the network. The hermetic maps leave them out already; the
// deletion guards against a future Sprig version putting them back.
var unsafeFuncs = []string{"env", "expandenv", "getHostByName"}

var textFuncs = sync.OnceValue(func() texttemplate.FuncMap {
	m := sprig.HermeticTxtFuncMap()
	for _, name := range unsafeFuncs {
		delete(m, name)
	}
	m["addr"] = formatAddr
	m[fnDisplayName] = quoteDisplayName
	m[fnAddrSpec] = checkAddrSpec
	return m
})

var htmlFuncs = sync.OnceValue(func() htmltemplate.FuncMap {
	m := sprig.HermeticHtmlFuncMap()
	for _, name := range unsafeFuncs {
		delete(m, name)
	}
	return m
})

// formatAddr implements the addr template function.
func formatAddr(name, email string) string {
	return (&mail.Address{Name: name, Address: strings.TrimSpace(email)}).String()
}

// quoteDisplayName makes s one quoted-string, so that a display name with a
// comma or angle brackets cannot turn into more addresses.
func quoteDisplayName(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// addrSpecError reports a value that cannot be a bare address where the
// template expects one (between < and >), with why when net/mail says.
type addrSpecError struct{ value, why string }

func (e *addrSpecError) Error() string {
	if e.why != "" {
		return "not an email address: " + strconv.Quote(e.value) + " (" + e.why + ")"
	}
	return "not a single bare address: " + strconv.Quote(e.value)
}

// checkAddrSpec returns s trimmed, or an *addrSpecError if s holds anything
// that would end the address or start another one, or is not an address.
// Control characters are left for checkValue to report, and an empty value
// for the header's rules on empty fields.
func checkAddrSpec(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || badChar(s) >= 0 {
		return s, nil // checkValue reports a line break or control character
	}
	if strings.ContainsAny(s, "<>,;:\"()\\ \t") {
		return "", &addrSpecError{value: s}
	}
	if _, err := mail.ParseAddress("<" + s + ">"); err != nil {
		return "", &addrSpecError{value: s, why: strings.TrimPrefix(err.Error(), "mail: ")}
	}
	return s, nil
}
