package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// oauthServers starts a token endpoint whose access tokens last lifetime
// and an SMTP server that takes XOAUTH2 with them for news@example.com, and
// writes the first refresh token to a file. It returns the servers and the
// send arguments that sign in through them.
func oauthServers(t *testing.T, lifetime time.Duration) (*smtptest.TokenServer, *smtptest.Server, []string) {
	t.Helper()
	ts, rt := smtptest.StartTokenServer(t, "mailrun-app", "", lifetime)
	srv := smtptest.Start(t, smtptest.XOAuth2("news@example.com", ts.Valid))
	file := filepath.Join(t.TempDir(), "refresh-token")
	writeFile(t, file, rt+"\n")
	return ts, srv, []string{"--smtp", "smtp://news@example.com@" + srv.Addr(), "--auth", "xoauth2",
		"--oauth-provider", "microsoft", "--oauth-token-url", ts.URL(), "--oauth-client-id", "mailrun-app",
		"--oauth-refresh-token-file", file}
}

// TestSendXOAuth2LongCampaign: a campaign much longer than its access
// tokens live, over a new connection every few messages, goes through
// without a refused login or a failed message, and no token shows.
func TestSendXOAuth2LongCampaign(t *testing.T) {
	t.Parallel()
	ts, srv, args := oauthServers(t, time.Second)
	data, tmpl := sendCampaign(t, 75)
	r := mailrun(t, "", append([]string{"send", "--data", data, "--template", tmpl, "-v",
		"--workers", "2", "--max-per-conn", "5", "--rate", "30/s"}, args...)...)
	wantCode(t, r, 0)
	accepted, refused := srv.Logins()
	if len(srv.Messages()) != 75 || refused != 0 || accepted < 15 || ts.Issued() < 2 {
		t.Fatalf("%d messages, %d logins, %d refused, %d tokens; want 75 over 15 or more logins, none refused, several tokens",
			len(srv.Messages()), accepted, refused, ts.Issued())
	}
	if strings.Contains(r.stdout+r.stderr, "at-") || strings.Contains(r.stdout+r.stderr, "rt-") {
		t.Errorf("a token shows in the output:\n%s", r.stderr)
	}
}

// TestSendExpiredRefreshTokenExits6: a refresh token the endpoint refuses
// stops the run with exit 6 and says how to get a new one.
func TestSendExpiredRefreshTokenExits6(t *testing.T) {
	ts, srv, args := oauthServers(t, time.Hour)
	ts.RevokeAll()
	data, tmpl := sendCampaign(t, 3)
	r := mailrun(t, "", append([]string{"send", "--data", data, "--template", tmpl, "-q"}, args...)...)
	wantCode(t, r, 6)
	wantOneError(t, r, "refused the refresh token (invalid_grant: AADSTS700082: The refresh token has expired due to inactivity.)",
		"Sign in again", "--oauth-refresh-token-file", "run the same command again to resume")
	if strings.Contains(r.stderr, "Trace ID") || strings.Contains(r.stderr, "rt-") {
		t.Errorf("the message carries more than the reason:\n%s", r.stderr)
	}
	if len(srv.Transactions()) != 0 {
		t.Error("a message went out")
	}
}

// TestSendTokenCommand: --token-command gives the access token, with no
// OAuth2 settings.
func TestSendTokenCommand(t *testing.T) {
	ts, _ := smtptest.StartTokenServer(t, "app", "", time.Hour)
	srv := smtptest.Start(t, smtptest.XOAuth2("news@example.com", ts.Valid))
	tok := ts.AccessToken()
	file := filepath.Join(t.TempDir(), "token")
	writeFile(t, file, tok+"\n")
	data, tmpl := sendCampaign(t, 4)
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "-q", "--smtp", "smtp://news@example.com@"+srv.Addr(),
		"--auth", "xoauth2", "--token-command", "cat "+file)
	wantCode(t, r, 0)
	if len(srv.Messages()) != 4 {
		t.Fatalf("the server took %d messages, want 4", len(srv.Messages()))
	}
}

func TestSendOAuthUsageErrors(t *testing.T) {
	data, tmpl := sendCampaign(t, 1)
	t.Setenv("MAILRUN_OAUTH_REFRESH_TOKEN", "rt-secret")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--oauth-provider", "yahoo", "--oauth-client-id", "x"}, `provider "yahoo"`},
		{[]string{"--oauth-provider", "microsoft"}, "client id"},
		{[]string{"--oauth-client-id", "x", "--oauth-token-url", "http://login.example.com/token"}, "must be https://"},
		{[]string{"--oauth-provider", "microsoft", "--oauth-client-id", "x", "--oauth-flow", "client-credentials"}, "tenant"},
		{[]string{"--token-command", "get-token | head -1"}, "sh -c"},
	} {
		r := mailrun(t, "", append([]string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://me@127.0.0.1:1", "--auth", "xoauth2"}, tc.args...)...)
		wantCode(t, r, 2)
		wantOneError(t, r, tc.want)
		if strings.Contains(r.stderr, "rt-secret") {
			t.Errorf("the refresh token shows:\n%s", r.stderr)
		}
	}
}

func TestSendOAuthWithoutRefreshToken(t *testing.T) {
	data, tmpl := sendCampaign(t, 1)
	r := mailrun(t, "", "send", "--data", data, "--template", tmpl, "--smtp", "smtp://me@127.0.0.1:1", "--auth", "xoauth2",
		"--oauth-provider", "google", "--oauth-client-id", "x.apps.googleusercontent.com")
	wantCode(t, r, 2)
	wantOneError(t, r, "needs a refresh token: give it with --oauth-refresh-token-file FILE or MAILRUN_OAUTH_REFRESH_TOKEN")
}
