package campaign

import "errors"

// This file holds the rules that say what the state file's records mean:
// how records of one recipient combine into its status, which statuses a
// run sends again, and which attempts count as deliveries. The state file
// package, the runner and the status report all follow them.

// MergeStatus returns the status a recipient has after a record with status
// next, when its status was old ("" for none). The last record wins, except
// that a duplicate record, which says nothing about delivery, never hides
// what an attempt established, and that a sending record after a delivery
// leaves the recipient delivered: it begins a transaction to the Cc or Bcc
// recipients the message had not reached (a delivered row is never sent
// again), so a crash during it must not make the row unknown.
func MergeStatus(old, next Status) Status {
	switch {
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
