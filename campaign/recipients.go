package campaign

import "slices"

// This file holds the rules of partial delivery: which envelope recipients
// an attempt sends to, when the data may go to the recipients a server
// accepted, and what a row's record says of the recipients it missed.

// Refusal is a server's refusal of one envelope recipient.
type Refusal struct {
	Recipient string
	// Class is Temporary (a later attempt sends to the recipient again) or
	// Permanent (never again).
	Class Class
	// Code, Enhanced and Text are the server's reply; Code is 0 when there
	// was none (the attempt failed before the recipient got a reply).
	Code     int
	Enhanced string
	Text     string
}

// Pending returns the envelope recipients the next attempt of m sends to,
// in envelope order: those m has not reached (Sent) and that no server
// refused permanently. The result may share memory with m.Envelope.To and
// must not be modified.
func (m *Message) Pending() []string {
	if len(m.Sent) == 0 && len(m.Refused) == 0 {
		return m.Envelope.To
	}
	var out []string
	for _, a := range m.Envelope.To {
		if !slices.Contains(m.Sent, a) && !m.refusedFor(a, Permanent) {
			out = append(out, a)
		}
	}
	return out
}

// MarkSent records that a server took m for rcpts (a 2xx reply to the
// final dot): no later attempt sends to them, and their earlier refusals
// are forgotten.
func (m *Message) MarkSent(rcpts ...string) {
	if len(m.Sent) == 0 && len(m.Refused) == 0 && len(rcpts) == len(m.Envelope.To) {
		m.Sent = rcpts[:len(rcpts):len(rcpts)] // the common case: no copy
		return
	}
	for _, a := range rcpts {
		if !slices.Contains(m.Sent, a) {
			m.Sent = append(m.Sent, a)
		}
	}
	m.Refused = slices.DeleteFunc(m.Refused, func(r Refusal) bool { return slices.Contains(rcpts, r.Recipient) })
}

// Refuse records r, replacing an earlier refusal of the same recipient.
func (m *Message) Refuse(r Refusal) {
	for i := range m.Refused {
		if m.Refused[i].Recipient == r.Recipient {
			m.Refused[i] = r
			return
		}
	}
	m.Refused = append(m.Refused, r)
}

// reached records the success of an attempt to pending: it reached every
// one of them that it did not refuse (senders that know no refusals need
// not call MarkSent).
func (m *Message) reached(pending []string) {
	if len(m.Refused) == 0 {
		m.MarkSent(pending...)
		return
	}
	m.MarkSent(slices.DeleteFunc(slices.Clone(pending), func(a string) bool {
		return slices.ContainsFunc(m.Refused, func(r Refusal) bool { return r.Recipient == a })
	})...)
}

// refusedFor reports whether m records a refusal of class c for rcpt.
func (m *Message) refusedFor(rcpt string, c Class) bool {
	for _, r := range m.Refused {
		if r.Recipient == rcpt {
			return r.Class == c
		}
	}
	return false
}

// IsTo reports whether rcpt is one of m's To recipients (see
// Envelope.Primary).
func (m *Message) IsTo(rcpt string) bool {
	i := slices.Index(m.Envelope.To, rcpt)
	return i >= 0 && (m.Envelope.Primary == 0 || i < m.Envelope.Primary)
}

// ReachedTo reports whether m has reached one of its To recipients: the
// row is then delivered, whatever became of its Cc and Bcc recipients.
func (m *Message) ReachedTo() bool {
	return slices.ContainsFunc(m.Sent, m.IsTo)
}

// MayTransfer reports whether the data of m may go to accepted, the
// recipients a server accepted in one transaction: when they include a To
// recipient, or m reached one earlier. A message that no To recipient
// takes is not sent to its Cc and Bcc recipients alone.
func (m *Message) MayTransfer(accepted []string) bool {
	return len(accepted) > 0 && (m.ReachedTo() || slices.ContainsFunc(accepted, m.IsTo))
}

// unreached returns the recipients m has not reached, each with its last
// refusal; one without a refusal gets the reason of err, the failure of
// the last attempt (nil: none).
func (m *Message) unreached(err error) []Refusal {
	var out []Refusal
	for _, a := range m.Envelope.To {
		if slices.Contains(m.Sent, a) {
			continue
		}
		r := Refusal{Recipient: a, Class: Temporary}
		if i := slices.IndexFunc(m.Refused, func(r Refusal) bool { return r.Recipient == a }); i >= 0 {
			r = m.Refused[i]
		} else if de := asDeliveryError(err); de != nil {
			r.Code, r.Enhanced, r.Text = de.Code, de.Enhanced, de.Text
			if de.Class == Permanent {
				r.Class = Permanent
			}
		} else if err != nil {
			r.Text = err.Error()
		}
		out = append(out, r)
	}
	return out
}
