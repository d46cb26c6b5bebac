package sender

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
)

// The bounds of one SMTP reply. RFC 5321 lets a reply line be 512 octets;
// the longest real replies (EHLO of a large provider) are a few dozen
// lines. A server past these is broken or hostile: the connection is
// dropped rather than read on (an endless "250-" reply would exhaust
// memory).
const (
	maxReplyLines = 100
	maxReplyBytes = 64 << 10
)

// errReplyTooLong is the error (inside a Temporary DeliveryError) of a
// reply past the bounds.
var errReplyTooLong = fmt.Errorf("sender: the server's reply exceeds %d lines or %d KiB; the connection was dropped", maxReplyLines, maxReplyBytes>>10)

// boundedConn is a net.Conn whose reads stop with errReplyTooLong once the
// budget set by allow is spent. It bounds what go-mail's reply reading
// (the greeting, EHLO, STARTTLS, AUTH, QUIT) may take from a server.
type boundedConn struct {
	net.Conn
	left int
}

// allow sets the bytes that the next reads may return, in all.
func (c *boundedConn) allow(n int) { c.left = n }

func (c *boundedConn) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errReplyTooLong
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	n, err := c.Conn.Read(p)
	c.left -= n
	return n, err
}

// readReply reads one reply from r, at most maxReplyLines lines of at most
// r's buffer size (4 KiB) each. It returns the code and the text (lines
// joined with "\n", as textproto does), and an error for a broken
// connection, a reply past the bounds, or one that is not SMTP.
func readReply(r *bufio.Reader) (code int, text string, err error) {
	var b strings.Builder
	for n := 1; ; n++ {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) || n > maxReplyLines || b.Len()+len(line) > maxReplyBytes {
			return 0, "", errReplyTooLong
		}
		if err != nil {
			return 0, "", err
		}
		l := strings.TrimRight(string(line), "\r\n")
		if len(l) < 3 || (len(l) > 3 && l[3] != ' ' && l[3] != '-') {
			return 0, "", textproto.ProtocolError("short or malformed reply: " + strconv.Quote(l))
		}
		c, err := strconv.Atoi(l[:3])
		if err != nil || c < 100 || c > 599 || (code != 0 && c != code) {
			return 0, "", textproto.ProtocolError("invalid reply: " + strconv.Quote(l))
		}
		code = c
		if n > 1 {
			b.WriteByte('\n')
		}
		if len(l) > 4 {
			b.WriteString(l[4:])
		}
		if len(l) == 3 || l[3] == ' ' {
			return code, b.String(), nil
		}
	}
}

// replyOf returns the SMTP reply inside err (a *textproto.Error, as go-mail
// returns them), and false when err holds none.
func replyOf(err error) (reply, bool) {
	var te *textproto.Error
	if !errors.As(err, &te) {
		return reply{}, false
	}
	return parseReply(te.Code, te.Msg), true
}

// parseReply makes a reply of a code and the text readReply returned.
func parseReply(code int, text string) reply {
	enh, t := splitEnhanced(text)
	return reply{code: code, enhanced: enh, text: t}
}

// String returns r as the server wrote it, on one line.
func (r reply) String() string {
	s := strconv.Itoa(r.code)
	if r.enhanced != "" {
		s += " " + r.enhanced
	}
	if r.text != "" {
		s += " " + r.text
	}
	return s
}
