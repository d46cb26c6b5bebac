package smtptest_test

import (
	"crypto/tls"
	"errors"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/mailrun/mailrun/sender/smtptest"
)

const body = "Subject: hi\r\n\r\n.leading dot\r\nbye\r\n"

// send delivers one message with net/smtp and returns the final reply error.
func send(t *testing.T, c *smtp.Client, to ...string) error {
	t.Helper()
	if err := c.Mail("from@example.com"); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(body)); err != nil {
		return err
	}
	return w.Close()
}

func dial(t *testing.T, s *smtptest.Server) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// code returns the code of an SMTP error reply, 0 for none.
func code(err error) int {
	c, _ := replyOf(err)
	return c
}

// replyOf returns the code and text of an SMTP error reply.
func replyOf(err error) (int, string) {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code, te.Msg
	}
	return 0, ""
}

func TestAcceptsAndRecords(t *testing.T) {
	s := smtptest.Start(t)
	c := dial(t, s)
	pending := s.Received(2)
	for range 2 {
		if err := send(t, c, "a@example.com", "b@example.com"); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	select {
	case <-pending:
	default:
		t.Error("Received(2) not closed after two messages")
	}
	select {
	case <-s.Received(3):
		t.Error("Received(3) closed after two messages")
	default:
	}
	msgs := s.Messages()
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want 2", len(msgs))
	}
	m := msgs[0]
	if m.From != "from@example.com" || strings.Join(m.To, ",") != "a@example.com,b@example.com" {
		t.Errorf("envelope = %q %q", m.From, m.To)
	}
	if string(m.Data) != body {
		t.Errorf("data = %q, want %q", m.Data, body)
	}
	if m.QueueID == "" || m.Conn != 1 || s.Connections() != 1 || s.PerConn()[1] != 2 {
		t.Errorf("queue id %q, conn %d, connections %d, per conn %v", m.QueueID, m.Conn, s.Connections(), s.PerConn())
	}
	if ok, _ := c.Extension("PIPELINING"); !ok {
		t.Error("PIPELINING not advertised")
	}
}

func TestInjectedReplies(t *testing.T) {
	tests := []struct {
		name string
		opt  smtptest.Option
		to   []string
		want int
	}{
		{"rcpt 550 for one address", smtptest.FailRcpt(550, 0, "gone@example.com"), []string{"gone@example.com"}, 550},
		{"rcpt 450 for any address", smtptest.FailRcpt(450, 1), []string{"a@example.com"}, 450},
		{"data 451", smtptest.FailData(451, 1), []string{"a@example.com"}, 451},
		{"hook 552", smtptest.Hook(func(smtptest.Message) *gosmtp.SMTPError {
			return &gosmtp.SMTPError{Code: 552, Message: "too big"}
		}), []string{"a@example.com"}, 552},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := smtptest.Start(t, tt.opt)
			c := dial(t, s)
			if got := code(send(t, c, tt.to...)); got != tt.want {
				t.Fatalf("reply code %d, want %d", got, tt.want)
			}
			if err := c.Reset(); err != nil {
				t.Fatal(err)
			}
			if tt.want != 552 {
				if err := send(t, c, tt.to...); (err != nil) != (tt.want == 550) {
					t.Fatalf("second send: %v", err)
				}
			}
		})
	}
}

func TestCutData(t *testing.T) {
	s := smtptest.Start(t, smtptest.CutData(1))
	c := dial(t, s)
	if err := send(t, c, "a@example.com"); err == nil || code(err) != 0 {
		t.Fatalf("send over a cut connection: %v, want a connection error", err)
	}
	if n := len(s.Transactions()); n != 1 || s.Transactions()[0].Code != 0 || len(s.Messages()) != 0 {
		t.Fatalf("transactions %+v", s.Transactions())
	}
	if err := send(t, dial(t, s), "a@example.com"); err != nil {
		t.Fatalf("second connection: %v", err)
	}
}

func TestMaxConns(t *testing.T) {
	s := smtptest.Start(t, smtptest.MaxConns(1))
	dial(t, s)
	_, err := smtp.Dial(s.Addr())
	if code(err) != 421 {
		t.Fatalf("second connection: %v, want 421", err)
	}
	if s.Rejected() != 1 || s.Connections() != 1 || s.PeakConnections() != 1 {
		t.Fatalf("rejected %d connections %d peak %d", s.Rejected(), s.Connections(), s.PeakConnections())
	}
}

func TestNoPipelining(t *testing.T) {
	s := smtptest.Start(t, smtptest.NoPipelining())
	if ok, _ := dial(t, s).Extension("PIPELINING"); ok {
		t.Fatal("PIPELINING advertised")
	}
}

func TestAuthAndStartTLS(t *testing.T) {
	s := smtptest.Start(t, smtptest.Auth("u", "p"), smtptest.StartTLS())
	tlsDial := func() *smtp.Client {
		c := dial(t, s)
		if err := c.StartTLS(&tls.Config{ServerName: "127.0.0.1", RootCAs: s.RootCAs()}); err != nil {
			t.Fatalf("starttls: %v", err)
		}
		return c
	}
	c := tlsDial()
	if code(send(t, c, "a@example.com")) != 530 {
		t.Fatal("MAIL before AUTH was not refused with 530")
	}
	if err := c.Auth(smtp.PlainAuth("", "u", "wrong", "127.0.0.1")); code(err) != 535 {
		t.Fatalf("wrong password: %v, want 535", err)
	}
	c = tlsDial()
	if err := c.Auth(smtp.PlainAuth("", "u", "p", "127.0.0.1")); err != nil {
		t.Fatalf("auth: %v", err)
	}
	if err := send(t, c, "a@example.com"); err != nil {
		t.Fatalf("send: %v", err)
	}
}

func TestImplicitTLS(t *testing.T) {
	s := smtptest.Start(t, smtptest.ImplicitTLS())
	conn, err := tls.Dial("tcp", s.Addr(), &tls.Config{RootCAs: s.RootCAs(), ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := send(t, c, "a@example.com"); err != nil {
		t.Fatalf("send: %v", err)
	}
	if !strings.HasPrefix(s.URL(), "smtps://") {
		t.Errorf("URL %q", s.URL())
	}
}

func TestClose(t *testing.T) {
	s := smtptest.Start(t)
	c := dial(t, s)
	if err := send(t, c, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := send(t, c, "b@example.com"); err == nil || code(err) != 0 {
		t.Fatalf("send on a connection the server closed: %v, want a connection error", err)
	}
	if c2, err := smtp.Dial(s.Addr()); err == nil {
		c2.Close()
		t.Fatal("dial after Close succeeded")
	}
	s.Close() // a second Close does nothing
	if n := len(s.Messages()); n != 1 {
		t.Fatalf("%d messages, want the 1 before Close", n)
	}
}
