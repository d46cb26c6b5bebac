package bounce

import (
	"net/mail"
	"regexp"
	"strings"
)

// maxAddress is the longest address kept (RFC 5321 allows 254 octets in a
// path; a little more leaves room for odd but real ones).
const maxAddress = 320

// addrPattern matches an e-mail address inside free text: a local part of
// the characters RFC 5322 allows unquoted, an @ and a domain name or address
// literal.
var addrPattern = regexp.MustCompile(`[\p{L}\p{N}!#$%&'*+/=?^_{|}~.-]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*|\[[0-9A-Fa-f:.]+\])`)

// cleanAddress returns s as a bare, lower-cased address: it drops an
// address-type prefix ("rfc822;"), angle brackets, quotes, a display name
// and trailing punctuation. It returns "" when s holds no plausible address.
func cleanAddress(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ';'); i >= 0 && i < 12 && !strings.Contains(s[:i], "@") {
		s = strings.TrimSpace(s[i+1:])
	}
	if strings.ContainsAny(s, "<>\" ") {
		if a, err := mail.ParseAddress(s); err == nil {
			s = a.Address
		} else if m := addrPattern.FindString(s); m != "" {
			s = m
		} else {
			s = strings.Trim(s, "<>\" ")
		}
	}
	s = strings.Trim(s, "<>\"'`.,;:()[] \t")
	if s == "" || len(s) > maxAddress || strings.ContainsAny(s, " \t\r\n<>") {
		return ""
	}
	return strings.ToLower(s)
}

// findAddress returns the first address in s, cleaned, or "".
func findAddress(s string) string {
	return cleanAddress(addrPattern.FindString(s))
}

// addressList parses a header value that holds a list of addresses and
// returns them bare and lower-cased, at most max of them.
func addressList(v string, max int) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	var out []string
	if list, err := mail.ParseAddressList(v); err == nil {
		for _, a := range list {
			if c := cleanAddress(a.Address); c != "" {
				out = append(out, c)
			}
			if len(out) >= max {
				break
			}
		}
		return out
	}
	for _, m := range addrPattern.FindAllString(v, max) {
		if c := cleanAddress(m); c != "" {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		if c := cleanAddress(v); c != "" && !strings.ContainsAny(c, ",") {
			out = append(out, c)
		}
	}
	return out
}

// messageIDs returns the message IDs in a Message-ID, In-Reply-To or
// References value, without angle brackets, at most max of them.
func messageIDs(v string, max int) []string {
	var out []string
	for len(v) > 0 && len(out) < max {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		id := strings.TrimSpace(v[i+1 : i+j])
		if id != "" && len(id) <= maxAddress && !strings.ContainsAny(id, " \t") {
			out = append(out, id)
		}
		v = v[i+j+1:]
	}
	if len(out) == 0 {
		id := strings.Trim(strings.TrimSpace(v), "<>")
		if id != "" && len(id) <= maxAddress && !strings.ContainsAny(id, " \t<>") {
			out = append(out, id)
		}
	}
	return out
}

// firstMessageID returns the first message ID in v, or "".
func firstMessageID(v string) string {
	if ids := messageIDs(v, 1); len(ids) > 0 {
		return ids[0]
	}
	return ""
}
