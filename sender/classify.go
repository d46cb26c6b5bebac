package sender

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/textproto"
	"os"
	"strings"
	"syscall"

	"github.com/mailrun/mailrun/campaign"
)

// ErrClosed is the error (inside a Temporary *campaign.DeliveryError) of a
// Send on a closed Pool.
var ErrClosed = errors.New("sender: pool closed")

// authCodes are replies that mean the credentials or the session's security
// are wrong, whatever the step: no message can go through until the
// configuration changes.
var authCodes = map[int]bool{530: true, 534: true, 535: true, 538: true}

// isSlowDown reports whether code asks the client to slow down.
func isSlowDown(code int) bool { return code == 421 || code == 451 || code == 454 }

// classOf returns the class of an SMTP reply code that refused something.
func classOf(code int) campaign.Class {
	switch {
	case authCodes[code]:
		return campaign.Fatal
	case code >= 500 && code < 600:
		return campaign.Permanent
	default:
		// 4xx, and replies that make no sense at this step.
		return campaign.Temporary
	}
}

// replyError returns the DeliveryError for a refusal reply te, for the
// recipient rcpt when the refusal was of a RCPT.
func replyError(te *textproto.Error, rcpt string) *campaign.DeliveryError {
	enh, text := splitEnhanced(te.Msg)
	return &campaign.DeliveryError{Class: classOf(te.Code), Code: te.Code, Enhanced: enh,
		Text: text, Recipient: rcpt, Err: te}
}

// connError returns the Temporary DeliveryError of a failed read or write:
// a dropped connection, a timeout, or a reply that is not SMTP. ambiguous is
// true when the final dot of DATA was sent.
func connError(err error, ambiguous bool) *campaign.DeliveryError {
	text := "connection lost: " + err.Error()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		text = "timed out waiting for the server: " + err.Error()
	}
	return &campaign.DeliveryError{Class: campaign.Temporary, Text: text, Ambiguous: ambiguous, Err: err}
}

// dialError classifies a failure to connect, greet, start TLS or
// authenticate. Network failures and 4xx replies (a 421 greeting from a busy
// server) are Temporary. 5xx replies (a refused AUTH, a greeting that refuses
// service), TLS failures, a greeting that is not SMTP, and every other setup
// failure (STARTTLS required but not offered, no usable AUTH mechanism) are
// Fatal. Context errors are returned as they are.
func dialError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && !isNetErr(err) {
		return err
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		de := replyError(te, "")
		if de.Class != campaign.Temporary {
			de.Class = campaign.Fatal
		}
		de.Err = err
		return de
	}
	class := campaign.Fatal
	if isNetErr(err) && !isTLSErr(err) {
		class = campaign.Temporary
	}
	return &campaign.DeliveryError{Class: class, Text: "connect: " + err.Error(), Err: err}
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
		verr  *tls.CertificateVerificationError
		rerr  tls.RecordHeaderError
		aerr  tls.AlertError
		uaerr x509.UnknownAuthorityError
		herr  x509.HostnameError
		cerr  x509.CertificateInvalidError
	)
	return errors.As(err, &verr) || errors.As(err, &rerr) || errors.As(err, &aerr) ||
		errors.As(err, &uaerr) || errors.As(err, &herr) || errors.As(err, &cerr)
}

// splitEnhanced splits an RFC 3463 enhanced status code ("5.1.1") off the
// start of a reply text. Multi-line texts are joined with spaces.
func splitEnhanced(msg string) (enhanced, text string) {
	msg = strings.ReplaceAll(msg, "\n", " ")
	code, rest, _ := strings.Cut(msg, " ")
	if isEnhanced(code) {
		return code, rest
	}
	return "", msg
}

// isEnhanced reports whether s has the form class.subject.detail with class
// 2, 4 or 5, and subject and detail of one to three digits.
func isEnhanced(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || !strings.ContainsRune("245", rune(parts[0][0])) {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) < 1 || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
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
