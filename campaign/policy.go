package campaign

import "errors"

// This file holds the rules that say what the state file's records mean:
// how records of one recipient combine into its status, which statuses a
// run sends again, and which attempts count as deliveries. The state file
// package, the runner and the status report all follow them.

// MergeStatus returns the status a recipient has after a record with status
// next, when its status was old ("" for none). The last record wins, except
// that a duplicate record, which says nothing about delivery, never hides
// what an attempt established.
func MergeStatus(old, next Status) Status {
	if next == StatusDuplicate && attempted(old) {
		return old
	}
	return next
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
// file has no record of it) is sent in this run: delivered never again;
// failed (permanently) only with RetryFailed; sending (unknown: the run
// stopped between the data and the reply) again, with the same Message-ID,
// unless SkipUnknown; deferred, duplicate (its first row's record never
// came), suppressed (the suppression lists are checked again) and no record
// at all are sent.
func (p ResumePolicy) Sends(prev Status) bool {
	switch prev {
	case StatusDelivered:
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

// Next returns the trail after a record with status st; ambiguous is the
// record's Outcome.Ambiguous. A sending record starts an attempt whose
// outcome is unknown until an outcome record follows; an outcome recorded
// as ambiguous (the connection was lost after the final dot: the server
// may have taken the message) leaves it unknown. Any other outcome, a 4xx
// refusal included, says the attempt did not deliver, or delivered once.
// Other records (duplicate, suppressed) change nothing.
func (t AttemptTrail) Next(st Status, ambiguous bool) AttemptTrail {
	switch st {
	case StatusSending:
		if t&trailOpen != 0 {
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
