package sender

import "github.com/mailrun/mailrun/campaign"

// tx is what one mail transaction came to.
type tx struct {
	// accepted and later are indexes into the attempt's recipients: those
	// the server accepted, and those it had too many of (RFC 5321
	// 4.5.3.1.10: they go in the next transaction).
	accepted, later []int
	// refused are the refusals of single recipients (RCPT TO, or a
	// recipient's refusal of the data).
	refused []*campaign.DeliveryError
	// reply is the server's reply to the final dot when it took the
	// message for the accepted recipients, "" otherwise.
	reply string
	// fail is a failure of the whole transaction: MAIL, DATA, the data, a
	// lost connection. usable is false when the connection must go.
	fail   *campaign.DeliveryError
	usable bool
	// throttle is a reply that asked to slow down, "" for none;
	// rcptThrottles are those that concerned one recipient.
	throttle      string
	rcptThrottles []rcptThrottle
}

// rcptThrottle is a throttling reply to one recipient.
type rcptThrottle struct{ rcpt, reply string }

// noteThrottle remembers de's reply in t when it asks to slow down.
func (t *tx) noteThrottle(de *campaign.DeliveryError, r reply) {
	switch {
	case !de.Throttle:
	case de.Scope == campaign.ScopeRecipient && de.Recipient != "":
		t.rcptThrottles = append(t.rcptThrottles, rcptThrottle{de.Recipient, r.String()})
	default:
		t.throttle = r.String()
	}
}

// transaction runs one mail transaction for the recipients rcpts[i] of
// msg, i in idx, on the wire as env says. With PIPELINING, MAIL, every RCPT and DATA go in one write
// and their replies are read in order; otherwise each command waits for
// its reply. The data goes only when msg.MayTransfer the accepted
// recipients; else the transaction is abandoned with RSET, or by dropping
// the connection when the server already said 354 (the final dot would
// deliver).
func (cn *conn) transaction(msg *campaign.Message, env wireEnvelope, rcpts []string, idx []int) (t tx) {
	t.usable = true
	w := cn.c.Text.W
	wire := env.rcpts
	cn.writeMail(w, env.from, msg, env.utf8)
	replies := make([]reply, 0, len(idx)+2) // MAIL, then one per RCPT sent, then DATA when sent
	read := func() bool {
		r, err := cn.read()
		if err != nil {
			t.fail, t.usable = connError(err, false), false
			return false
		}
		replies = append(replies, r)
		return true
	}
	if cn.pipelining {
		for _, i := range idx {
			writeCmd(w, "RCPT TO:<", wire[i], ">")
		}
		writeCmd(w, "DATA")
		if err := cn.flush(); err != nil {
			t.fail, t.usable = connError(err, false), false
			return t
		}
		for n := 0; n < len(idx)+2 && read(); n++ {
		}
		if t.fail != nil {
			return t
		}
	} else {
		if err := cn.flush(); err != nil || !read() {
			if t.fail == nil {
				t.fail, t.usable = connError(err, false), false
			}
			return t
		}
		for n := 0; replies[0].code/100 == 2 && n < len(idx); n++ {
			writeCmd(w, "RCPT TO:<", wire[idx[n]], ">")
			if err := cn.flush(); err != nil {
				t.fail, t.usable = connError(err, false), false
				return t
			}
			if !read() {
				return t
			}
			if tooManyRecipients(replies[len(replies)-1]) && n > 0 {
				break // every later RCPT would get the same
			}
		}
	}
	if !cn.judge(msg, rcpts, idx, replies, &t) {
		return t
	}
	if !cn.pipelining {
		writeCmd(w, "DATA")
		if err := cn.flush(); err != nil || !read() {
			if t.fail == nil {
				t.fail, t.usable = connError(err, false), false
			}
			return t
		}
	}
	if r := replies[len(replies)-1]; r.code != 354 {
		t.fail = cn.refuse(phaseData, r, "", &t)
		return t
	}
	cn.transfer(msg, rcpts, &t)
	return t
}

// judge sorts the replies to MAIL and the RCPTs into t and reports whether
// the data should go: MAIL was accepted and msg.MayTransfer the accepted
// recipients. When it should not, judge abandons the transaction.
func (cn *conn) judge(msg *campaign.Message, rcpts []string, idx []int, replies []reply, t *tx) bool {
	mail := replies[0]
	if mail.code/100 != 2 {
		t.fail = cn.refuse(phaseMail, mail, "", t)
		return false
	}
	var tooMany []int
	rr := replies[1:min(len(replies), len(idx)+1)]
	for n, r := range rr {
		switch i := idx[n]; {
		case r.code/100 == 2:
			t.accepted = append(t.accepted, i)
		case tooManyRecipients(r):
			tooMany = append(tooMany, i)
		case r.code/100 == 4 || r.code/100 == 5:
			de := refusal(phaseRcpt, r, rcpts[i], nil)
			t.noteThrottle(de, r)
			if de.Scope == campaign.ScopeSession {
				t.fail = de // the EHLO name, the client, the sender: not the recipient's
			} else {
				t.refused = append(t.refused, de)
			}
		default:
			t.fail, t.usable = desync(phaseRcpt, r), false
			return false
		}
	}
	// Recipients not even tried (strict mode stopped at the limit) go on
	// too.
	for n := len(rr); n < len(idx); n++ {
		tooMany = append(tooMany, idx[n])
	}
	if len(t.accepted) > 0 {
		t.later = tooMany
	} else {
		// Nothing accepted: a recipient limit of zero is a throttle.
		for _, i := range tooMany {
			r := reply{code: 452, enhanced: "4.5.3", text: "too many recipients"}
			de := refusal(phaseRcpt, r, rcpts[i], nil)
			de.Throttle = true
			t.throttle = r.String() // the server's limit, not a recipient's
			t.refused = append(t.refused, de)
		}
	}
	if t.fail == nil && msg.MayTransfer(pick(rcpts, t.accepted)) {
		return true
	}
	// Abandon: after a 354 (pipelined DATA with recipients accepted) only
	// dropping the connection does.
	inData := cn.pipelining && len(replies) == len(idx)+2 && replies[len(replies)-1].code == 354
	t.usable = !inData && t.usable && cn.reset()
	return false
}

// refuse returns the error of a refusal r at ph, resets the transaction
// (the connection is dropped after 421 or when RSET fails), and notes a
// throttle in t.
func (cn *conn) refuse(ph phase, r reply, rcpt string, t *tx) *campaign.DeliveryError {
	if r.code/100 != 4 && r.code/100 != 5 {
		t.usable = false
		return desync(ph, r)
	}
	de := refusal(ph, r, rcpt, nil)
	t.noteThrottle(de, r)
	t.usable = r.code != 421 && cn.reset()
	return de
}

// transfer sends the data of msg and its final dot, then waits for the
// reply for the data timeout. A 2xx reply (251 included) delivers to the
// accepted recipients; a recipient's refusal (a mailbox code) refuses each
// of them; any other refusal fails the transaction. A connection lost or a
// timeout after the final dot is ambiguous: the server may have taken the
// message.
func (cn *conn) transfer(msg *campaign.Message, rcpts []string, t *tx) {
	if err := cn.c.UpdateDeadline(cn.timeout); err != nil {
		t.fail, t.usable = connError(err, false), false
		return
	}
	// One buffer, one write: bufio writes a large slice straight through.
	cn.buf = appendDotStuffed(cn.buf[:0], msg.Data)
	w := cn.c.Text.W
	_, err := w.Write(cn.buf)
	if err == nil {
		err = w.Flush()
	}
	if cap(cn.buf) > 1<<20 {
		cn.buf = nil // keep no huge buffer after a large message
	}
	if err == nil {
		err = cn.c.UpdateDeadline(cn.dataTimeout)
	}
	if err != nil {
		t.fail, t.usable = connError(err, true), false
		return
	}
	r, err := cn.read()
	switch {
	case err != nil:
		t.fail, t.usable = connError(err, true), false
	case r.code/100 == 2:
		t.reply = r.String()
	case r.code/100 != 4 && r.code/100 != 5:
		t.fail, t.usable = desync(phaseDot, r), false
		t.fail.Ambiguous = true
	default:
		de := cn.refuse(phaseDot, r, "", t)
		if de.Scope != campaign.ScopeRecipient {
			t.fail = de
			return
		}
		for _, i := range t.accepted {
			c := *de
			c.Recipient = rcpts[i]
			t.refused = append(t.refused, &c)
		}
	}
}

// pick returns rcpts[i] for each i of idx.
func pick(rcpts []string, idx []int) []string {
	if len(idx) == len(rcpts) {
		return rcpts
	}
	out := make([]string, len(idx))
	for n, i := range idx {
		out[n] = rcpts[i]
	}
	return out
}
