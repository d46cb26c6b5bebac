package smtptest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The scenarios of the private Postfix that .ci/servers/start runs: one
// smtpd on its own loopback port each (see PostfixServer.Addr).
const (
	// ScenarioPlain: no TLS required, no AUTH; STARTTLS offered.
	ScenarioPlain = "plain"
	// ScenarioSubmission: STARTTLS required, then AUTH PLAIN or LOGIN
	// (User, Password) required before any RCPT is accepted.
	ScenarioSubmission = "submission"
	// ScenarioSMTPS: implicit TLS (port 465 style), AUTH required.
	ScenarioSMTPS = "smtps"
	// ScenarioRcptLimit: smtpd_recipient_limit=RcptLimit (2): the RCPT
	// after the limit gets "452 4.5.3 Error: too many recipients".
	ScenarioRcptLimit = "rcptlimit"
	// ScenarioRateLimit: smtpd_client_message_rate_limit=RateLimit (60)
	// per RateUnit (10 s), loopback included: MAIL FROM number 61 in a
	// window gets "450 4.7.1 Error: too much mail from 127.0.0.1". Every
	// test that uses it shares one counter (the client address).
	ScenarioRateLimit = "ratelimit"
	// ScenarioNoPipelining: EHLO without PIPELINING.
	ScenarioNoPipelining = "nopipelining"
	// ScenarioNoUTF8: EHLO without SMTPUTF8 and 8BITMIME, and
	// smtputf8_enable=no: MAIL FROM ... SMTPUTF8 gets "555 5.5.4", a
	// non-ASCII address "501 5.1.3".
	ScenarioNoUTF8 = "noutf8"
	// ScenarioFQDNHelo: HELO/EHLO required and
	// reject_non_fqdn_helo_hostname: after "EHLO localhost" every RCPT
	// gets "504 5.5.2 <localhost>: Helo command rejected".
	ScenarioFQDNHelo = "fqdnhelo"
	// ScenarioRefuseCC: RCPT TO:<Refused> (refused@example.org) gets
	// "550 5.1.1 <refused@example.org>: Recipient address rejected: User
	// unknown"; every other address is accepted.
	ScenarioRefuseCC = "refusecc"
	// ScenarioBounce accepts mail to any address in BounceDomain
	// (bounce.test), which then fails (5.1.1 mailbox unavailable), and
	// Postfix sends an RFC 3464 DSN to the envelope sender. Send as User
	// (sender@example.test) and the DSN lands in BounceMaildir (see
	// Bounces). The other scenarios refuse the bounce domain at RCPT.
	ScenarioBounce = "bounce"
)

var realScenarios = []string{
	ScenarioPlain, ScenarioSubmission, ScenarioSMTPS, ScenarioRcptLimit, ScenarioRateLimit,
	ScenarioNoPipelining, ScenarioNoUTF8, ScenarioFQDNHelo, ScenarioRefuseCC, ScenarioBounce,
}

// RealWait is how long the Wait methods of PostfixServer poll before they
// fail the test.
const RealWait = 30 * time.Second

// PostfixServer describes the private Postfix (with Dovecot SASL) that
// .ci/servers/start runs on 127.0.0.1, as its env file tells the tests. Every
// domain but BounceDomain is delivered: all mail lands in one Maildir, except
// mail to User, which lands in BounceMaildir (served over IMAP by Dovecot).
//
// Tests in many packages may use the instance at the same time: give every
// message a unique token (Token) in its Subject or Message-ID and find it with
// Messages and WaitMessages, rather than counting all deliveries.
type PostfixServer struct {
	// Dir is the instance's directory (MAILRUN_TEST_POSTFIX_DIR).
	Dir string
	// CAFile is the PEM file of the CA that signed the server certificate
	// (for localhost and 127.0.0.1).
	CAFile string
	// User and Password log in with AUTH PLAIN or LOGIN (and to IMAP).
	User, Password string
	// Maildir is where Postfix delivers every message (but those to User).
	Maildir string
	// BounceMaildir is User's Maildir, where the DSNs of the bounce
	// scenario land.
	BounceMaildir string
	// LogFile is Postfix's log: one line per client command problem,
	// queue id, delivery and removal.
	LogFile string
	// BounceDomain is the domain that bounces (bounce.test).
	BounceDomain string
	// Refused is the address the refusecc scenario refuses.
	Refused string
	// RcptLimit is the rcptlimit scenario's recipient limit.
	RcptLimit int
	// RateLimit is how many messages the ratelimit scenario takes from
	// one client per RateUnit.
	RateLimit int
	RateUnit  time.Duration

	addrs map[string]string
}

// DovecotServer describes the private Dovecot IMAP server that runs beside
// the Postfix of PostfixServer: it serves User's Maildir (the DSNs of the
// bounce scenario) as Mailbox.
type DovecotServer struct {
	// IMAPS is the implicit-TLS address, IMAP the plain one (STARTTLS).
	IMAPS, IMAP string
	// User, Password and Mailbox to log in and select.
	User, Password, Mailbox string
	// CAFile is the PEM file of the CA that signed the server certificate.
	CAFile string
	// Maildir is the Maildir behind Mailbox.
	Maildir string
}

// realEnv reads the environment variables named by keys (each prefixed
// with MAILRUN_TEST_). When any is missing it fails the test in CI
// (CI=true) and skips it otherwise.
func realEnv(t testing.TB, what string, keys ...string) map[string]string {
	t.Helper()
	env := map[string]string{}
	var missing []string
	for _, k := range keys {
		v := os.Getenv("MAILRUN_TEST_" + k)
		if v == "" {
			missing = append(missing, "MAILRUN_TEST_"+k)
		}
		env[k] = v
	}
	if len(missing) > 0 {
		Missing(t, what+" test server", "run .ci/servers/start and source its env file (unset: "+strings.Join(missing, " ")+")")
	}
	return env
}

// Postfix returns the private Postfix described by the MAILRUN_TEST_POSTFIX_*
// variables of the env file that .ci/servers/start writes. Without them it
// fails the test when CI=true and skips it otherwise.
func Postfix(t testing.TB) *PostfixServer {
	t.Helper()
	keys := []string{
		"POSTFIX_DIR", "POSTFIX_CA", "POSTFIX_USER", "POSTFIX_PASSWORD", "POSTFIX_MAILDIR",
		"POSTFIX_LOG", "POSTFIX_BOUNCE_DOMAIN", "POSTFIX_REFUSED", "POSTFIX_RCPT_LIMIT",
		"POSTFIX_RATE_LIMIT", "POSTFIX_RATE_UNIT", "DOVECOT_MAILDIR",
	}
	for _, s := range realScenarios {
		keys = append(keys, "POSTFIX_"+strings.ToUpper(s))
	}
	env := realEnv(t, "postfix", keys...)
	p := &PostfixServer{
		Dir:           env["POSTFIX_DIR"],
		CAFile:        env["POSTFIX_CA"],
		User:          env["POSTFIX_USER"],
		Password:      env["POSTFIX_PASSWORD"],
		Maildir:       env["POSTFIX_MAILDIR"],
		BounceMaildir: env["DOVECOT_MAILDIR"],
		LogFile:       env["POSTFIX_LOG"],
		BounceDomain:  env["POSTFIX_BOUNCE_DOMAIN"],
		Refused:       env["POSTFIX_REFUSED"],
		addrs:         map[string]string{},
	}
	for _, s := range realScenarios {
		p.addrs[s] = env["POSTFIX_"+strings.ToUpper(s)]
	}
	var err1, err2, err3 error
	p.RcptLimit, err1 = strconv.Atoi(env["POSTFIX_RCPT_LIMIT"])
	p.RateLimit, err2 = strconv.Atoi(env["POSTFIX_RATE_LIMIT"])
	p.RateUnit, err3 = parseRateUnit(env["POSTFIX_RATE_UNIT"])
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatalf("smtptest: postfix env: %v", err)
	}
	if _, err := os.Stat(filepath.Join(p.Maildir, "new")); err != nil {
		t.Fatalf("smtptest: postfix test server gone (stale env file?): %v", err)
	}
	return p
}

// parseRateUnit parses a Postfix time value: a number with an optional
// unit s, m, h, d or w (default s).
func parseRateUnit(s string) (time.Duration, error) {
	unit := time.Second
	num := s
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 's':
			num = s[:n-1]
		case 'm':
			num, unit = s[:n-1], time.Minute
		case 'h':
			num, unit = s[:n-1], time.Hour
		case 'd':
			num, unit = s[:n-1], 24*time.Hour
		case 'w':
			num, unit = s[:n-1], 7*24*time.Hour
		}
	}
	v, err := strconv.Atoi(num)
	if err != nil {
		return 0, fmt.Errorf("bad time value %q", s)
	}
	return time.Duration(v) * unit, nil
}

// Dovecot returns the private Dovecot described by the MAILRUN_TEST_DOVECOT_*
// variables of the env file that .ci/servers/start writes. Without them it
// fails the test when CI=true and skips it otherwise.
func Dovecot(t testing.TB) *DovecotServer {
	t.Helper()
	env := realEnv(t, "dovecot", "DOVECOT_IMAPS", "DOVECOT_IMAP", "DOVECOT_USER", "DOVECOT_PASSWORD",
		"DOVECOT_MAILBOX", "DOVECOT_MAILDIR", "POSTFIX_CA")
	return &DovecotServer{
		IMAPS:    env["DOVECOT_IMAPS"],
		IMAP:     env["DOVECOT_IMAP"],
		User:     env["DOVECOT_USER"],
		Password: env["DOVECOT_PASSWORD"],
		Mailbox:  env["DOVECOT_MAILBOX"],
		CAFile:   env["POSTFIX_CA"],
		Maildir:  env["DOVECOT_MAILDIR"],
	}
}

// Addr returns the "127.0.0.1:port" address of a scenario (ScenarioPlain,
// ...). It panics for an unknown scenario.
func (p *PostfixServer) Addr(scenario string) string {
	a, ok := p.addrs[scenario]
	if !ok {
		panic(fmt.Sprintf("smtptest: unknown postfix scenario %q (known: %s)",
			scenario, strings.Join(realScenarios, ", ")))
	}
	return a
}

// Scenarios returns the names of all scenarios.
func (p *PostfixServer) Scenarios() []string { return slices.Clone(realScenarios) }

// RootCAs returns a pool holding the CA of the server certificate.
func (p *PostfixServer) RootCAs(t testing.TB) *x509.CertPool {
	t.Helper()
	return loadCA(t, p.CAFile)
}

// TLSConfig returns a client TLS configuration that trusts the server
// certificate of 127.0.0.1.
func (p *PostfixServer) TLSConfig(t testing.TB) *tls.Config {
	t.Helper()
	return &tls.Config{RootCAs: loadCA(t, p.CAFile), ServerName: "127.0.0.1"}
}

// RootCAs returns a pool holding the CA of the server certificate.
func (d *DovecotServer) RootCAs(t testing.TB) *x509.CertPool {
	t.Helper()
	return loadCA(t, d.CAFile)
}

// TLSConfig returns a client TLS configuration that trusts the server
// certificate of 127.0.0.1.
func (d *DovecotServer) TLSConfig(t testing.TB) *tls.Config {
	t.Helper()
	return &tls.Config{RootCAs: loadCA(t, d.CAFile), ServerName: "127.0.0.1"}
}

func loadCA(t testing.TB, file string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("smtptest: CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("smtptest: no certificate in %s", file)
	}
	return pool
}
