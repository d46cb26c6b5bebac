package sender_test

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// envelopeOf returns a message to rcpts whose first is the To recipient.
func envelopeOf(rcpts ...string) *campaign.Message {
	m := message(1, rcpts...)
	m.ID = "limits@example.com"
	m.Envelope.Primary = 1
	return m
}

func TestRecipientLimitSplitsTransactions(t *testing.T) {
	rcpts := []string{"to@example.com", "cc1@example.com", "cc2@example.com", "cc3@example.com", "bcc@example.com"}
	for _, tt := range []struct {
		name string
		opts []smtptest.Option
	}{
		{"452 4.5.3 after 2, pipelined", []smtptest.Option{smtptest.RcptLimit(2)}},
		{"452 4.5.3 after 2, strict", []smtptest.Option{smtptest.RcptLimit(2), smtptest.NoPipelining()}},
		{"LIMITS RCPTMAX=2", []smtptest.Option{smtptest.RcptMax(2)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts...)
			p := newPool(t, srv, nil)
			msg := envelopeOf(rcpts...)
			begins := 0
			reply, err := p.Send(context.Background(), msg, func() error { begins++; return nil })
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.Messages()
			if len(got) != 3 || begins != 3 {
				t.Fatalf("%d transactions, begin called %d times; want 3 and 3", len(got), begins)
			}
			if n := strings.Count(reply, "queued as"); n != 3 {
				t.Errorf("reply %q: want the three replies", reply)
			}
			for r, n := range srv.PerRecipient() {
				if n != 1 {
					t.Errorf("%s got %d copies", r, n)
				}
			}
			if len(srv.PerRecipient()) != len(rcpts) || !slices.Equal(msg.Sent, rcpts) || len(msg.Refused) != 0 {
				t.Errorf("server per recipient %v; Sent %v, Refused %v", srv.PerRecipient(), msg.Sent, msg.Refused)
			}
			for _, m := range got {
				if len(m.To) > 2 {
					t.Errorf("a transaction to %d recipients", len(m.To))
				}
			}
		})
	}
}

func TestRetryNeverResendsToAcceptedRecipients(t *testing.T) {
	// The second transaction fails once: the next attempt goes to its
	// recipients only.
	srv := smtptest.Start(t, smtptest.RcptLimit(2), smtptest.FailData(451, 1, "cc2@example.com"))
	p := newPool(t, srv, nil)
	msg := envelopeOf("to@example.com", "cc1@example.com", "cc2@example.com")
	if _, err := p.Send(context.Background(), msg, nil); campaign.ClassOf(err) != campaign.Temporary {
		t.Fatalf("first attempt: %v, want a temporary failure", err)
	}
	if !slices.Equal(msg.Pending(), []string{"cc2@example.com"}) || !msg.ReachedTo() {
		t.Fatalf("pending %v after the first attempt, want cc2 only", msg.Pending())
	}
	if _, err := p.Send(context.Background(), msg, nil); err != nil {
		t.Fatalf("retry: %v", err)
	}
	for r, n := range srv.PerRecipient() {
		if n != 1 {
			t.Errorf("%s got %d copies, want 1", r, n)
		}
	}
}

func TestPartialAcceptance(t *testing.T) {
	tests := []struct {
		name       string
		opts       []smtptest.Option
		wantErr    campaign.Class // 0: delivered
		wantTo     []string       // recipients of the one transaction; nil: none
		wantRefuse []string
	}{
		{"Cc refused", []smtptest.Option{smtptest.FailRcpt(550, 0, "cc@example.com")}, 0,
			[]string{"to@example.com", "bcc@example.com"}, []string{"cc@example.com"}},
		{"Cc refused, strict", []smtptest.Option{smtptest.FailRcpt(550, 0, "cc@example.com"), smtptest.NoPipelining()}, 0,
			[]string{"to@example.com", "bcc@example.com"}, []string{"cc@example.com"}},
		{"To refused: no DATA", []smtptest.Option{smtptest.FailRcpt(550, 0, "to@example.com")}, campaign.Permanent,
			nil, []string{"to@example.com"}},
		{"To refused: no DATA, strict", []smtptest.Option{smtptest.FailRcpt(550, 0, "to@example.com"), smtptest.NoPipelining()}, campaign.Permanent,
			nil, []string{"to@example.com"}},
		{"To refused for now", []smtptest.Option{smtptest.FailRcpt(450, 0, "to@example.com")}, campaign.Temporary,
			nil, []string{"to@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts...)
			p := newPool(t, srv, nil)
			msg := envelopeOf("to@example.com", "cc@example.com", "bcc@example.com")
			_, err := p.Send(context.Background(), msg, nil)
			if campaign.ClassOf(err) != tt.wantErr {
				t.Fatalf("Send: %v, want class %v", err, tt.wantErr)
			}
			got := srv.Messages()
			switch {
			case tt.wantTo == nil && len(got) != 0:
				t.Errorf("the server took %d messages, want none", len(got))
			case tt.wantTo != nil && (len(got) != 1 || !slices.Equal(got[0].To, tt.wantTo)):
				t.Errorf("the server took %+v, want one message to %v", got, tt.wantTo)
			}
			var refused []string
			for _, r := range msg.Refused {
				refused = append(refused, r.Recipient)
			}
			if !slices.Equal(refused, tt.wantRefuse) {
				t.Errorf("refused %v, want %v", refused, tt.wantRefuse)
			}
		})
	}
}

func TestHelloName(t *testing.T) {
	srv := smtptest.Start(t)
	p := newPool(t, srv, nil)
	if _, err := p.Send(context.Background(), message(1), nil); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()[0].Hello
	host, _ := os.Hostname()
	if got != "[127.0.0.1]" && (!strings.Contains(got, ".") || !strings.HasPrefix(got, host)) {
		t.Errorf("EHLO %q, want this host's FQDN or the address literal [127.0.0.1]", got)
	}
	p2 := newPool(t, srv, func(c *sender.Config) { c.HelloName = "mail.example.org" })
	if _, err := p2.Send(context.Background(), message(2), nil); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages()[1].Hello; got != "mail.example.org" {
		t.Errorf("EHLO %q with HelloName set", got)
	}
}

func TestSessionAndMessageRefusals(t *testing.T) {
	tests := []struct {
		name  string
		opts  []smtptest.Option
		class campaign.Class
		scope campaign.Scope
		hello bool
	}{
		{"Postfix reject_non_fqdn_helo_hostname at RCPT", []smtptest.Option{smtptest.FailRcpt(504, 0),
			smtptest.ReplyText(504, "5.5.2", "<vm>: Helo command rejected: need fully-qualified hostname")}, campaign.Fatal, campaign.ScopeSession, true},
		{"Microsoft 365 sender mismatch at MAIL", []smtptest.Option{smtptest.FailMail(550, 0),
			smtptest.ReplyText(550, "5.7.60", "SMTP; Client does not have permissions to send as this sender")}, campaign.Fatal, campaign.ScopeSession, false},
		{"size at MAIL", []smtptest.Option{smtptest.FailMail(552, 0)}, campaign.Permanent, campaign.ScopeMessage, false},
		{"size at the final dot", []smtptest.Option{smtptest.FailData(552, 0)}, campaign.Permanent, campaign.ScopeMessage, false},
		{"greylisted at RCPT", []smtptest.Option{smtptest.FailRcpt(450, 0),
			smtptest.ReplyText(450, "4.2.0", "<a@example.com>: Recipient address rejected: Greylisted")}, campaign.Temporary, campaign.ScopeRecipient, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts...)
			p := newPool(t, srv, nil)
			_, err := p.Send(context.Background(), message(1), nil)
			de := deliveryError(t, err)
			if de.Class != tt.class || de.Scope != tt.scope || errors.Is(err, sender.ErrHelloRefused) != tt.hello {
				t.Errorf("got %v (class %v, scope %v, hello %v), want class %v scope %v hello %v",
					err, de.Class, de.Scope, errors.Is(err, sender.ErrHelloRefused), tt.class, tt.scope, tt.hello)
			}
			if tt.scope != campaign.ScopeRecipient && de.Recipient != "" {
				t.Errorf("a %v refusal names the recipient %s", tt.scope, de.Recipient)
			}
		})
	}
}

func TestSMTPUTF8AndIDN(t *testing.T) {
	tests := []struct {
		name    string
		utf8    bool
		to      string
		header  string
		wantTo  string // "": refused before any byte
		wantErr string
	}{
		{"IDN domain without SMTPUTF8 goes as punycode", false, "user@bücher.example", "", "user@xn--bcher-kva.example", ""},
		{"IDN domain with SMTPUTF8 goes as punycode too", true, "user@bücher.example", "", "user@xn--bcher-kva.example", ""},
		{"UTF-8 local part with SMTPUTF8", true, "유저@example.com", "", "유저@example.com", ""},
		{"UTF-8 local part without SMTPUTF8", false, "유저@example.com", "", "", "needs SMTPUTF8"},
		{"UTF-8 address in Reply-To without SMTPUTF8", false, "a@example.com", "Reply-To: 지원@example.com\r\n", "", "needs SMTPUTF8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []smtptest.Option
			if tt.utf8 {
				opts = append(opts, smtptest.SMTPUTF8())
			}
			srv := smtptest.Start(t, opts...)
			p := newPool(t, srv, nil)
			msg := message(1, tt.to)
			msg.Data = []byte(tt.header + testData)
			begun := false
			_, err := p.Send(context.Background(), msg, func() error { begun = true; return nil })
			if tt.wantErr != "" {
				if de := deliveryError(t, err); de.Class != campaign.Permanent || !strings.Contains(err.Error(), tt.wantErr) || begun {
					t.Errorf("got %v (begun %v), want a permanent %q before any byte", err, begun, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := srv.Messages()[0].To; !slices.Equal(got, []string{tt.wantTo}) || !slices.Equal(msg.Sent, []string{tt.to}) {
				t.Errorf("RCPT %v, Sent %v; want %s as %s", got, msg.Sent, tt.to, tt.wantTo)
			}
		})
	}
}

func TestAuthChoice(t *testing.T) {
	tests := []struct {
		name    string
		offered string
		auth    string
		want    string // the AUTH command's start; "": none sent
		errPart string
	}{
		{"PLAIN first on loopback", "AUTH CRAM-MD5 LOGIN PLAIN", "", "AUTH PLAIN ", ""},
		{"LOGIN when no PLAIN", "AUTH CRAM-MD5 LOGIN", "", "AUTH LOGIN", ""},
		{"CRAM-MD5 when asked", "AUTH CRAM-MD5 PLAIN", "cram-md5", "AUTH CRAM-MD5", ""},
		{"nothing usable", "AUTH NTLM GSSAPI", "", "", "offers AUTH NTLM GSSAPI"},
		{"no AUTH at all", "", "", "", "offers no AUTH mechanism"},
		{"asked for one not offered", "AUTH PLAIN", "xoauth2", "", "does not offer AUTH XOAUTH2 (it offers AUTH PLAIN)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startScripted(t, "127.0.0.1:0", func(c *scriptConn) {
				var ext []string
				if tt.offered != "" {
					ext = append(ext, tt.offered)
				}
				if !c.greet(ext...) {
					return
				}
				l := c.line()
				switch {
				case strings.HasPrefix(l, "AUTH PLAIN "):
					c.send("235 2.7.0 Authentication successful")
				case strings.HasPrefix(l, "AUTH LOGIN"), strings.HasPrefix(l, "AUTH CRAM-MD5"), strings.HasPrefix(l, "AUTH XOAUTH2"):
					c.send("535 5.7.8 Error: authentication failed")
					return
				default:
					return
				}
				c.serve(func() string { return "250 2.0.0 Ok: queued as X" })
			})
			p, err := sender.NewPool(sender.Config{URL: "smtp://joe@" + srv.Addr(), Password: password, Auth: tt.auth, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			_, err = p.Send(context.Background(), message(1), nil)
			if tt.errPart != "" {
				var ae *sender.AuthMechanismError
				if !errors.As(err, &ae) || !strings.Contains(err.Error(), tt.errPart) || campaign.ClassOf(err) != campaign.Fatal {
					t.Errorf("got %v, want a fatal *AuthMechanismError saying %q", err, tt.errPart)
				}
			}
			if tt.want == "" {
				if srv.saw("AUTH") {
					t.Errorf("the client sent %v", srv.Seen())
				}
				return
			}
			if !srv.saw(tt.want) {
				t.Errorf("client lines %v, want one starting %q", srv.Seen(), tt.want)
			}
		})
	}
}

// nonLoopback returns an address of this host other than loopback, or
// skips the test.
func nonLoopback(t *testing.T) string {
	t.Helper()
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	t.Skip("this host has no address other than loopback")
	return ""
}

func TestNoCredentialWithoutTLS(t *testing.T) {
	ip := nonLoopback(t)
	for _, auth := range []string{"", "plain", "login", "cram-md5", "xoauth2"} {
		t.Run("auth "+auth, func(t *testing.T) {
			srv := startScripted(t, ip+":0", func(c *scriptConn) {
				if c.greet("AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2") {
					c.line()
				}
			})
			p, err := sender.NewPool(sender.Config{URL: "smtp://joe@" + srv.Addr(), Password: password, Auth: auth,
				TLSPolicy: sender.TLSOpportunistic, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			_, err = p.Send(context.Background(), message(1), nil)
			if !errors.Is(err, sender.ErrCleartextAuth) || campaign.ClassOf(err) != campaign.Fatal {
				t.Errorf("got %v, want a fatal ErrCleartextAuth", err)
			}
			if srv.saw("AUTH") || srv.saw("MAIL") {
				t.Errorf("the client sent %v", srv.Seen())
			}
		})
	}
	// With TLS turned off the run stops before connecting.
	_, err := sender.NewPool(sender.Config{URL: "smtp://joe@" + ip + ":25", Password: password, TLSPolicy: sender.TLSNone})
	if !errors.Is(err, sender.ErrCleartextAuth) {
		t.Errorf("NewPool with TLS off: %v, want ErrCleartextAuth", err)
	}
	_, err = sender.NewPool(sender.Config{URL: "smtp://joe@mail.example.com"})
	if !errors.Is(err, sender.ErrNoPassword) {
		t.Errorf("NewPool with a user and no password: %v, want ErrNoPassword", err)
	}
}
