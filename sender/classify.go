package sender

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/mailrun/mailrun/campaign"
)

// ErrClosed is the error (inside a Temporary *campaign.DeliveryError) of a
// Send on a closed Pool.
var ErrClosed = errors.New("sender: pool closed")

// ErrHelloRefused is inside the error of a session the server refused
// because of the name the client gave in EHLO.
var ErrHelloRefused = errors.New("sender: the server refused the EHLO name")

// phase is the step of an SMTP session a reply answers.
type phase int

const (
	phaseGreeting phase = iota
	phaseHello
	phaseTLS
	phaseAuth
	phaseMail
	phaseRcpt
	phaseData // the DATA command
	phaseDot  // the message data and its final dot
)

var phaseNames = [...]string{"the greeting", "EHLO", "STARTTLS", "AUTH", "MAIL FROM", "RCPT TO", "DATA", "the final dot"}

// reply is one refusal reply: its code, enhanced status code (RFC 3463,
// "" when absent) and text.
type reply struct {
	code     int
	enhanced string
	text     string
}

// The reply classes, as the README's table lists them. classify applies
// them in this order; the first that matches wins.
//
//  1. Throttle (a flag beside the others; the only replies that lower the
//     rate): a 4xx reply, other than to EHLO, STARTTLS and AUTH, with an
//     enhanced code 4.7.x or 4.5.3, or any 4xx whose text speaks of a rate
//     (throttleWords).
//  2. Session refused: every refusal of the greeting, EHLO, STARTTLS and
//     AUTH; the authentication codes 530, 534, 535 and 538 at any step; a
//     5xx to MAIL FROM other than the message's size or parameters
//     (x.3.4, x.5.4, x.6.x); a refusal of RCPT TO whose text names the
//     client, its EHLO name or the sender (sessionWords); a 5xx to the
//     final dot with a sender-permission code (5.7.30, 5.7.57, 5.7.60,
//     5.7.708). 5xx: fatal for the relay; 4xx: temporary. 421 at any
//     step: temporary, and the server closes the connection.
//  3. Recipient refused: any other refusal of RCPT TO (5xx permanent, 4xx
//     temporary), and a 5xx to the final dot with a mailbox code (5.1.x,
//     5.2.1, 5.2.2).
//  4. Message refused: a 5xx to MAIL FROM for the message's size or
//     parameters, to DATA, or to the final dot (size, content, policy).
//  5. Temporary: any other 4xx.
//
// A 452 (or 552) "too many recipients" (x.5.3) to RCPT TO after another
// recipient of the same transaction was accepted is no refusal at all: the
// recipient goes in the next transaction (see conn.send).
func classify(ph phase, r reply) (class campaign.Class, scope campaign.Scope, throttle bool) {
	temp := r.code >= 400 && r.code < 500
	setup := ph == phaseHello || ph == phaseTLS || ph == phaseAuth
	throttle = temp && (!setup && (strings.HasPrefix(r.enhanced, "4.7.") || r.enhanced == "4.5.3") ||
		containsAny(r.text, throttleWords))
	class = campaign.Permanent
	if temp || r.code < 400 || r.code >= 600 {
		class = campaign.Temporary
	}
	scope = scopeOf(ph, r)
	if scope == campaign.ScopeSession && class == campaign.Permanent {
		class = campaign.Fatal
	}
	return class, scope, throttle
}

// scopeOf returns what a refusal at ph concerns (see classify).
func scopeOf(ph phase, r reply) campaign.Scope {
	detail := r.enhanced
	if len(detail) > 2 {
		detail = detail[2:] // "5.3.4" -> "3.4"
	}
	switch {
	case ph <= phaseAuth, authCodes[r.code], r.code == 421:
		return campaign.ScopeSession
	case ph == phaseMail:
		if r.code >= 500 && (detail == "3.4" || detail == "5.4" || strings.HasPrefix(detail, "6.") || r.code == 552) {
			return campaign.ScopeMessage
		}
		return campaign.ScopeSession
	case ph == phaseRcpt:
		if containsAny(r.text, sessionWords) {
			return campaign.ScopeSession
		}
		return campaign.ScopeRecipient
	case ph == phaseDot && r.code >= 500:
		switch {
		case senderPermission[r.enhanced]:
			return campaign.ScopeSession
		case strings.HasPrefix(detail, "1.") || detail == "2.1" || detail == "2.2":
			return campaign.ScopeRecipient
		}
		return campaign.ScopeMessage
	case r.code >= 500: // DATA
		return campaign.ScopeMessage
	}
	return campaign.ScopeNone
}

// authCodes mean that the credentials or the session's security are wrong,
// whatever the step.
var authCodes = map[int]bool{530: true, 534: true, 535: true, 538: true}

// senderPermission are the enhanced codes with which providers refuse the
// account's right to send (SMTP AUTH disabled, not allowed to send as this
// From) after the data: the configuration, not the message, is at fault.
var senderPermission = map[string]bool{"5.7.30": true, "5.7.57": true, "5.7.60": true, "5.7.708": true}

// throttleWords, in a 4xx reply's text, mean that the server asks the
// client to send less or slower.
var throttleWords = []string{"rate", "too many", "too much", "too fast", "throttl", "slow down", "exceeded", "quota"}

// sessionWords, in a refusal of RCPT TO, mean that the refusal concerns the
// client or the sender, not the recipient: Postfix defers client, HELO and
// sender restrictions to RCPT TO (smtpd_delay_reject).
var sessionWords = []string{"helo command rejected", "client host rejected", "sender address rejected",
	"relay access denied", "authentication required"}

// containsAny reports whether s, lower-cased, contains any of words.
func containsAny(s string, words []string) bool {
	s = strings.ToLower(s)
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// tooManyRecipients reports whether r is RFC 5321's "too many recipients"
// (452 4.5.3, or the 552 that RFC 821 wrongly named).
func tooManyRecipients(r reply) bool {
	return (r.code == 452 || r.code == 552) && (strings.HasSuffix(r.enhanced, ".5.3") || containsAny(r.text, []string{"too many recipients"}))
}

// refusal returns the DeliveryError of the refusal r at ph, for the
// recipient rcpt when ph is phaseRcpt.
func refusal(ph phase, r reply, rcpt string, err error) *campaign.DeliveryError {
	class, scope, throttle := classify(ph, r)
	de := &campaign.DeliveryError{Class: class, Scope: scope, Throttle: throttle, Code: r.code,
		Enhanced: r.enhanced, Text: r.text, Err: err}
	if scope == campaign.ScopeRecipient {
		de.Recipient = rcpt
	}
	if scope == campaign.ScopeSession && containsAny(r.text, []string{"helo command rejected"}) {
		de.Err = errors.Join(ErrHelloRefused, err)
	}
	return de
}

// desync returns the error of a reply whose code makes no sense at ph (a
// positive reply where a refusal or another positive reply was due): the
// server's replies are out of step with the commands, so none of them can
// be trusted and the connection must go.
func desync(ph phase, r reply) *campaign.DeliveryError {
	return &campaign.DeliveryError{Class: campaign.Temporary,
		Text: "protocol error: the server answered " + phaseNames[ph] + " with " + strconv.Quote(r.String()) +
			"; its replies are out of step with the commands, so the connection was dropped"}
}

// connError returns the Temporary DeliveryError of a failed read or write:
// a dropped connection, a timeout, or a reply that is not SMTP. ambiguous is
// true when the final dot of DATA was sent.
func connError(err error, ambiguous bool) *campaign.DeliveryError {
	text := "connection lost: " + err.Error()
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		text = "timed out waiting for the server: " + err.Error()
	case errors.Is(err, errReplyTooLong):
		text = err.Error()
	}
	return &campaign.DeliveryError{Class: campaign.Temporary, Text: text, Ambiguous: ambiguous, Err: err}
}

// setupError classifies a failure to connect, greet, say EHLO, start TLS
// or authenticate, at ph. Network failures are Temporary; replies follow
// classify (a 4xx is Temporary, a 5xx Fatal); TLS failures, a greeting that
// is not SMTP, and every other setup failure (STARTTLS required but not
// offered, no usable AUTH mechanism) are Fatal. Context errors are
// returned as they are.
func setupError(ph phase, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && !isNetErr(err) {
		return err
	}
	var de *campaign.DeliveryError
	if errors.As(err, &de) {
		return err
	}
	if r, ok := replyOf(err); ok {
		return refusal(ph, r, "", err)
	}
	if errors.Is(err, errReplyTooLong) {
		return connError(errReplyTooLong, false)
	}
	class := campaign.Fatal
	if isNetErr(err) && !isTLSErr(err) {
		class = campaign.Temporary
	}
	return &campaign.DeliveryError{Class: class, Scope: campaign.ScopeSession, Text: "connect: " + err.Error(), Err: err}
}

// isNetErr reports whether err is a network failure: a refused or dropped
// connection, a timeout, an unresolvable host.
func isNetErr(err error) bool {
	var ne net.Error
	var errno syscall.Errno
	return errors.As(err, &ne) || errors.As(err, &errno) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// isTLSErr reports whether err is a TLS handshake or certificate failure.
func isTLSErr(err error) bool {
	var (
		rerr tls.RecordHeaderError
		aerr tls.AlertError
	)
	return isVerifyErr(err) || errors.As(err, &rerr) || errors.As(err, &aerr)
}

// isVerifyErr reports whether err is a failed certificate verification.
func isVerifyErr(err error) bool {
	var (
		verr  *tls.CertificateVerificationError
		uaerr x509.UnknownAuthorityError
		herr  x509.HostnameError
		cerr  x509.CertificateInvalidError
	)
	return errors.As(err, &verr) || errors.As(err, &uaerr) || errors.As(err, &herr) || errors.As(err, &cerr)
}

// splitEnhanced splits an RFC 3463 enhanced status code ("5.1.1") off the
// start of a reply text. Multi-line texts are joined with spaces.
func splitEnhanced(msg string) (enhanced, text string) {
	msg = strings.ReplaceAll(msg, "\n", " ")
	code, rest, _ := strings.Cut(msg, " ")
	if campaign.IsEnhancedCode(code) {
		return code, rest
	}
	return "", msg
}

// mostSevere returns the first error of the highest class among errs.
func mostSevere(errs []*campaign.DeliveryError) *campaign.DeliveryError {
	var worst *campaign.DeliveryError
	for _, e := range errs {
		if worst == nil || e.Class > worst.Class {
			worst = e
		}
	}
	return worst
}
