package sender

import (
	"context"
	"errors"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender/credential"
)

// TokenSource gives the OAuth2 access tokens of XOAUTH2 (see
// Config.Tokens); *credential.Tokens is one. Token returns one that stays
// valid for a while yet; Refresh returns a new one after a server refused
// rejected. Both are safe for concurrent use.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
	Refresh(ctx context.Context, rejected string) (string, error)
}

// signIn connects with the pool's secret: the password, or with
// Config.Tokens a current access token. A server checks a token only at
// sign-in, so each connection gets one that is still valid; one it refuses
// (535, or a 334 challenge that ends the exchange) is replaced once and the
// connection opened again, before the failure counts.
func (p *Pool) signIn(ctx context.Context) (*conn, error) {
	secret, err := p.secret(ctx, "")
	if err != nil {
		return nil, err
	}
	cn, err := p.connect(ctx, secret)
	if err == nil || p.cfg.Tokens == nil || !tokenRefused(err) || ctx.Err() != nil {
		return cn, p.redact(err, secret)
	}
	p.log.Info("the server refused the OAuth2 access token; signing in again with a new one",
		"server", p.ep.String(), "reply", p.redact(err, secret))
	fresh, err := p.secret(ctx, secret)
	if err != nil {
		return nil, err
	}
	cn, err = p.connect(ctx, fresh)
	return cn, p.redact(err, secret, fresh)
}

// secret returns what the pool signs in with: the password, or with
// Config.Tokens an access token (a new one when rejected is not empty).
// A token that cannot be had is a *campaign.DeliveryError wrapping the
// token source's error: Temporary when trying later may work (the token
// endpoint is down), else Fatal.
func (p *Pool) secret(ctx context.Context, rejected string) (string, error) {
	if p.cfg.Tokens == nil || p.ep.User == "" {
		return p.cfg.Password, nil
	}
	var tok string
	var err error
	if rejected == "" {
		tok, err = p.cfg.Tokens.Token(ctx)
	} else {
		tok, err = p.cfg.Tokens.Refresh(ctx, rejected)
	}
	if err == nil {
		return tok, nil
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	class := campaign.Fatal
	var ee *credential.EndpointError
	if errors.As(err, &ee) && ee.Temporary {
		class = campaign.Temporary
	}
	return "", &campaign.DeliveryError{Class: class, Scope: campaign.ScopeSession, Text: "OAuth2 access token: " + err.Error(), Err: err}
}

// tokenRefused reports whether err is a sign-in refused for its
// credentials.
func tokenRefused(err error) bool {
	var de *campaign.DeliveryError
	return errors.As(err, &de) && (de.Code == 535 || de.Code == 334)
}
