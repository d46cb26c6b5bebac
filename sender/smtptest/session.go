package smtptest

import (
	"errors"
	"io"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// session is one SMTP session (go-smtp starts a new one after STARTTLS).
type session struct {
	s      *Server
	c      *smtp.Conn
	conn   *trackedConn
	authed bool

	from      string
	to        []string
	mailReads int64
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: s, c: c, conn: tracked(c.Conn())}, nil
}

var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}

func (ss *session) AuthMechanisms() []string {
	var mechs []string
	if ss.s.cfg.user != "" {
		mechs = append(mechs, sasl.Plain)
	}
	if ss.s.cfg.oauthUser != "" {
		mechs = append(mechs, "XOAUTH2")
	}
	return mechs
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	switch {
	case mech == "XOAUTH2" && ss.s.cfg.oauthUser != "":
		return &xoauth2Server{ss: ss}, nil
	case ss.s.cfg.user == "" || mech != sasl.Plain:
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != ss.s.cfg.user || pass != ss.s.cfg.pass || (identity != "" && identity != user) {
			ss.s.login(false)
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		ss.s.login(true)
		return nil
	}), nil
}

// authRequired reports whether MAIL needs a successful AUTH first.
func (ss *session) authRequired() bool {
	return (ss.s.cfg.user != "" || ss.s.cfg.oauthUser != "") && !ss.authed
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.s.wait()
	if ss.authRequired() {
		return errAuthRequired
	}
	ss.s.mu.Lock()
	for _, f := range ss.s.cfg.mailFaults {
		if f.take() {
			ss.s.mu.Unlock()
			return ss.s.reply(f.code, "injected failure")
		}
	}
	ss.s.mu.Unlock()
	ss.from, ss.to = from, nil
	if ss.conn != nil {
		ss.mailReads = ss.conn.reads.Load()
	}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.wait()
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if n := ss.s.cfg.rcptLimit; n > 0 && len(ss.to) >= n {
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3}, Message: "Error: too many recipients"}
	}
	for _, f := range ss.s.cfg.rcptFaults {
		if f.take(to) {
			return ss.s.reply(f.code, "<"+to+">: injected failure")
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	m := Message{From: ss.from, To: ss.to, Hello: ss.c.Hostname()}
	_, m.TLS = ss.c.TLSConnectionState()
	if ss.conn != nil {
		m.Conn = ss.conn.id
		m.Reads = int(ss.conn.reads.Load()-ss.mailReads) + 1
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m.Data, m.Time = data, time.Now()
	ss.s.wait()

	ss.s.mu.Lock()
	cut := ss.s.cfg.cuts != 0
	if cut && ss.s.cfg.cuts > 0 {
		ss.s.cfg.cuts--
	}
	var rep *smtp.SMTPError
	for _, f := range ss.s.cfg.dataFaults {
		if !cut && f.take(m.To...) {
			rep = ss.s.reply(f.code, "injected failure")
			break
		}
	}
	ss.s.mu.Unlock()

	switch {
	case cut:
		ss.s.record(m)
		_ = ss.c.Close()
		return errors.New("connection cut")
	case rep == nil && ss.s.cfg.hook != nil:
		rep = ss.s.cfg.hook(m)
	}
	if rep != nil {
		m.Code = rep.Code
		ss.s.record(m)
		return rep
	}
	m.Code = 250
	m = ss.s.record(m)
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: "Ok: queued as " + m.QueueID}
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// enhanced holds plausible enhanced status codes for injected replies; other
// codes get X.0.0.
var enhanced = map[int]smtp.EnhancedCode{
	421: {4, 3, 2}, 450: {4, 2, 1}, 451: {4, 3, 0}, 452: {4, 5, 3}, 454: {4, 7, 0},
	550: {5, 1, 1}, 552: {5, 3, 4}, 554: {5, 7, 1},
}

// reply builds the injected reply code: as ReplyText set it, else with a
// plausible enhanced status code and text.
func (s *Server) reply(code int, text string) *smtp.SMTPError {
	if rt, ok := s.cfg.texts[code]; ok {
		return &smtp.SMTPError{Code: code, EnhancedCode: rt.enhanced, Message: rt.text}
	}
	ec, ok := enhanced[code]
	if !ok {
		ec = smtp.EnhancedCode{code / 100, 0, 0}
	}
	return &smtp.SMTPError{Code: code, EnhancedCode: ec, Message: text}
}
