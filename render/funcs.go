package render

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/Masterminds/sprig/v3"
)

// Names of the functions that New inserts into address header templates
// (see guardAddresses). They start with an underscore so that they cannot
// clash with a Sprig function.
const (
	fnDisplayName = "_mailrunDisplayName"
	fnAddrSpec    = "_mailrunAddrSpec"
)

// removedFuncs are taken out of Sprig's hermetic maps: functions that read
// the environment or the network (the hermetic maps leave them out
// already; the deletion guards against a future Sprig version putting them
// back), and those whose result changes from one call to the next (the
// clock, randomness: preview and send would differ) or that cost much CPU
// or memory a call (key generation, password hashing).
var removedFuncs = []string{
	"env", "expandenv", "getHostByName",
	"now", "ago", "date_in_zone", "randInt", "randAlpha", "randAlphaNum", "randAscii", "randNumeric", "randBytes",
	"shuffle", "uuidv4", "bcrypt", "htpasswd", "encryptAES", "derivePassword",
	"genPrivateKey", "genCA", "genCAWithKey", "genSelfSignedCert", "genSelfSignedCertWithKey",
	"genSignedCert", "genSignedCertWithKey", "buildCustomCert",
}

// maxCount bounds the lists that until, untilStep and seq build, and the
// width and precision of printf.
const maxCount = 100_000

// sprigTextFuncs and sprigHTMLFuncs are Sprig's hermetic functions less
// removedFuncs.
var (
	sprigTextFuncs = sync.OnceValue(func() map[string]any { return trimmed(sprig.HermeticTxtFuncMap()) })
	sprigHTMLFuncs = sync.OnceValue(func() map[string]any { return trimmed(sprig.HermeticHtmlFuncMap()) })
)

func trimmed[M ~map[string]any](m M) map[string]any {
	for _, name := range removedFuncs {
		delete(m, name)
	}
	return m
}

// newGuard returns a guard with its template functions: for the text
// templates (headers, text part, unsubscribe URL), Sprig's (see
// sprigTextFuncs) with those that build from a count bounded, and
// mailrun's own; for the HTML body, Sprig's bounded likewise. Every one
// checks the guard (see guard.wrap).
func newGuard(maxOutput int64, maxTime time.Duration) *guard {
	g := &guard{maxOutput: maxOutput, maxTime: maxTime}
	m := g.funcs(sprigTextFuncs())
	m["addr"] = formatAddr
	m[fnDisplayName] = quoteDisplayName
	m[fnAddrSpec] = checkAddrSpec
	g.text = g.wrap(m)
	g.html = g.wrap(g.funcs(sprigHTMLFuncs()))
	return g
}

// textFuncs returns the functions of text templates.
func (g *guard) textFuncs() texttemplate.FuncMap { return g.text }

// htmlFuncs returns the functions of the HTML body.
func (g *guard) htmlFuncs() htmltemplate.FuncMap { return g.html }

// funcs returns a copy of base with the functions that build from a count
// replaced by bounded ones: a list over maxCount elements, or a string over
// the output limit, is an error instead of an allocation.
func (g *guard) funcs(base map[string]any) map[string]any {
	m := make(map[string]any, len(base)+8)
	for k, v := range base {
		m[k] = v
	}
	until, untilStep, seq := base["until"].(func(int) []int), base["untilStep"].(func(int, int, int) []int), base["seq"].(func(...int) string)
	repeat, indent, nindent := base["repeat"].(func(int, string) string), base["indent"].(func(int, string) string), base["nindent"].(func(int, string) string)
	m["until"] = func(n int) ([]int, error) {
		if err := countError("until", int64(n)); err != nil {
			return nil, err
		}
		return until(n), nil
	}
	m["untilStep"] = func(start, stop, step int) ([]int, error) {
		if step != 0 {
			if err := countError("untilStep", (int64(stop)-int64(start))/int64(step)); err != nil {
				return nil, err
			}
		}
		return untilStep(start, stop, step), nil
	}
	m["seq"] = func(p ...int) (string, error) {
		if len(p) > 0 {
			start, end, step := int64(1), int64(p[len(p)-1]), int64(1)
			if len(p) > 1 {
				start = int64(p[0])
			}
			if len(p) == 3 && p[1] != 0 {
				step = int64(p[1])
			}
			if err := countError("seq", (end-start)/step); err != nil {
				return "", err
			}
		}
		return seq(p...), nil
	}
	sized := func(name string, f func(int, string) string, extra int64) func(int, string) (string, error) {
		return func(n int, s string) (string, error) {
			if n > 0 && (int64(n) > g.maxOutput || int64(n)*(int64(len(s))+extra) > g.maxOutput) {
				return "", fmt.Errorf("%s %d: %w", name, n, g.limitError())
			}
			return f(n, s), nil
		}
	}
	m["repeat"] = sized("repeat", repeat, 0)
	m["indent"] = sized("indent", indent, 1)
	m["nindent"] = sized("nindent", nindent, 1)
	m["printf"] = boundedPrintf
	return m
}

// countError returns an error when n is over maxCount.
func countError(name string, n int64) error {
	if n > maxCount || n < -maxCount {
		return fmt.Errorf("%s: a list of more than %d elements", name, maxCount)
	}
	return nil
}

// boundedPrintf is text/template's printf (fmt.Sprintf) without widths or
// precisions over maxCount, which would make it build a string that large,
// or taken from arguments (*).
func boundedPrintf(format string, args ...any) (string, error) {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0[]123456789.*", format[i]) >= 0 {
			j := i
			for j < len(format) && format[j] >= '0' && format[j] <= '9' {
				j++
			}
			if format[i] == '*' {
				return "", errors.New("printf: a width or precision from an argument (*) is not allowed")
			}
			if j > i {
				if n, err := strconv.Atoi(format[i:j]); err != nil || n > maxCount {
					return "", fmt.Errorf("printf: a width or precision over %d", maxCount)
				}
				i = j
				continue
			}
			i++
		}
	}
	return fmt.Sprintf(format, args...), nil
}

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
