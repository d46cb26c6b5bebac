package sender

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/mailrun/mailrun/sender/credential"
)

// The TLS policies a Config or Endpoint can name.
const (
	// TLSMandatory requires STARTTLS: a server that does not offer it is a
	// fatal error.
	TLSMandatory = "mandatory"
	// TLSOpportunistic uses STARTTLS when the server offers it.
	TLSOpportunistic = "opportunistic"
	// TLSNone never uses STARTTLS.
	TLSNone = "none"
)

// ErrPasswordInURL is returned for a URL with a password: passwords come
// from elsewhere, never from a URL that may show in a process list or a
// log. The error never repeats the URL.
var ErrPasswordInURL = errors.New("sender: the SMTP URL must not contain a password")

// Endpoint is a parsed SMTP URL. It holds no password.
type Endpoint struct {
	// Host is the server's host name or IP address, without brackets.
	Host string
	// Port is the TCP port: from the URL, else 587 (smtp) or 465 (smtps).
	Port int
	// User is the user name for AUTH, empty for none.
	User string
	// ImplicitTLS is true for smtps: TLS from the first byte.
	ImplicitTLS bool
	// TLSPolicy says how STARTTLS is used when ImplicitTLS is false:
	// TLSMandatory, TLSOpportunistic or TLSNone.
	TLSPolicy string
}

// ParseURL parses an SMTP URL of the form smtp://[user@]host[:port] or
// smtps://[user@]host[:port]. policy, when not empty, overrides the TLS
// policy the URL implies: smtp:// means mandatory STARTTLS, except for a
// loopback host (localhost, 127.0.0.0/8, ::1) where it is opportunistic.
// smtps:// always means implicit TLS and refuses the policy "none".
//
// A URL that carries a password is refused with ErrPasswordInURL. Errors never contain the
// URL's user information, nor any part of the URL that could hold a
// mistyped password.
func ParseURL(raw, policy string) (Endpoint, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// Neither url.Error nor its reason is repeated: both can hold part
		// of a password whose characters broke the parse.
		return Endpoint{}, errors.New("sender: invalid SMTP URL: want smtp://[user@]host[:port] or smtps://[user@]host[:port]")
	}
	if _, ok := u.User.Password(); ok {
		return Endpoint{}, ErrPasswordInURL
	}
	var ep Endpoint
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		ep.Port = 587
	case "smtps":
		ep.Port, ep.ImplicitTLS = 465, true
	default:
		return Endpoint{}, fmt.Errorf("sender: SMTP URL scheme %q: want smtp or smtps", u.Scheme)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return Endpoint{}, errors.New("sender: SMTP URL: nothing may follow [user@]host[:port] (no path, query or fragment)")
	}
	ep.Host = u.Hostname()
	if ep.Host == "" {
		return Endpoint{}, errors.New("sender: SMTP URL: no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Endpoint{}, errors.New("sender: SMTP URL: the port must be a number from 1 to 65535")
		}
		ep.Port = n
	}
	ep.User = u.User.Username()

	switch strings.ToLower(policy) {
	case "":
		ep.TLSPolicy = TLSMandatory
		if !ep.ImplicitTLS && credential.IsLoopback(ep.Host) {
			ep.TLSPolicy = TLSOpportunistic
		}
	case TLSMandatory, TLSOpportunistic:
		ep.TLSPolicy = strings.ToLower(policy)
	case TLSNone:
		if ep.ImplicitTLS {
			return Endpoint{}, errors.New("sender: TLS policy \"none\" contradicts smtps:// (implicit TLS)")
		}
		ep.TLSPolicy = TLSNone
	default:
		return Endpoint{}, fmt.Errorf("sender: TLS policy %q: want mandatory, opportunistic or none", policy)
	}
	return ep, nil
}

// String returns the endpoint as a URL, without any password:
// "smtp://user@host:port".
func (ep Endpoint) String() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))}
	if ep.ImplicitTLS {
		u.Scheme = "smtps"
	}
	if ep.User != "" {
		u.User = url.User(ep.User)
	}
	return u.String()
}
