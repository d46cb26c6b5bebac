package sender_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender"
	"github.com/mailrun/mailrun/sender/credential"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// oauthPool starts a server that takes XOAUTH2 with the tokens of a real
// token endpoint whose access tokens last lifetime, and a Pool that signs in
// to it with tokens from that endpoint.
func oauthPool(t *testing.T, lifetime time.Duration, mod func(*sender.Config)) (*sender.Pool, *smtptest.Server, *smtptest.TokenServer) {
	t.Helper()
	ts, rt := smtptest.StartTokenServer(t, "mailrun-test", "", lifetime)
	srv := smtptest.Start(t, smtptest.XOAuth2("news@example.com", ts.Valid))
	tokens, err := credential.NewOAuthTokens(credential.OAuth{Provider: "microsoft", TokenURL: ts.URL(),
		ClientID: "mailrun-test", RefreshToken: rt})
	if err != nil {
		t.Fatal(err)
	}
	p := newPool(t, srv, func(c *sender.Config) {
		c.URL, c.Auth, c.Tokens = "smtp://news%40example.com@"+srv.Addr(), "xoauth2", tokens
		if mod != nil {
			mod(c)
		}
	})
	return p, srv, ts
}

// TestXOAuth2LongCampaign: a campaign that outlives its access tokens many
// times over, on connections replaced every few messages, signs every
// connection in with a token the server takes: no refused login, no
// failed message.
func TestXOAuth2LongCampaign(t *testing.T) {
	t.Parallel()
	const n = 90
	p, srv, ts := oauthPool(t, time.Second, func(c *sender.Config) { c.Workers, c.MaxPerConn, c.Rate = 3, 6, 30 })
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := w; i < n; i += 3 {
				if _, err := p.Send(context.Background(), message(i+1), nil); err != nil {
					t.Errorf("message %d: %v", i+1, err)
				}
			}
		})
	}
	wg.Wait()
	accepted, refused := srv.Logins()
	t.Logf("%d messages over %d connections, %d tokens issued", len(srv.Messages()), accepted, ts.Issued())
	if len(srv.Messages()) != n || refused != 0 {
		t.Fatalf("server took %d of %d messages, refused %d logins", len(srv.Messages()), n, refused)
	}
	// Three seconds of one-second tokens, a connection every six messages.
	if accepted < n/6 || ts.Issued() < 3 {
		t.Errorf("%d logins with %d tokens: want a login per connection (at least %d) and new tokens as they expire", accepted, ts.Issued(), n/6)
	}
}

// TestXOAuth2RefusedTokenIsReplacedOnce: a token the server refuses at
// sign-in (revoked, or expired early) is replaced and the connection signed
// in again, without a failure; when no new token can be had (the refresh
// token was revoked), the attempt fails fatally with the endpoint's reason.
func TestXOAuth2RefusedTokenIsReplacedOnce(t *testing.T) {
	p, srv, ts := oauthPool(t, time.Hour, func(c *sender.Config) { c.MaxPerConn = 1 })
	if _, err := p.Send(context.Background(), message(1), nil); err != nil {
		t.Fatal(err)
	}
	ts.ExpireAccess() // the cached token, valid for an hour yet, now fails
	if _, err := p.Send(context.Background(), message(2), nil); err != nil {
		t.Fatalf("after the server stopped taking the token: %v", err)
	}
	if acc, ref := srv.Logins(); acc != 2 || ref != 1 || ts.Issued() != 2 {
		t.Errorf("logins %d accepted, %d refused, %d tokens; want 2, 1 and 2", acc, ref, ts.Issued())
	}

	ts.ExpireAccess()
	ts.RevokeAll()
	_, err := p.Send(context.Background(), message(3), nil)
	de := deliveryError(t, err)
	var ee *credential.EndpointError
	if de.Class != campaign.Fatal || !errors.As(err, &ee) || !ee.RefreshTokenRefused() {
		t.Fatalf("with the refresh token revoked: %v, want a fatal error from the token endpoint (invalid_grant)", err)
	}
	if !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("error %q does not say why", err)
	}
	if len(srv.Messages()) != 2 {
		t.Errorf("server took %d messages, want 2", len(srv.Messages()))
	}
}

// TestXOAuth2WithoutTLSToAnotherHostIsRefused: a token is a credential
// like a password: never over a connection without TLS but to loopback.
func TestXOAuth2WithoutTLSToAnotherHostIsRefused(t *testing.T) {
	tokens, err := credential.NewCommandTokens("echo tok")
	if err != nil {
		t.Fatal(err)
	}
	_, err = sender.NewPool(sender.Config{URL: "smtp://me@mail.example.com:587", Auth: "xoauth2", Tokens: tokens, TLSPolicy: "none"})
	if !errors.Is(err, sender.ErrCleartextAuth) {
		t.Errorf("XOAUTH2 over a connection without TLS to another host: %v, want ErrCleartextAuth", err)
	}
	_, err = sender.NewPool(sender.Config{URL: "smtp://me@mail.example.com:587", Auth: "plain", Tokens: tokens})
	if err == nil {
		t.Error("tokens with AUTH plain were taken")
	}
}
