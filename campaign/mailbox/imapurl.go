package mailbox

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ErrPasswordInURL is returned by ParseIMAPURL for a URL that holds a
// password: passwords never go on a command line.
var ErrPasswordInURL = errors.New("mailbox: the IMAP URL holds a password")

// IMAPEndpoint is where an IMAP mailbox is.
type IMAPEndpoint struct {
	// Addr is host:port.
	Addr string
	// Host is the host name the server's certificate must name.
	Host string
	// User logs in; Mailbox is the folder to read ("INBOX" by default).
	User, Mailbox string
	// StartTLS is set for imap:// (STARTTLS, required); imaps:// is
	// implicit TLS.
	StartTLS bool
}

// String returns the endpoint as a URL without a password.
func (e IMAPEndpoint) String() string {
	scheme := "imaps"
	if e.StartTLS {
		scheme = "imap"
	}
	u := url.URL{Scheme: scheme, User: url.User(e.User), Host: e.Addr, Path: "/" + e.Mailbox}
	return u.String()
}

// ParseIMAPURL parses imaps://user@host[:port]/MAILBOX (implicit TLS, port
// 993 by default) or imap://user@host[:port]/MAILBOX (STARTTLS, required;
// port 143). The user may hold an '@' (user@example.com@imap.example.com)
// or escape it as %40. MAILBOX defaults to INBOX and may name a folder
// below another (Archive/Bounces). Errors never repeat the URL, which may
// hold a mistyped password.
func ParseIMAPURL(raw string) (IMAPEndpoint, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return IMAPEndpoint{}, errors.New("mailbox: the IMAP URL does not parse; want imaps://user@host[:port]/MAILBOX")
	}
	var e IMAPEndpoint
	port := ""
	switch strings.ToLower(u.Scheme) {
	case "imaps":
		port = "993"
	case "imap":
		port, e.StartTLS = "143", true
	default:
		return IMAPEndpoint{}, fmt.Errorf("mailbox: IMAP URL scheme %q: want imaps:// (or imap:// for STARTTLS)", u.Scheme)
	}
	if u.User == nil || u.User.Username() == "" {
		return IMAPEndpoint{}, errors.New("mailbox: the IMAP URL names no user; want imaps://user@host/MAILBOX")
	}
	if _, ok := u.User.Password(); ok {
		return IMAPEndpoint{}, ErrPasswordInURL
	}
	e.User = u.User.Username()
	e.Host = u.Hostname()
	if e.Host == "" {
		return IMAPEndpoint{}, errors.New("mailbox: the IMAP URL names no host")
	}
	if p := u.Port(); p != "" {
		port = p
	}
	e.Addr = net.JoinHostPort(e.Host, port)
	e.Mailbox = strings.Trim(u.Path, "/")
	if e.Mailbox == "" {
		e.Mailbox = "INBOX"
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return IMAPEndpoint{}, errors.New("mailbox: the IMAP URL takes no ?query or #fragment")
	}
	return e, nil
}
