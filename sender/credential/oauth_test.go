package credential_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailrun/mailrun/sender/credential"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// newTokens returns Tokens for ts's client with the refresh token rt.
func newTokens(t *testing.T, cfg credential.OAuth) *credential.Tokens {
	t.Helper()
	tokens, err := credential.NewOAuthTokens(cfg)
	if err != nil {
		t.Fatalf("NewOAuthTokens: %v", err)
	}
	return tokens
}

func TestRefreshFlowRenewsBeforeExpiry(t *testing.T) {
	t.Parallel()
	ts, rt := smtptest.StartTokenServer(t, "app", "", 2*time.Second)
	tokens := newTokens(t, credential.OAuth{Provider: "microsoft", TokenURL: ts.URL(), ClientID: "app", RefreshToken: rt})
	ctx := context.Background()

	seen := map[string]bool{}
	calls := 0
	for deadline := time.Now().Add(4 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		tok, err := tokens.Token(ctx)
		if err != nil {
			t.Fatalf("Token: %v", err)
		}
		calls++
		if !ts.Valid(tok) {
			t.Fatalf("Token returned a token the endpoint no longer takes (call %d)", calls)
		}
		seen[tok] = true
	}
	// Two-second tokens over four seconds: renewed (with rotated refresh
	// tokens, each usable once), yet cached between renewals.
	if len(seen) < 3 || len(seen) > 6 {
		t.Errorf("%d distinct tokens over %d calls in 4s of 2s tokens: want 3 to 6", len(seen), calls)
	}
	n, scopes := ts.Requests()
	if n != len(seen) {
		t.Errorf("%d token requests for %d tokens", n, len(seen))
	}
	for _, s := range scopes {
		if s != "https://outlook.office.com/SMTP.Send offline_access" {
			t.Errorf("refresh sent scope %q, want Microsoft's SMTP scope with offline_access", s)
		}
	}
}

func TestClientCredentialsFlow(t *testing.T) {
	ts, _ := smtptest.StartTokenServer(t, "app", "s3cret", time.Hour)
	tokens := newTokens(t, credential.OAuth{Provider: "microsoft", Tenant: "example.com", TokenURL: ts.URL(),
		Flow: credential.FlowClientCredentials, ClientID: "app", ClientSecret: "s3cret"})
	tok, err := tokens.Token(context.Background())
	if err != nil || !ts.Valid(tok) {
		t.Fatalf("Token = valid %v, %v", ts.Valid(tok), err)
	}
	if _, scopes := ts.Requests(); len(scopes) != 1 || scopes[0] != "https://outlook.office365.com/.default" {
		t.Errorf("scopes %q, want the app-only .default scope", scopes)
	}
}

func TestRefreshAfterRejection(t *testing.T) {
	ts, rt := smtptest.StartTokenServer(t, "app", "", time.Hour)
	tokens := newTokens(t, credential.OAuth{TokenURL: ts.URL(), ClientID: "app", RefreshToken: rt, Scopes: []string{"smtp"}})
	ctx := context.Background()
	first, err := tokens.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := tokens.Token(ctx); again != first {
		t.Fatal("a token valid for an hour was not reused")
	}
	second, err := tokens.Refresh(ctx, first)
	if err != nil || second == first || !ts.Valid(second) {
		t.Fatalf("Refresh after rejection = new %v, valid %v, %v", second != first, ts.Valid(second), err)
	}
	// Another connection that was refused the first token too gets the
	// second without another request.
	if third, _ := tokens.Refresh(ctx, first); third != second {
		t.Error("a second rejection of the same old token fetched again")
	}
	if n, _ := ts.Requests(); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
}

func TestOneFetchForConcurrentCallers(t *testing.T) {
	ts, rt := smtptest.StartTokenServer(t, "app", "", time.Hour)
	tokens := newTokens(t, credential.OAuth{TokenURL: ts.URL(), ClientID: "app", RefreshToken: rt, Scopes: []string{"smtp"}})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := tokens.Token(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n, _ := ts.Requests(); n != 1 {
		t.Errorf("16 connections at once made %d token requests, want 1", n)
	}
}

func TestEndpointErrors(t *testing.T) {
	ts, rt := smtptest.StartTokenServer(t, "app", "s3cret", time.Hour)
	ts.RevokeAll()
	tests := []struct {
		name          string
		cfg           credential.OAuth
		refused, temp bool
		want          string
	}{
		{"revoked refresh token", credential.OAuth{TokenURL: ts.URL(), ClientID: "app", ClientSecret: "s3cret", RefreshToken: rt, Scopes: []string{"smtp"}},
			true, false, "invalid_grant: AADSTS700082: The refresh token has expired due to inactivity."},
		{"wrong secret", credential.OAuth{TokenURL: ts.URL(), ClientID: "app", ClientSecret: "wrong-secret", RefreshToken: rt, Scopes: []string{"smtp"}},
			false, false, "invalid_client"},
		{"endpoint down", credential.OAuth{TokenURL: "http://127.0.0.1:1/token", ClientID: "app", RefreshToken: rt, Scopes: []string{"smtp"}},
			false, true, "cannot reach it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newTokens(t, tt.cfg).Token(context.Background())
			var ee *credential.EndpointError
			if !errors.As(err, &ee) {
				t.Fatalf("error %v (%T), want *EndpointError", err, err)
			}
			if ee.RefreshTokenRefused() != tt.refused || ee.Temporary != tt.temp {
				t.Errorf("refused %v temporary %v, want %v %v", ee.RefreshTokenRefused(), ee.Temporary, tt.refused, tt.temp)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || strings.Contains(msg, "Trace ID") {
				t.Errorf("error %q: want %q, on one line", msg, tt.want)
			}
			for _, secret := range []string{rt, "s3cret", "wrong-secret"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q holds a secret", msg)
				}
			}
		})
	}
}

func TestOAuthConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  credential.OAuth
		want string
	}{
		{"no endpoint", credential.OAuth{ClientID: "app", RefreshToken: "rt"}, "provider (microsoft or google) or a token URL"},
		{"unknown provider", credential.OAuth{Provider: "yahoo", ClientID: "app", RefreshToken: "rt"}, `provider "yahoo"`},
		{"no client id", credential.OAuth{Provider: "google", RefreshToken: "rt"}, "client id"},
		{"no refresh token", credential.OAuth{Provider: "google", ClientID: "app"}, "refresh token"},
		{"app-only without tenant", credential.OAuth{Provider: "microsoft", Flow: credential.FlowClientCredentials, ClientID: "app", ClientSecret: "s"}, "tenant"},
		{"app-only without secret", credential.OAuth{Provider: "microsoft", Tenant: "example.com", Flow: credential.FlowClientCredentials, ClientID: "app"}, "client secret"},
		{"tenant for google", credential.OAuth{Provider: "google", Tenant: "example.com", ClientID: "app", RefreshToken: "rt"}, "tenant"},
		{"unknown flow", credential.OAuth{Provider: "google", Flow: "password", ClientID: "app", RefreshToken: "rt"}, `flow "password"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := credential.NewOAuthTokens(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one that says %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), `"rt"`) {
				t.Errorf("error %q holds the refresh token", err)
			}
		})
	}
}

func TestTokenURLMustBeHTTPS(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://login.example.com/token": true, "http://127.0.0.1:8080/token": true, "http://localhost/token": true,
		"http://login.example.com/token": false, "login.example.com/token": false, "ftp://127.0.0.1/token": false,
	} {
		_, err := credential.NewOAuthTokens(credential.OAuth{TokenURL: url, ClientID: "app", RefreshToken: "rt", Scopes: []string{"s"}})
		if (err == nil) != ok {
			t.Errorf("token URL %s: error %v, want accepted %v", url, err, ok)
		}
	}
}
