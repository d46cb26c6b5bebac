package campaign

import (
	"fmt"
	"net/mail"
	"strings"
)

// Suppression is a set of addresses and domains that must never be mailed:
// unsubscribes, complaints, hard bounces. Entries are compared whole and
// without regard to case: a bare address suppresses that address, a domain
// every address at it (not its subdomains).
//
// Add may not run concurrently with anything else; once filled, a
// Suppression is safe for concurrent Contains. A nil *Suppression contains
// nothing.
type Suppression struct {
	addrs, domains KeyTable
}

// Add adds one entry: "@domain", or an address ("user@example.com" or
// "Name <user@example.com>"). Anything else is an error that quotes v.
func (s *Suppression) Add(v string) error {
	if d, ok := strings.CutPrefix(v, "@"); ok {
		d = strings.ToLower(d)
		if d == "" || strings.ContainsAny(d, "@ \t<>,;") {
			return fmt.Errorf("%q is not an address or @domain", v)
		}
		s.domains.AddString(d, 0)
		return nil
	}
	a, err := mail.ParseAddress(v)
	if err != nil {
		return fmt.Errorf("%q is not an address or @domain", v)
	}
	s.addrs.AddString(strings.ToLower(a.Address), 0)
	return nil
}

// Len returns the number of distinct entries (addresses and domains).
func (s *Suppression) Len() int {
	if s == nil {
		return 0
	}
	return s.addrs.Len() + s.domains.Len()
}

// Contains reports whether addr, a bare address, is suppressed: the address
// itself or its domain is in the set.
func (s *Suppression) Contains(addr string) bool {
	if s.Len() == 0 {
		return false
	}
	addr = strings.ToLower(strings.TrimSpace(addr))
	if _, ok := s.addrs.Get(addr); ok {
		return true
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || s.domains.Len() == 0 {
		return false
	}
	_, ok := s.domains.Get(addr[at+1:])
	return ok
}
