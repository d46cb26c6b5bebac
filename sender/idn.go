package sender

import (
	"strings"

	"golang.org/x/net/idna"
)

// wireAddress returns the envelope address a as it goes to any server: an
// internationalized domain as its ASCII form (IDNA 2008 A-labels,
// "xn--bcher-kva.example") when the local part is ASCII, so that the
// address needs no SMTPUTF8. An address with a non-ASCII local part, or
// whose domain does not convert, is returned as it is: it needs SMTPUTF8.
func wireAddress(a string) string {
	if isASCII(a) {
		return a
	}
	at := strings.LastIndexByte(a, '@')
	if at < 0 || !isASCII(a[:at]) {
		return a
	}
	d, err := idna.Lookup.ToASCII(a[at+1:])
	if err != nil {
		return a
	}
	return a[:at+1] + d
}
