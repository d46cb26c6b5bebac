package smtptest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TokenServer is an in-process OAuth2 token endpoint (RFC 6749 section 6
// and 4.4) for tests: it trades a refresh token, or a client id and secret,
// for short-lived access tokens that XOAuth2 servers check with Valid. Like
// Microsoft's, it requires the scope on every request and rotates refresh
// tokens: each refresh returns a new one and the old one stops working.
type TokenServer struct {
	srv      *httptest.Server
	clientID string
	secret   string
	lifetime time.Duration

	mu       sync.Mutex
	refresh  map[string]bool      // refresh tokens that still work
	access   map[string]time.Time // access tokens and their expiry
	requests int
	scopes   []string
}

// StartTokenServer starts a token endpoint for the client clientID (with
// secret, or none for a public client) whose access tokens last lifetime,
// and registers its shutdown with t.Cleanup. It returns the server and a
// first refresh token.
func StartTokenServer(t testing.TB, clientID, secret string, lifetime time.Duration) (*TokenServer, string) {
	t.Helper()
	ts := &TokenServer{clientID: clientID, secret: secret, lifetime: lifetime,
		refresh: map[string]bool{}, access: map[string]time.Time{}}
	ts.srv = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.srv.Close)
	first := randomToken("rt-")
	ts.refresh[first] = true
	return ts, first
}

// URL returns the token endpoint's URL.
func (ts *TokenServer) URL() string { return ts.srv.URL + "/token" }

// Valid reports whether token is an access token the server issued that
// has not expired.
func (ts *TokenServer) Valid(token string) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	exp, ok := ts.access[token]
	return ok && time.Now().Before(exp)
}

// RevokeAll makes every refresh token issued so far stop working, as when
// a user's refresh token expires or an administrator revokes it.
func (ts *TokenServer) RevokeAll() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	clear(ts.refresh)
}

// ExpireAccess makes every access token issued so far stop working, as if
// they had all expired at once.
func (ts *TokenServer) ExpireAccess() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for tok := range ts.access {
		ts.access[tok] = time.Time{}
	}
}

// AccessToken issues an access token directly, as if a client had asked
// for one: for a test that needs a valid token without a client.
func (ts *TokenServer) AccessToken() string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	at := randomToken("at-")
	ts.access[at] = time.Now().Add(ts.lifetime)
	return at
}

// Issued returns how many access tokens the server issued.
func (ts *TokenServer) Issued() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.access)
}

// Requests returns how many token requests the server received, and the
// scope parameter of each.
func (ts *TokenServer) Requests() (int, []string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.requests, append([]string(nil), ts.scopes...)
}

func (ts *TokenServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/token" {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.requests++
	scope := r.PostForm.Get("scope")
	ts.scopes = append(ts.scopes, scope)
	switch {
	case id != ts.clientID || secret != ts.secret:
		tokenError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
		return
	case scope == "":
		tokenError(w, http.StatusBadRequest, "invalid_request", "AADSTS90014: The required field 'scope' is missing.")
		return
	}
	resp := map[string]any{"token_type": "Bearer", "expires_in": int(ts.lifetime / time.Second), "scope": scope}
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if !ts.refresh[rt] {
			tokenError(w, http.StatusBadRequest, "invalid_grant",
				"AADSTS700082: The refresh token has expired due to inactivity.\r\nTrace ID: 0\r\nTimestamp: 2026-12-01 00:00:00Z")
			return
		}
		delete(ts.refresh, rt)
		next := randomToken("rt-")
		ts.refresh[next] = true
		resp["refresh_token"] = next
	case "client_credentials":
		if ts.secret == "" {
			tokenError(w, http.StatusBadRequest, "invalid_client", "a public client has no client credentials")
			return
		}
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	at := randomToken("at-")
	ts.access[at] = time.Now().Add(ts.lifetime)
	resp["access_token"] = at
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func randomToken(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + strings.ToUpper(hex.EncodeToString(b[:]))
}
