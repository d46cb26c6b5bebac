package sender_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender"
	"github.com/mailrun/mailrun/sender/smtptest"
)

const password = "s3cret-Passw0rd"

func TestAuth(t *testing.T) {
	tests := []struct {
		name     string
		opts     []smtptest.Option
		auth     string
		password string
		want     campaign.Class // 0: delivered
	}{
		{"plain, right password", nil, "plain", password, 0},
		{"plain, wrong password", nil, "plain", password + "x", campaign.Fatal},
		{"discovered over STARTTLS", []smtptest.Option{smtptest.StartTLS()}, "", password, 0},
		{"discovered over STARTTLS, wrong password", []smtptest.Option{smtptest.StartTLS()}, "", "Wr0ng-" + password, campaign.Fatal},
		{"PLAIN on loopback without TLS", nil, "", password, 0},
		{"a mechanism the server does not offer", nil, "cram-md5", password, campaign.Fatal},
		{"no AUTH", nil, "none", password, campaign.Fatal}, // MAIL refused with 530
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, append(tt.opts, smtptest.Auth("user@example.com", password))...)
			p := newPool(t, srv, func(c *sender.Config) {
				c.URL = "smtp://user@example.com@" + srv.Addr()
				c.Auth, c.Password = tt.auth, tt.password
			})
			_, err := p.Send(context.Background(), message(1), nil)
			if tt.want == 0 {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				return
			}
			if de := deliveryError(t, err); de.Class != tt.want {
				t.Errorf("got %v, want %s", de, tt.want)
			}
			if strings.Contains(err.Error(), tt.password) || strings.Contains(err.Error(), password) {
				t.Errorf("error %q contains the password", err)
			}
			if len(srv.Messages()) != 0 {
				t.Error("message delivered")
			}
		})
	}
}

func TestTLS(t *testing.T) {
	tests := []struct {
		name       string
		opts       []smtptest.Option
		policy     string
		noRoots    bool
		skipVerify bool
		want       campaign.Class // 0: delivered
		wantTLS    bool
	}{
		{"STARTTLS verified", []smtptest.Option{smtptest.StartTLS()}, "mandatory", false, false, 0, true},
		{"STARTTLS unknown authority", []smtptest.Option{smtptest.StartTLS()}, "mandatory", true, false, campaign.Fatal, false},
		{"STARTTLS skip verify", []smtptest.Option{smtptest.StartTLS()}, "mandatory", true, true, 0, true},
		{"implicit TLS", []smtptest.Option{smtptest.ImplicitTLS()}, "", false, false, 0, true},
		{"implicit TLS unknown authority", []smtptest.Option{smtptest.ImplicitTLS()}, "", true, false, campaign.Fatal, false},
		{"STARTTLS mandatory, not offered", nil, "mandatory", false, false, campaign.Fatal, false},
		{"loopback is opportunistic", nil, "", false, false, 0, false},
		{"loopback is opportunistic, offered", []smtptest.Option{smtptest.StartTLS()}, "", false, false, 0, true},
		{"policy none", []smtptest.Option{smtptest.StartTLS()}, "none", true, false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts...)
			p := newPool(t, srv, func(c *sender.Config) {
				c.TLSPolicy, c.TLSSkipVerify = tt.policy, tt.skipVerify
				if tt.noRoots {
					c.RootCAs = nil
				}
			})
			_, err := p.Send(context.Background(), message(1), nil)
			if tt.want == 0 {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				if got := srv.Messages()[0].TLS; got != tt.wantTLS {
					t.Errorf("message over TLS: %v, want %v", got, tt.wantTLS)
				}
				return
			}
			if de := deliveryError(t, err); de.Class != tt.want {
				t.Errorf("got %v, want %s", de, tt.want)
			}
			t.Logf("error: %v", err)
		})
	}
}

func TestPasswordInURLRefused(t *testing.T) {
	_, err := sender.NewPool(sender.Config{URL: "smtp://user:" + password + "@mail.example.com"})
	if err == nil {
		t.Fatal("NewPool accepted a password in the URL")
	}
	if strings.Contains(err.Error(), password) || !errors.Is(err, sender.ErrPasswordInURL) {
		t.Errorf("error %q: want sender.ErrPasswordInURL and no password", err)
	}
}
