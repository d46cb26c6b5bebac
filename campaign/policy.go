package campaign

import "errors"

// This file holds the rules that say what the state file's records mean:
// how records of one recipient combine into its status, which statuses a
// run sends again, and which attempts count as deliveries. The state file
// package, the runner and the status report all follow them.

// MergeStatus returns the status a recipient has after a record with status
// next, when its status was old ("" for none). The last record wins, with
// these exceptions:
//
//   - a duplicate record, which says nothing about delivery, never hides
//     what an attempt established;
//   - a sending record after a delivery leaves the recipient delivered: it
//     begins a transaction to the Cc or Bcc recipients the message had not
//     reached (a delivered row is never sent again), so a crash during it
//     must not make the row unknown;
//   - a soft bounce below the limit (StatusSoftBounced) changes nothing: it
//     is only counted;
//   - a bounce or a complaint sticks: no later record lifts it, a later
//     delivered record included. A 250 reply says only that a relay took a
//     message; a bounce says the mailbox refused it, and a complaint that
//     its owner does not want mail. Such a later record can come only from
//     a run that did not know of the bounce (the state file is locked while
//     either writes, and send skips bounced recipients), so the bounce is
//     the newer news about the address. A complaint also outranks a
//     bounce. To mail the address again, start a new state file without it
//     on a suppression list.
func MergeStatus(old, next Status) Status {
	switch {
	case next == StatusSoftBounced:
		return old
	case old == StatusComplained:
		return old
	case old == StatusBounced && next != StatusComplained:
		return old
	case next == StatusDuplicate && attempted(old):
		return old
	case next == StatusSending && old == StatusDelivered:
		return old
	}
	return next
}

// RecordStatus returns the status that a record of status st establishes:
// st itself, except that a deferred record whose attempts include one that
// failed after the final dot (ambiguous: the server may have taken the
// message) is unknown, like a sending record without an outcome, so that
// ResumePolicy.SkipUnknown leaves it alone too.
func RecordStatus(st Status, ambiguous bool) Status {
	if st == StatusDeferred && ambiguous {
		return StatusSending
	}
	return st
}

// attempted reports whether s is the status of a delivery attempt.
func attempted(s Status) bool {
	switch s {
	case StatusSending, StatusDelivered, StatusFailed, StatusDeferred:
		return true
	}
	return false
}

// ResumePolicy says which recipients a run sends, given the status the state
// file records for each. The zero value is the default policy.
type ResumePolicy struct {
	// RetryFailed also sends recipients recorded as permanently failed.
	RetryFailed bool
	// SkipUnknown leaves alone recipients whose last attempt has an unknown
	// outcome, instead of sending them again.
	SkipUnknown bool
}

// Sends reports whether a recipient whose status is prev ("" when the state
// file has no record of it) is sent in this run: delivered, bounced and
// complained never again (RetryFailed does not change that); failed
// (permanently) only with RetryFailed; sending (unknown: the run stopped
// between the data and the reply) again, with the same Message-ID, unless
// SkipUnknown; deferred, duplicate (its first row's record never came),
// suppressed (the suppression lists are checked again) and no record at all
// are sent.
func (p ResumePolicy) Sends(prev Status) bool {
	switch prev {
	case StatusDelivered, StatusBounced, StatusComplained:
		return false
	case StatusFailed:
		return p.RetryFailed
	case StatusSending:
		return !p.SkipUnknown
	}
	return true
}

// MayHaveDelivered reports whether an attempt that ended with err (nil for
// success) may have delivered the message: a success, or a failure after the
// final dot, when the server may have taken the message. Daily caps count
// such attempts.
func MayHaveDelivered(err error) bool {
	var de *DeliveryError
	return err == nil || (errors.As(err, &de) && de.Ambiguous)
}

// AttemptTrail follows, record by record, the delivery attempts a state
// file records for one recipient, to tell whether the recipient may have
// received the message more than once. The zero value is a recipient
// without records.
type AttemptTrail uint8

const (
	// trailOpen: the last attempt's outcome is unknown.
	trailOpen AttemptTrail = 1 << iota
	// trailTwice: an attempt of unknown outcome was followed by another.
	trailTwice
)

// Next returns the trail after a record with status st; ambiguous and
// continues are the record's flags. A sending record starts an attempt
// whose outcome is unknown until an outcome record follows; an outcome
// recorded as ambiguous (the connection was lost after the final dot: the
// server may have taken the message) leaves it unknown. Any other outcome,
// a 4xx refusal included, says the attempt did not deliver, or delivered
// once. A continuing sending record (a transaction to the Cc or Bcc
// recipients an earlier one had not reached) starts an attempt of unknown
// outcome too, but never counts as sending the message again: it goes to
// other recipients. Other records (duplicate, suppressed, bounces) change
// nothing.
func (t AttemptTrail) Next(st Status, ambiguous, continues bool) AttemptTrail {
	switch st {
	case StatusSending:
		if t&trailOpen != 0 && !continues {
			t |= trailTwice
		}
		return t | trailOpen
	case StatusDelivered, StatusFailed, StatusDeferred:
		if ambiguous {
			return t | trailOpen
		}
		return t &^ trailOpen
	}
	return t
}

// MayHaveReceivedTwice reports whether an attempt whose outcome was
// unknown (no outcome recorded after it, as after a crash, or an ambiguous
// one) was followed by another attempt: the recipient may have the message
// twice (with the same Message-ID). Retries after definite refusals never
// count.
func (t AttemptTrail) MayHaveReceivedTwice() bool { return t&trailTwice != 0 }

// BouncePolicy says what a bounce or a complaint does to the recipient it
// concerns. A hard bounce or a complaint suppresses the address at once;
// soft bounces are counted, and the one that brings an address's count to
// SoftLimit suppresses it too. A delay notice (action "delayed") is not a
// bounce: the message may still arrive, so it is never booked.
type BouncePolicy struct {
	// SoftLimit is how many soft bounces suppress an address, counting the
	// earlier ones the state files record; values below 1 mean
	// DefaultSoftLimit.
	SoftLimit int
}

// DefaultSoftLimit is BouncePolicy.SoftLimit when none is set.
const DefaultSoftLimit = 3

// Books reports whether a result of kind kind with RFC 3464 action action
// is booked in the state file at all: hard and soft failures and
// complaints, but not delays and not results that report no failure.
func (BouncePolicy) Books(kind BounceKind, action string) bool {
	switch kind {
	case BounceHard, BounceSoft:
		return action != "delayed"
	case BounceComplaint:
		return true
	}
	return false
}

// Status returns the record status of a booked result of kind kind, when
// the state files already record softBefore soft bounces for the same
// address: StatusComplained for a complaint, StatusBounced for a hard
// bounce or the soft bounce that reaches the limit, else
// StatusSoftBounced.
func (p BouncePolicy) Status(kind BounceKind, softBefore int) Status {
	limit := p.SoftLimit
	if limit < 1 {
		limit = DefaultSoftLimit
	}
	switch {
	case kind == BounceComplaint:
		return StatusComplained
	case kind == BounceHard || softBefore+1 >= limit:
		return StatusBounced
	}
	return StatusSoftBounced
}
