// Package credential provides the secrets of SMTP AUTH: passwords printed by
// a command, and OAuth2 access tokens for XOAUTH2 from a token endpoint (the
// refresh-token and client-credentials flows of golang.org/x/oauth2) or from
// a command.
//
// Secrets never appear in an error, a log line or a command's arguments.
package credential

import (
	"context"
	"time"

	"golang.org/x/oauth2"
)

// Renewal: a cached token is replaced once less than a third of its
// lifetime is left, and at the latest a minute before it expires, so that a
// connection that signs in with it is well inside its validity. A token
// whose lifetime is unknown (a command printed it, or the endpoint gave no
// expires_in) is reused for unknownLifetime.
const (
	maxMargin       = time.Minute
	unknownLifetime = time.Minute
)

// fetchFunc gets a new token from its origin.
type fetchFunc func(ctx context.Context) (*oauth2.Token, error)

// Tokens gives OAuth2 access tokens for XOAUTH2. It caches the current token
// in memory and gets a new one before it expires, one fetch at a time
// however many connections ask. Its methods are safe for concurrent use.
type Tokens struct {
	fetch fetchFunc
	now   func() time.Time

	lock    chan struct{} // held during a fetch; a channel so that waits end with ctx
	cur     *oauth2.Token
	fetched time.Time // when cur was fetched
}

func newTokens(fetch fetchFunc, now func() time.Time) *Tokens {
	if now == nil {
		now = time.Now
	}
	return &Tokens{fetch: fetch, now: now, lock: make(chan struct{}, 1)}
}

// Token returns an access token that stays valid for a while yet: the cached
// one, or a new one when the cached one is near its end. Errors are those
// of the token's origin: *EndpointError, *CommandError, or ctx.Err().
func (t *Tokens) Token(ctx context.Context) (string, error) {
	return t.get(ctx, "")
}

// Refresh is Token after a server refused rejected at sign-in: unless
// another caller has already replaced it, the cached token is dropped and
// a new one fetched, whatever its expiry says.
func (t *Tokens) Refresh(ctx context.Context, rejected string) (string, error) {
	return t.get(ctx, rejected)
}

func (t *Tokens) get(ctx context.Context, rejected string) (string, error) {
	select {
	case t.lock <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-t.lock }()
	if t.fresh() && (rejected == "" || t.cur.AccessToken != rejected) {
		return t.cur.AccessToken, nil
	}
	tok, err := t.fetch(ctx)
	if err != nil {
		return "", err
	}
	t.cur, t.fetched = tok, t.now()
	return tok.AccessToken, nil
}

// fresh reports whether the cached token has enough time left; t.lock is
// held.
func (t *Tokens) fresh() bool {
	if t.cur == nil || t.cur.AccessToken == "" {
		return false
	}
	now := t.now()
	if t.cur.Expiry.IsZero() {
		return now.Sub(t.fetched) < unknownLifetime
	}
	margin := min(t.cur.Expiry.Sub(t.fetched)/3, maxMargin)
	return now.Add(margin).Before(t.cur.Expiry)
}
