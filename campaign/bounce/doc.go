// Package bounce reads delivery status notifications (bounces), feedback
// reports (complaints) and auto-replies, and tells them apart from ordinary
// mail.
//
// Parse takes one RFC 5322 message and returns a Report. A Report says what
// kind of message it is (Type) and, for bounces and complaints, lists one
// Result per recipient: the recipient address, the enhanced status code, the
// DSN action, the kind of failure (hard, soft or complaint), the diagnostic
// text, the SMTP reply code and the remote MTA. It also carries what a caller
// needs to match the message to what it sent: the Message-ID, sender and
// recipients of the returned original message, and the envelope addresses of
// the bounce itself (To, Delivered-To, X-Original-To), where a VERP token
// would be.
//
// It reads RFC 3464 message/delivery-status parts, RFC 5965 feedback
// reports, Amazon SES notifications, and the text bounces of the common mail
// transfer agents and providers (Postfix, Sendmail, Exim, qmail, Exchange,
// Office 365, Gmail, Yahoo, Courier, Lotus Notes and others). Where a message
// gives no enhanced status code, one is derived from the reply code and the
// diagnostic text, the way Sisimai does: codes of the form X.0.9NN stand for a
// reason read from the text.
//
// What is not read: a file holding several messages (an mbox) must be split
// by the caller, a bounce attached to a forwarded message is read only when
// its text is quoted inline, and a text bounce in a format that names
// neither the recipient nor an SMTP error is reported as TypeOther with
// Format "unread-bounce".
//
// Parse never panics and bounds what it reads and returns: see
// MaxMessageSize, MaxRecipients and MaxDiagnostic. Importing the package
// registers the charsets of github.com/emersion/go-message/charset, which
// sets go-message's CharsetReader for the whole program.
package bounce
