package sender

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mailrun/mailrun/campaign"
	"github.com/wneessen/go-mail/smtp"
)

// The AUTH mechanisms a Config may name, as the server spells them.
const (
	authPlain       = "PLAIN"
	authLogin       = "LOGIN"
	authCRAMMD5     = "CRAM-MD5"
	authSCRAMSHA256 = "SCRAM-SHA-256"
	authSCRAMSHA1   = "SCRAM-SHA-1"
	authXOAUTH2     = "XOAUTH2"
	authNone        = "NONE"
)

// authPreference is the order in which the mechanisms the server offers are
// chosen when Config.Auth is empty. PLAIN and LOGIN work with any password
// store (a server that keeps hashed passwords cannot do CRAM-MD5), and they
// are only ever used inside TLS or on loopback. XOAUTH2 needs a token, not a
// password: it is used only when asked for.
var authPreference = []string{authPlain, authLogin, authSCRAMSHA256, authSCRAMSHA1, authCRAMMD5}

// ErrNoPassword is returned by NewPool for a URL that names a user when no
// password was given: the run stops before connecting.
var ErrNoPassword = errors.New("sender: the SMTP URL names a user but no password is set")

// ErrCleartextAuth is inside the Fatal error of a connection to a host
// other than loopback that does not use TLS while a user is configured: no
// credential of any kind (password, token, challenge response) goes over
// such a connection.
var ErrCleartextAuth = errors.New("sender: refusing to authenticate without TLS to a host other than loopback")

// AuthMechanismError is inside the Fatal error of a connection on which no
// usable AUTH mechanism is offered.
type AuthMechanismError struct {
	// Offered lists the mechanisms the server offered (none: empty);
	// Wanted is the one Config.Auth asked for, "" for the automatic choice.
	Offered []string
	Wanted  string
	// TLS is true when the connection used TLS.
	TLS bool
}

func (e *AuthMechanismError) Error() string {
	offered := "no AUTH mechanism"
	if len(e.Offered) > 0 {
		offered = "AUTH " + strings.Join(e.Offered, " ")
	}
	if e.Wanted != "" {
		return fmt.Sprintf("sender: the server does not offer AUTH %s (it offers %s)", e.Wanted, offered)
	}
	return fmt.Sprintf("sender: none of the AUTH mechanisms mailrun knows is offered (the server offers %s)", offered)
}

// authMechanism returns the mechanism Config.Auth names ("" for the
// automatic choice), or an error for an unknown name.
func authMechanism(name string) (string, error) {
	m := strings.ToUpper(name)
	if m == "" || m == authNone || m == authXOAUTH2 || slices.Contains(authPreference, m) {
		return m, nil
	}
	return "", fmt.Errorf("sender: AUTH mechanism %q: want plain, login, cram-md5, scram-sha-256, scram-sha-1, xoauth2 or none", name)
}

// authenticate signs the connection c in with secret (a password, or an
// OAuth2 access token for XOAUTH2), when the pool has a user: with p.mech,
// or the first of authPreference that the server offers. secure
// tells whether the connection uses TLS or goes to a loopback address;
// otherwise nothing is sent and the error wraps ErrCleartextAuth. Errors are
// *campaign.DeliveryError (Fatal, but for 4xx replies).
func (p *Pool) authenticate(c *smtp.Client, tlsOn, loopback bool, secret string) error {
	if p.ep.User == "" || p.mech == authNone {
		return nil
	}
	if !tlsOn && !loopback {
		return &campaign.DeliveryError{Class: campaign.Fatal, Scope: campaign.ScopeSession,
			Text: "refusing to send credentials to " + p.ep.Host + " over a connection without TLS", Err: ErrCleartextAuth}
	}
	_, list := c.Extension("AUTH")
	offered := strings.Fields(strings.ToUpper(list))
	mech := p.mech
	if mech == "" {
		for _, m := range authPreference {
			if slices.Contains(offered, m) {
				mech = m
				break
			}
		}
	}
	if mech == "" || !slices.Contains(offered, mech) {
		e := &AuthMechanismError{Offered: offered, Wanted: p.mech, TLS: tlsOn}
		return &campaign.DeliveryError{Class: campaign.Fatal, Scope: campaign.ScopeSession, Text: strings.TrimPrefix(e.Error(), "sender: "), Err: e}
	}
	user, pw, host := p.ep.User, secret, p.ep.Host
	var a smtp.Auth
	switch mech {
	case authPlain:
		a = smtp.PlainAuth("", user, pw, host, true) // TLS or loopback: checked above
	case authLogin:
		a = smtp.LoginAuth(user, pw, host, true)
	case authCRAMMD5:
		a = smtp.CRAMMD5Auth(user, pw)
	case authSCRAMSHA256:
		a = smtp.ScramSHA256Auth(user, pw)
	case authSCRAMSHA1:
		a = smtp.ScramSHA1Auth(user, pw)
	case authXOAUTH2:
		a = smtp.XOAuth2Auth(user, pw)
	}
	if err := c.Auth(a); err != nil {
		return p.redact(setupError(phaseAuth, fmt.Errorf("AUTH %s: %w", mech, err)), secret)
	}
	return nil
}
