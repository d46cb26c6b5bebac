package smtptest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/sender/smtptest"
	mailsmtp "github.com/wneessen/go-mail/smtp"
)

func TestXOAuth2(t *testing.T) {
	ts, _ := smtptest.StartTokenServer(t, "app", "", time.Hour)
	s := smtptest.Start(t, smtptest.XOAuth2("me@example.com", ts.Valid))
	login := func(user, token string) error {
		c, err := mailsmtp.Dial(s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Hello("client.example"); err != nil {
			t.Fatal(err)
		}
		if ok, mechs := c.Extension("AUTH"); !ok || mechs != "XOAUTH2" {
			t.Fatalf("AUTH %q advertised, want XOAUTH2 alone", mechs)
		}
		if err := c.Auth(mailsmtp.XOAuth2Auth(user, token)); err != nil {
			return err
		}
		return c.Mail("me@example.com")
	}
	if err := login("me@example.com", "not-a-token"); err == nil || !strings.Contains(err.Error(), "535") {
		t.Errorf("a token the endpoint never issued: %v, want 535", err)
	}
	if acc, ref := s.Logins(); acc != 0 || ref != 1 {
		t.Errorf("logins %d accepted, %d refused; want 0 and 1", acc, ref)
	}
	// A token the endpoint issued passes; for another user it does not.
	tok := ts.AccessToken()
	if err := login("me@example.com", tok); err != nil {
		t.Errorf("a valid token was refused: %v", err)
	}
	if err := login("other@example.com", tok); err == nil {
		t.Error("a valid token for another user was taken")
	}
}
