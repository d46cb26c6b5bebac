package smtptest

import (
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// An Option changes how a Server behaves. Options that inject failures count
// their uses across the whole server (all connections), so "the first n" means
// the first n matching commands the server receives.
type Option func(*config)

type config struct {
	mailFaults  []*fault
	rcptFaults  []*fault
	dataFaults  []*fault
	cuts        int // DATA transactions still to cut; <0: all
	maxConns    int
	delay       time.Duration
	user, pass  string
	oauthUser   string
	oauthValid  func(token string) bool
	startTLS    bool
	implicitTLS bool
	noPipelined bool
	hook        func(Message) *smtp.SMTPError
	texts       map[int]replyText // injected replies by code
	rcptLimit   int               // 452 4.5.3 after this many RCPTs, unannounced
	rcptMax     int               // LIMITS RCPTMAX, announced and enforced
	smtputf8    bool
}

// replyText is the enhanced code and text of an injected reply.
type replyText struct {
	enhanced smtp.EnhancedCode
	text     string
}

// fault is one injected reply: code for the addresses addrs (any address
// when empty), left more times (<0: always).
type fault struct {
	code  int
	addrs []string
	left  int
}

// take reports whether the fault applies to one of addrs, and uses it up once
// when it does. The caller holds the server's lock.
func (f *fault) take(addrs ...string) bool {
	if f.left == 0 || !f.matches(addrs) {
		return false
	}
	if f.left > 0 {
		f.left--
	}
	return true
}

func (f *fault) matches(addrs []string) bool {
	if len(f.addrs) == 0 {
		return true
	}
	for _, a := range addrs {
		for _, b := range f.addrs {
			if strings.EqualFold(a, b) {
				return true
			}
		}
	}
	return false
}

func newFault(code, times int, addrs []string) *fault {
	if times <= 0 {
		times = -1
	}
	return &fault{code: code, addrs: addrs, left: times}
}

// FailMail makes the server reply code (for example 421 or 451) to MAIL
// FROM, the first times times (always when times <= 0). The connection stays
// open, even after 421.
func FailMail(code, times int) Option {
	return func(c *config) { c.mailFaults = append(c.mailFaults, newFault(code, times, nil)) }
}

// FailRcpt makes the server reply code (for example 450 or 550) to RCPT TO
// for the given addresses, or for every address when none is given. With
// times > 0 only the first times matching RCPT commands fail; with times <= 0
// all of them do. The message still reaches DATA when another recipient is
// accepted, as with a real server.
func FailRcpt(code, times int, addrs ...string) Option {
	return func(c *config) { c.rcptFaults = append(c.rcptFaults, newFault(code, times, addrs)) }
}

// FailData makes the server read the message data and then reply code (for
// example 451 or 554) to the final dot instead of accepting it, for messages
// with one of the given envelope recipients (any message when none is given).
// times counts as in FailRcpt.
func FailData(code, times int, addrs ...string) Option {
	return func(c *config) { c.dataFaults = append(c.dataFaults, newFault(code, times, addrs)) }
}

// CutData makes the server read the whole message data of the first times
// messages (every message when times <= 0) and then close the connection
// without replying: the ambiguous case where the client cannot know whether
// the message was taken. Such messages are recorded with Code 0.
func CutData(times int) Option {
	return func(c *config) {
		if times <= 0 {
			times = -1
		}
		c.cuts = times
	}
}

// MaxConns makes the server greet a connection with "421 4.3.2 Too many
// connections" and close it when n connections are already open.
func MaxConns(n int) Option { return func(c *config) { c.maxConns = n } }

// Delay makes the server wait d before replying to MAIL, RCPT and the final
// dot of DATA. The wait ends early when the server closes.
func Delay(d time.Duration) Option { return func(c *config) { c.delay = d } }

// Auth makes the server advertise AUTH PLAIN, accept only user and pass, and
// refuse MAIL with "530 5.7.0" before a successful AUTH. AUTH is allowed
// without TLS, so that tests can use it over plain loopback connections.
func Auth(user, pass string) Option {
	return func(c *config) { c.user, c.pass = user, pass }
}

// StartTLS makes the server advertise STARTTLS with the test certificate (see
// Server.RootCAs).
func StartTLS() Option { return func(c *config) { c.startTLS = true } }

// ImplicitTLS makes the server speak TLS from the first byte (smtps) with the
// test certificate.
func ImplicitTLS() Option { return func(c *config) { c.implicitTLS = true } }

// NoPipelining removes PIPELINING from the server's EHLO reply, so that
// clients must talk in strict turn. It only works without TLS.
func NoPipelining() Option { return func(c *config) { c.noPipelined = true } }

// Hook makes the server call h with each message after its data has been
// read (Code and QueueID are not yet set). A non-nil reply is sent instead of
// the normal one; the message is recorded with that reply's code. Injected
// failures (CutData, FailData) take precedence over the hook. h runs on the
// connection's goroutine and must be safe for concurrent use.
func Hook(h func(Message) *smtp.SMTPError) Option { return func(c *config) { c.hook = h } }

// ReplyText makes the injected failures with code (FailMail, FailRcpt,
// FailData) reply with the enhanced status code enhanced ("4.7.1") and
// text instead of the defaults, so that a test can play a given server's
// reply, e.g. ReplyText(450, "4.7.1", "Error: too much mail from 127.0.0.1").
func ReplyText(code int, enhanced, text string) Option {
	var ec smtp.EnhancedCode
	for i, p := range strings.SplitN(enhanced, ".", 3) {
		for _, c := range p {
			ec[i] = ec[i]*10 + int(c-'0')
		}
	}
	return func(c *config) {
		if c.texts == nil {
			c.texts = map[int]replyText{}
		}
		c.texts[code] = replyText{ec, text}
	}
}

// RcptLimit makes the server take at most n recipients per transaction
// and answer each further RCPT TO with "452 4.5.3 Error: too many
// recipients", as Postfix's smtpd_recipient_limit does, without announcing
// the limit.
func RcptLimit(n int) Option { return func(c *config) { c.rcptLimit = n } }

// RcptMax makes the server announce "LIMITS RCPTMAX=n" (RFC 9422) in its
// EHLO reply and refuse further recipients with 452 4.5.3.
func RcptMax(n int) Option { return func(c *config) { c.rcptMax = n } }

// SMTPUTF8 makes the server announce and accept SMTPUTF8 (RFC 6531).
func SMTPUTF8() Option { return func(c *config) { c.smtputf8 = true } }
