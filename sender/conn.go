package sender

import (
	"bufio"
	"bytes"
	"errors"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/wneessen/go-mail/smtp"
)

// conn is one long-lived SMTP connection, used by one Send at a time.
type conn struct {
	c       *smtp.Client
	timeout time.Duration

	pipelining bool // the server advertised PIPELINING (RFC 2920)
	eightBit   bool // 8BITMIME
	utf8       bool // SMTPUTF8
	size       bool // SIZE

	buf      []byte    // the dot-stuffed data of the current message
	sent     int       // messages sent on this connection
	lastUsed time.Time // end of the last transaction
}

func newConn(c *smtp.Client, timeout time.Duration) *conn {
	cn := &conn{c: c, timeout: timeout, lastUsed: time.Now()}
	cn.pipelining, _ = c.Extension("PIPELINING")
	cn.eightBit, _ = c.Extension("8BITMIME")
	cn.utf8, _ = c.Extension("SMTPUTF8")
	cn.size, _ = c.Extension("SIZE")
	return cn
}

// send makes one transaction for msg. It returns the server's final reply,
// or the classified failure and whether the connection is still usable.
//
// With PIPELINING, MAIL, every RCPT and DATA go in one write and their
// replies are read in order; otherwise each command waits for its reply. If
// the server refuses MAIL, any RCPT or DATA, the transaction is abandoned:
// with RSET, or by dropping the connection when the server already said 354
// (sending the final dot would deliver to the accepted recipients only).
func (cn *conn) send(msg *campaign.Message) (reply string, derr *campaign.DeliveryError, usable bool) {
	defer func() { cn.lastUsed = time.Now() }()
	text := cn.c.Text

	var r replies
	var err error
	if cn.pipelining {
		err = cn.pipelined(msg, &r)
	} else {
		err = cn.strict(msg, &r)
	}
	if err != nil {
		if r.mail != nil {
			// Typically a 421 to MAIL, then the server hung up.
			return "", r.mail, false
		}
		return "", connError(err, false), false
	}
	if fail := r.failure(); fail != nil {
		if r.inData {
			// Some recipients were accepted and the server waits for the
			// data: only dropping the connection abandons the transaction.
			return "", fail, false
		}
		return "", fail, fail.Code != 421 && cn.reset()
	}

	// The data, dot-stuffed, and the final dot.
	if err := cn.c.UpdateDeadline(cn.timeout); err != nil {
		return "", connError(err, false), false
	}
	// One buffer, one write: bufio writes a large slice straight through.
	cn.buf = appendDotStuffed(cn.buf[:0], msg.Data)
	_, err = text.W.Write(cn.buf)
	if err == nil {
		err = text.W.Flush()
	}
	if cap(cn.buf) > 1<<20 {
		cn.buf = nil // keep no huge buffer after a large message
	}
	if err != nil {
		return "", connError(err, false), false
	}
	code, resp, err := text.ReadResponse(250)
	var te *textproto.Error
	switch {
	case errors.As(err, &te):
		de := replyError(te, "")
		return "", de, te.Code != 421 && cn.reset()
	case err != nil:
		return "", connError(err, true), false
	}
	return strconv.Itoa(code) + " " + strings.ReplaceAll(resp, "\n", " "), nil, true
}

// replies holds the refusals of a transaction's commands.
type replies struct {
	mail, data *campaign.DeliveryError
	rcpts      []*campaign.DeliveryError
	inData     bool // the server said 354 and waits for the data
}

// failure returns why the transaction failed, nil if it did not. After a
// refused MAIL, the server refuses the RCPTs and DATA that follow in a
// pipeline: MAIL's reply is the reason; likewise a refused RCPT's.
func (r *replies) failure() *campaign.DeliveryError {
	switch {
	case r.mail != nil:
		return r.mail
	case len(r.rcpts) > 0:
		return refusal(r.rcpts)
	}
	return r.data
}

// read reads one reply: a refusal is returned as a DeliveryError, a broken
// connection as an error.
func (cn *conn) read(code int, rcpt string) (*campaign.DeliveryError, error) {
	_, _, err := cn.c.Text.ReadResponse(code)
	var te *textproto.Error
	if errors.As(err, &te) {
		return replyError(te, rcpt), nil
	}
	return nil, err
}

// flush renews the deadline and sends what the writer holds.
func (cn *conn) flush() error {
	if err := cn.c.UpdateDeadline(cn.timeout); err != nil {
		return err
	}
	return cn.c.Text.W.Flush()
}

// pipelined sends MAIL, the RCPTs and DATA in one write and reads their
// replies into r. An error means the connection broke.
func (cn *conn) pipelined(msg *campaign.Message, r *replies) error {
	w := cn.c.Text.W
	cn.writeMail(w, msg)
	for _, rcpt := range msg.Envelope.To {
		writeCmd(w, "RCPT TO:<", rcpt, ">")
	}
	writeCmd(w, "DATA")
	err := cn.flush()
	if err == nil {
		r.mail, err = cn.read(250, "")
	}
	for i := 0; err == nil && i < len(msg.Envelope.To); i++ {
		var e *campaign.DeliveryError
		if e, err = cn.read(25, msg.Envelope.To[i]); e != nil {
			r.rcpts = append(r.rcpts, e)
		}
	}
	if err == nil {
		r.data, err = cn.read(354, "")
		r.inData = err == nil && r.data == nil
	}
	return err
}

// strict sends MAIL, the RCPTs and DATA one at a time, each after the
// previous reply, stopping after a refused MAIL or, once every RCPT was
// sent, a refused RCPT. An error means the connection broke.
func (cn *conn) strict(msg *campaign.Message, r *replies) error {
	w := cn.c.Text.W
	cn.writeMail(w, msg)
	err := cn.flush()
	if err == nil {
		r.mail, err = cn.read(250, "")
	}
	for i := 0; err == nil && r.mail == nil && i < len(msg.Envelope.To); i++ {
		writeCmd(w, "RCPT TO:<", msg.Envelope.To[i], ">")
		var e *campaign.DeliveryError
		if err = cn.flush(); err == nil {
			if e, err = cn.read(25, msg.Envelope.To[i]); e != nil {
				r.rcpts = append(r.rcpts, e)
			}
		}
	}
	if err == nil && r.mail == nil && len(r.rcpts) == 0 {
		writeCmd(w, "DATA")
		if err = cn.flush(); err == nil {
			r.data, err = cn.read(354, "")
			r.inData = err == nil && r.data == nil
		}
	}
	return err
}

// refusal builds the error of an abandoned transaction from its refusals:
// the most severe one, naming the other refused recipients in its text.
func refusal(refused []*campaign.DeliveryError) *campaign.DeliveryError {
	worst := mostSevere(refused)
	var others []string
	for _, e := range refused {
		if e != worst && e.Recipient != "" {
			others = append(others, "<"+e.Recipient+"> "+strconv.Itoa(e.Code))
		}
	}
	if len(others) > 0 {
		worst.Text += " (also refused: " + strings.Join(others, ", ") + ")"
	}
	return worst
}

// reset sends RSET after a failed transaction and reports whether the
// connection is still usable.
func (cn *conn) reset() bool {
	if cn.c.UpdateDeadline(cn.timeout) != nil {
		return false
	}
	text := cn.c.Text
	writeCmd(text.W, "RSET")
	if text.W.Flush() != nil {
		return false
	}
	_, _, err := text.ReadResponse(250)
	return err == nil
}

// writeMail writes the MAIL command with the parameters the server supports.
func (cn *conn) writeMail(w *bufio.Writer, msg *campaign.Message) {
	w.WriteString("MAIL FROM:<")
	w.WriteString(msg.Envelope.From)
	w.WriteString(">")
	if cn.eightBit {
		w.WriteString(" BODY=8BITMIME")
	}
	if cn.utf8 && !isASCII(msg.Envelope.From, msg.Envelope.To) {
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

func isASCII(from string, to []string) bool {
	for _, s := range append([]string{from}, to...) {
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return false
			}
		}
	}
	return true
}
