package sender

import (
	"bufio"
	"bytes"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/wneessen/go-mail/smtp"
)

// conn is one long-lived SMTP connection, used by one Send at a time.
type conn struct {
	c                    *smtp.Client
	bc                   *boundedConn
	timeout, dataTimeout time.Duration

	pipelining bool   // the server advertised PIPELINING (RFC 2920)
	eightBit   bool   // 8BITMIME
	utf8       bool   // SMTPUTF8
	size       bool   // SIZE
	sizeMax    int    // SIZE's limit, 0 for none
	rcptMax    int    // LIMITS RCPTMAX (RFC 9422), 0 for none
	buf        []byte // the dot-stuffed data of the current message

	sent     int       // messages sent on this connection
	lastUsed time.Time // end of the last transaction
}

func newConn(c *smtp.Client, bc *boundedConn, timeout, dataTimeout time.Duration) *conn {
	cn := &conn{c: c, bc: bc, timeout: timeout, dataTimeout: dataTimeout, lastUsed: time.Now()}
	cn.pipelining, _ = c.Extension("PIPELINING")
	cn.eightBit, _ = c.Extension("8BITMIME")
	cn.utf8, _ = c.Extension("SMTPUTF8")
	var size string
	cn.size, size = c.Extension("SIZE")
	cn.sizeMax, _ = strconv.Atoi(strings.TrimSpace(size))
	if ok, limits := c.Extension("LIMITS"); ok {
		for _, f := range strings.Fields(limits) {
			if v, ok := strings.CutPrefix(strings.ToUpper(f), "RCPTMAX="); ok {
				cn.rcptMax, _ = strconv.Atoi(v)
			}
		}
	}
	return cn
}

// result is what one attempt on a connection came to.
type result struct {
	// reply holds the final replies of the transactions that delivered,
	// joined by "; ".
	reply string
	// err is why the attempt failed (a *campaign.DeliveryError, or begin's
	// error), nil when it reached every To recipient it could.
	err error
	// usable is false when the connection must be dropped.
	usable bool
	// throttle is a reply that asked to slow down, "" for none;
	// rcptThrottles are those that concerned one recipient.
	throttle      string
	rcptThrottles []rcptThrottle
}

// send makes one attempt of msg to its pending recipients (msg.Pending),
// in as many transactions as the server's recipient limit needs (LIMITS
// RCPTMAX, or a "452 4.5.3 too many recipients" after some recipients were
// accepted), calling begin just before the first byte of each. Each
// transaction goes to the recipients the server accepted, provided one of
// them is a To recipient or a To recipient has the message already
// (msg.MayTransfer); the others are recorded with msg.Refuse, and those
// that took the message with msg.MarkSent.
func (cn *conn) send(msg *campaign.Message, begin func() error) (res result) {
	defer func() { cn.lastUsed = time.Now() }()
	res.usable = true
	pending := msg.Pending()
	env, derr := cn.prepare(msg, pending)
	if derr != nil {
		res.err = derr
		return res
	}
	var replies []string
	var refused []*campaign.DeliveryError // this attempt's, To recipients first
	todo := make([]int, len(pending))     // indexes into pending
	for i := range todo {
		todo[i] = i
	}
	for tries := 0; len(todo) > 0 && tries <= len(pending); tries++ {
		if err := begin(); err != nil {
			res.err = err
			return res
		}
		chunk := todo
		if cn.rcptMax > 0 && len(chunk) > cn.rcptMax {
			chunk = chunk[:cn.rcptMax]
		}
		tx := cn.transaction(msg, env, pending, chunk)
		res.usable = tx.usable
		if tx.throttle != "" {
			res.throttle = tx.throttle
		}
		res.rcptThrottles = append(res.rcptThrottles, tx.rcptThrottles...)
		for _, de := range tx.refused {
			msg.Refuse(campaign.Refusal{Recipient: de.Recipient, Class: de.Class, Code: de.Code, Enhanced: de.Enhanced, Text: de.Text})
			refused = append(refused, de)
		}
		if tx.fail != nil {
			res.err = tx.fail
			break
		}
		rest := todo[len(chunk):]
		if tx.reply != "" {
			replies = append(replies, tx.reply)
			for _, i := range tx.accepted {
				msg.MarkSent(pending[i])
			}
			todo = append(tx.later, rest...)
		} else {
			// Not transferred: no To recipient accepted. Go on only if a
			// To recipient is left to try, with the accepted ones again.
			next := append(tx.later, rest...)
			if len(tx.accepted) > 0 && !slices.ContainsFunc(next, func(i int) bool { return msg.IsTo(pending[i]) }) {
				break
			}
			todo = append(next, tx.accepted...)
			slices.Sort(todo)
		}
		if !res.usable {
			break
		}
	}
	res.reply = strings.Join(replies, "; ")
	if res.err == nil && !msg.ReachedTo() {
		res.err = toRefusal(msg, refused)
	}
	return res
}

// toRefusal returns why a message reached none of its To recipients: the
// most severe refusal of a To recipient in this attempt.
func toRefusal(msg *campaign.Message, refused []*campaign.DeliveryError) *campaign.DeliveryError {
	var to []*campaign.DeliveryError
	for _, de := range refused {
		if msg.IsTo(de.Recipient) {
			to = append(to, de)
		}
	}
	if worst := mostSevere(to); worst != nil {
		return worst
	}
	return &campaign.DeliveryError{Class: campaign.Temporary, Text: "no To recipient took the message in this attempt"}
}

// wireEnvelope is a message's envelope as it goes to one server.
type wireEnvelope struct {
	from  string
	rcpts []string // the pending recipients, in order
	utf8  bool     // MAIL FROM gets SMTPUTF8
}

// prepare returns the envelope of msg to rcpts as it goes on the wire:
// internationalized domains in ASCII (punycode, see wireAddress), and
// SMTPUTF8 requested when an address still needs it (a non-ASCII local
// part, in the envelope or in the headers). A message that needs SMTPUTF8
// on a server without it, or that is larger than the server's SIZE, fails
// at once, Permanent, before any byte is sent.
func (cn *conn) prepare(msg *campaign.Message, rcpts []string) (wireEnvelope, *campaign.DeliveryError) {
	env := wireEnvelope{from: wireAddress(msg.Envelope.From), rcpts: rcpts}
	needs := ""
	if !isASCII(env.from) {
		needs = msg.Envelope.From
	}
	for i, a := range rcpts {
		if isASCII(a) {
			continue
		}
		if &env.rcpts[0] == &rcpts[0] { // copy before the first change
			env.rcpts = append([]string(nil), env.rcpts...)
		}
		if env.rcpts[i] = wireAddress(a); !isASCII(env.rcpts[i]) && needs == "" {
			needs = a
		}
	}
	if needs == "" && headers8bit(msg.Data) {
		needs = "an address in the headers"
	}
	switch {
	case needs != "" && !cn.utf8:
		return env, &campaign.DeliveryError{Class: campaign.Permanent, Scope: campaign.ScopeMessage,
			Text: "the message needs SMTPUTF8 (" + needs + " is not ASCII), which the server does not offer"}
	case cn.sizeMax > 0 && len(msg.Data) > cn.sizeMax:
		return env, &campaign.DeliveryError{Class: campaign.Permanent, Scope: campaign.ScopeMessage, Code: 552,
			Text: "the message (" + strconv.Itoa(len(msg.Data)) + " bytes) is larger than the server takes (SIZE " + strconv.Itoa(cn.sizeMax) + ")"}
	}
	env.utf8 = needs != ""
	return env, nil
}

// headers8bit reports whether the header section of data holds a byte
// that is not ASCII: render encodes every other header, so that is a UTF-8
// address, which only SMTPUTF8 allows.
func headers8bit(data []byte) bool {
	end := bytes.Index(data, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(data)
	}
	for _, c := range data[:end] {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// reset sends RSET after a failed transaction and reports whether the
// connection is still usable.
func (cn *conn) reset() bool {
	if cn.c.UpdateDeadline(cn.timeout) != nil {
		return false
	}
	w := cn.c.Text.W
	writeCmd(w, "RSET")
	if w.Flush() != nil {
		return false
	}
	r, err := cn.read()
	return err == nil && r.code/100 == 2
}

// read reads one reply, bounded (see readReply).
func (cn *conn) read() (reply, error) {
	cn.bc.allow(maxReplyBytes + 4096)
	code, text, err := readReply(cn.c.Text.R)
	if err != nil {
		return reply{}, err
	}
	return parseReply(code, text), nil
}

// flush renews the deadline and sends what the writer holds.
func (cn *conn) flush() error {
	if err := cn.c.UpdateDeadline(cn.timeout); err != nil {
		return err
	}
	return cn.c.Text.W.Flush()
}

// writeMail writes the MAIL command with the parameters the server supports.
func (cn *conn) writeMail(w *bufio.Writer, from string, msg *campaign.Message, utf8 bool) {
	w.WriteString("MAIL FROM:<")
	w.WriteString(from)
	w.WriteString(">")
	if cn.eightBit {
		w.WriteString(" BODY=8BITMIME")
	}
	if utf8 {
		w.WriteString(" SMTPUTF8")
	}
	if cn.size {
		w.WriteString(" SIZE=")
		w.WriteString(strconv.Itoa(len(msg.Data)))
	}
	w.WriteString("\r\n")
}

// quit ends the connection politely, then closes it.
func (cn *conn) quit() {
	cn.bc.allow(maxReplyBytes)
	if cn.c.UpdateDeadline(min(cn.timeout, 5*time.Second)) == nil {
		_ = cn.c.Quit()
	}
	_ = cn.c.Close()
}

func writeCmd(w *bufio.Writer, parts ...string) {
	for _, p := range parts {
		w.WriteString(p)
	}
	w.WriteString("\r\n")
}

// appendDotStuffed appends data as DATA content to dst: a line that starts
// with "." gets another "." (RFC 5321 4.5.2), the data ends with CRLF, then
// ".\r\n".
func appendDotStuffed(dst, data []byte) []byte {
	lineStart := true
	for len(data) > 0 {
		if lineStart && data[0] == '.' {
			dst = append(dst, '.')
		}
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			dst = append(dst, data...)
			lineStart = false
			break
		}
		dst = append(dst, data[:i+1]...)
		data = data[i+1:]
		lineStart = true
	}
	if !lineStart {
		dst = append(dst, "\r\n"...)
	}
	return append(dst, ".\r\n"...)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
