package smtptest

import (
	"bytes"

	"github.com/emersion/go-smtp"
)

// XOAuth2 makes the server advertise AUTH XOAUTH2 (and no other mechanism
// unless Auth is given too), accept the user user with the bearer tokens
// that valid approves (a TokenServer's Valid, say), and refuse MAIL with
// "530 5.7.0" before a successful AUTH. A refused token gets what Gmail
// sends: a 334 challenge holding a JSON error, then, after the client's
// empty answer, "535 5.7.8". AUTH is allowed without TLS, so that tests can
// use it over plain loopback connections.
func XOAuth2(user string, valid func(token string) bool) Option {
	return func(c *config) { c.oauthUser, c.oauthValid = user, valid }
}

// Logins returns how many AUTH exchanges the server accepted and refused.
func (s *Server) Logins() (accepted, refused int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins, s.loginsRefused
}

// login counts one AUTH exchange.
func (s *Server) login(ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok {
		s.logins++
	} else {
		s.loginsRefused++
	}
}

// xoauth2Server is the server side of SASL XOAUTH2: the client's initial
// response is "user=" user "\x01auth=Bearer " token "\x01\x01".
type xoauth2Server struct {
	ss     *session
	failed bool
}

// oauthError is the challenge Gmail sends for a refused token.
var oauthError = []byte(`{"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}`)

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	switch {
	case x.failed:
		return nil, true, smtp.ErrAuthFailed
	case resp == nil:
		return []byte{}, false, nil // no initial response: ask for it
	}
	cfg := x.ss.s.cfg
	user, token, ok := parseXOAuth2(resp)
	if ok && user == cfg.oauthUser && cfg.oauthValid(token) {
		x.ss.authed = true
		x.ss.s.login(true)
		return nil, true, nil
	}
	x.ss.s.login(false)
	x.failed = true
	return oauthError, false, nil
}

// parseXOAuth2 splits an XOAUTH2 initial response into its user and
// bearer token.
func parseXOAuth2(resp []byte) (user, token string, ok bool) {
	for field := range bytes.SplitSeq(bytes.TrimRight(resp, "\x01"), []byte{1}) {
		switch {
		case bytes.HasPrefix(field, []byte("user=")):
			user = string(field[len("user="):])
		case bytes.HasPrefix(field, []byte("auth=Bearer ")):
			token, ok = string(field[len("auth=Bearer "):]), true
		}
	}
	return user, token, ok && user != ""
}
