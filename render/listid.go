package render

import (
	"bytes"
	"fmt"
	"net/mail"
	"strings"

	"github.com/mailrun/mailrun/campaign"
	"golang.org/x/net/idna"
)

// parseListID checks the ListID option and encodes the List-Id header line
// (RFC 2919) once: "news.example.com" or "Newsletter <news.example.com>",
// the identifier a dot-separated name of letters, digits and hyphens. A
// template that has its own List-Id header cannot take the option. Errors
// are *campaign.InputError.
func (t *Template) parseListID(v string) error {
	for _, h := range t.headers {
		if strings.EqualFold(h.name, "List-Id") {
			return &campaign.InputError{File: t.path, Line: h.line, Err: fmt.Errorf("render: List-Id: the list id option sets this header too; set it in one place")}
		}
	}
	phrase, id := "", strings.TrimSpace(v)
	if i := strings.LastIndexByte(id, '<'); i >= 0 && strings.HasSuffix(id, ">") {
		phrase, id = strings.TrimSpace(id[:i]), id[i+1:len(id)-1]
	}
	if !validListID(id) || checkValue(phrase) != nil {
		return &campaign.InputError{Err: fmt.Errorf("render: list id %q: want NAME.DOMAIN (letters, digits, hyphens and dots), optionally after a description: \"News <news.example.com>\"", v)}
	}
	var b bytes.Buffer
	if phrase == "" {
		fold(&b, "List-Id", "<"+id+">")
	} else {
		var sb strings.Builder
		formatAddress(&sb, &mail.Address{Name: phrase, Address: "x@y"})
		name, _, _ := strings.Cut(sb.String(), " <x@y>")
		if !fold(&b, "List-Id", name+" <"+id+">") {
			return &campaign.InputError{Err: fmt.Errorf("render: list id %q is too long", v)}
		}
	}
	t.listID = b.Bytes()
	return nil
}

// validListID reports whether id is a list-label "." namespace of RFC 2919.
func validListID(id string) bool {
	if !strings.Contains(id, ".") || len(id) > 255 {
		return false
	}
	for _, label := range strings.Split(id, ".") {
		if label == "" {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// asciiDomain returns addr with its domain as IDNA A-labels ("bücher.example"
// becomes "xn--bcher-kva.example") when its local part is ASCII, so that
// the header needs no SMTPUTF8; else addr itself.
func asciiDomain(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || printableASCII(addr) || !printableASCII(addr[:at]) {
		return addr
	}
	d, err := idna.Lookup.ToASCII(addr[at+1:])
	if err != nil {
		return addr
	}
	return addr[:at+1] + d
}

// messageIDDomain returns the From domain as it goes into the Message-ID:
// lower-cased and always ASCII.
func messageIDDomain(domain string) string {
	d, err := idna.Lookup.ToASCII(strings.ToLower(domain))
	if err != nil || !printableASCII(d) || d == "" {
		return "mailrun.invalid"
	}
	return d
}
