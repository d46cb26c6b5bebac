package campaign

import (
	"strings"
	"time"
)

// BounceKind says what a bounce or complaint means for an address.
type BounceKind string

// The kinds of report that BouncePolicy books.
const (
	// BounceHard: a permanent failure that says the address is bad.
	BounceHard BounceKind = "hard"
	// BounceSoft: a failure that may pass (full mailbox, policy, spam
	// filter, a temporary failure).
	BounceSoft BounceKind = "soft"
	// BounceComplaint: a spam (or fraud, or virus) report.
	BounceComplaint BounceKind = "complaint"
)

// Notice is what one bounce or complaint says about one recipient, with
// what identifies the message it is about.
type Notice struct {
	// ID identifies the notice: the same report read twice has the same
	// ID, so it is booked once.
	ID string
	// Recipient is the address the report is about; OriginalRecipient the
	// address it was first sent to, when the report gives another.
	Recipient, OriginalRecipient string
	Kind                         BounceKind
	// Action is the RFC 3464 action ("failed", "delayed", ...), Status the
	// enhanced status code, ReplyCode the SMTP reply code (0 if none) and
	// Diagnostic the server's text.
	Action, Status, Diagnostic string
	ReplyCode                  int
	// MessageIDs are candidate Message-IDs of the message that bounced,
	// most reliable first, without angle brackets.
	MessageIDs []string
	// Envelope lists the addresses where a VERP token may be: where the
	// report itself was delivered (X-Original-To, Delivered-To, To) and
	// the envelope sender of the message that bounced.
	Envelope []string
}

// Sent is what a state file records of one recipient.
type Sent struct {
	Key       string
	Row       int
	MessageID string
	Status    Status
}

// Ledger is a state file that books bounces: it answers what it records of
// the campaign's recipients and appends outcomes. Lookups reflect what Book
// added.
type Ledger interface {
	// CampaignID returns the campaign's id.
	CampaignID() string
	// ByMessageID, ByRow and ByKey return the recipient whose records carry
	// that Message-ID, data row or key.
	ByMessageID(id string) (Sent, bool)
	ByRow(row int) (Sent, bool)
	ByKey(key string) (Sent, bool)
	// Booked reports whether an outcome of the notice id was booked for key.
	Booked(notice, key string) bool
	// SoftBounces counts the bounce outcomes of kind BounceSoft booked for
	// the address addr (compared without regard to case).
	SoftBounces(addr string) int
	// Book appends o, a bounce or complaint outcome.
	Book(o Outcome) error
}

// How a notice was matched to a recipient.
const (
	MatchedByMessageID = "message-id"
	MatchedByVERP      = "verp"
	MatchedByAddress   = "address"
)

// Match is the recipient of a campaign that a notice concerns.
type Match struct {
	// Ledger is the index of the ledger (state file) that records it.
	Ledger int
	Sent
	// By says how it was found: MatchedByMessageID, MatchedByVERP or
	// MatchedByAddress.
	By string
}

// MatchNotice finds the recipient that n concerns among ledgers: first by
// the Message-ID of the message that bounced (mailrun's Message-IDs are
// unique to a campaign and key), then by a VERP token in n.Envelope whose
// MAC checks for the row's key, then by n.Recipient or n.OriginalRecipient
// as a recipient key, in the last ledger that records it (give the state
// files oldest first). A Message-ID or token that names a row of a ledger
// settles the match even when the recipient differs from the key: the
// report may be about a Cc recipient of that message, or the address the
// key forwards to.
func MatchNotice(ledgers []Ledger, n Notice) (Match, bool) {
	for _, id := range n.MessageIDs {
		for i, l := range ledgers {
			if s, ok := l.ByMessageID(id); ok {
				return Match{Ledger: i, Sent: s, By: MatchedByMessageID}, true
			}
		}
	}
	for _, addr := range n.Envelope {
		rows, macs := VERPRows(addr)
		for j, row := range rows {
			for i, l := range ledgers {
				if s, ok := l.ByRow(row); ok && CheckVERP(l.CampaignID(), row, s.Key, macs[j]) {
					return Match{Ledger: i, Sent: s, By: MatchedByVERP}, true
				}
			}
		}
	}
	for _, addr := range []string{n.Recipient, n.OriginalRecipient} {
		if addr == "" {
			continue
		}
		for i := len(ledgers) - 1; i >= 0; i-- {
			if s, ok := ledgers[i].ByKey(strings.ToLower(addr)); ok {
				return Match{Ledger: i, Sent: s, By: MatchedByAddress}, true
			}
		}
	}
	return Match{}, false
}

// Booking is what Book did with one notice.
type Booking struct {
	Match
	// Matched is false when no ledger records the recipient.
	Matched bool
	// Status is the status of the outcome booked, "" when none was: the
	// notice was not matched, is not booked by the policy (a delay), or
	// was booked before (Duplicate).
	Status Status
	// Duplicate is set when an earlier run booked the same notice.
	Duplicate bool
}

// Book matches n to a recipient (MatchNotice) and, when the policy books
// it and no earlier run did, appends its outcome to that recipient's
// ledger, with the status Status gives for the soft bounces all ledgers
// record of the address. The outcome's Recipient is the address the
// message was sent to: n.OriginalRecipient when set, else n.Recipient. It
// returns what it did, and the ledger's error.
func (p BouncePolicy) Book(ledgers []Ledger, n Notice, now time.Time) (Booking, error) {
	m, ok := MatchNotice(ledgers, n)
	b := Booking{Match: m, Matched: ok}
	if !ok || !p.Books(n.Kind, n.Action) {
		return b, nil
	}
	l := ledgers[m.Ledger]
	if l.Booked(n.ID, m.Key) {
		b.Duplicate = true
		return b, nil
	}
	// The address the message was sent to: the original recipient when
	// the report names one (the key forwarded elsewhere).
	rcpt := strings.ToLower(n.Recipient)
	if n.OriginalRecipient != "" {
		rcpt = strings.ToLower(n.OriginalRecipient)
	}
	soft := 0
	if n.Kind == BounceSoft {
		for _, l := range ledgers {
			soft += l.SoftBounces(rcpt)
		}
	}
	b.Status = p.Status(n.Kind, soft)
	err := l.Book(Outcome{
		Row: m.Row, Key: m.Key, MessageID: m.MessageID, Status: b.Status,
		Reply: n.Diagnostic, Code: n.ReplyCode, Enhanced: n.Status, Recipient: rcpt,
		Kind: n.Kind, Notice: n.ID, Time: now,
	})
	if err != nil {
		b.Status = ""
	}
	return b, err
}
