package credential

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/oauth2/endpoints"
)

// The OAuth2 flows an OAuth Config can use.
const (
	// FlowRefreshToken trades a refresh token (from a user's sign-in) for
	// access tokens: delegated access to one mailbox.
	FlowRefreshToken = "refresh-token"
	// FlowClientCredentials signs the application itself in with its client
	// id and secret: app-only access (Microsoft 365's SMTP.SendAsApp).
	FlowClientCredentials = "client-credentials"
)

// The providers an OAuth Config can name instead of a token URL.
const (
	ProviderMicrosoft = "microsoft"
	ProviderGoogle    = "google"
)

// OAuth configures an OAuth2 token endpoint and how to sign in to it.
type OAuth struct {
	// Provider names a known provider, "microsoft" or "google": it gives the
	// token URL and default scopes. Give Provider or TokenURL.
	Provider string
	// Tenant is the Microsoft Entra tenant (a domain or id); default
	// "common" for FlowRefreshToken. FlowClientCredentials needs one.
	Tenant string
	// TokenURL is the token endpoint, for a provider not named.
	TokenURL string
	// Flow is FlowRefreshToken (the default) or FlowClientCredentials.
	Flow string
	// ClientID is the application's id at the provider. ClientSecret is its
	// secret; a public client (FlowRefreshToken only) has none.
	ClientID, ClientSecret string
	// RefreshToken is the refresh token of FlowRefreshToken.
	RefreshToken string
	// Scopes are the scopes to ask for; default the provider's scope for
	// SMTP (see DefaultScopes). A refresh needs them too.
	Scopes []string
	// HTTPClient makes the requests; default a client with a 30s timeout.
	HTTPClient *http.Client
}

// DefaultScopes returns the scopes of SMTP sending at provider with flow,
// nil for an unknown provider.
func DefaultScopes(provider, flow string) []string {
	switch {
	case provider == ProviderMicrosoft && flow == FlowClientCredentials:
		return []string{"https://outlook.office365.com/.default"}
	case provider == ProviderMicrosoft:
		return []string{"https://outlook.office.com/SMTP.Send", "offline_access"}
	case provider == ProviderGoogle:
		return []string{"https://mail.google.com/"}
	}
	return nil
}

// NewOAuthTokens checks cfg and returns Tokens that get access tokens from
// its endpoint. It makes no request: the first Token does. Errors name the
// setting at fault, never a secret.
func NewOAuthTokens(cfg OAuth) (*Tokens, error) {
	if cfg.Flow == "" {
		cfg.Flow = FlowRefreshToken
	}
	var ep oauth2.Endpoint
	switch strings.ToLower(cfg.Provider) {
	case "":
		if cfg.TokenURL == "" {
			return nil, errors.New("credential: OAuth2 needs a provider (microsoft or google) or a token URL")
		}
		ep.TokenURL = cfg.TokenURL
	case ProviderMicrosoft:
		if cfg.Flow == FlowClientCredentials && (cfg.Tenant == "" || cfg.Tenant == "common") {
			return nil, errors.New("credential: the client-credentials flow of Microsoft needs the tenant (your domain or tenant id)")
		}
		ep = endpoints.AzureAD(cfg.Tenant)
		ep.AuthStyle = oauth2.AuthStyleInParams
	case ProviderGoogle:
		ep = endpoints.Google
		ep.AuthStyle = oauth2.AuthStyleInParams
	default:
		return nil, fmt.Errorf("credential: OAuth2 provider %q: want microsoft or google, or give a token URL", cfg.Provider)
	}
	if cfg.TokenURL != "" {
		u, err := url.Parse(cfg.TokenURL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && IsLoopback(u.Hostname()))) {
			return nil, errors.New("credential: the token URL must be https:// (http:// only on loopback): the request carries secrets")
		}
		ep.TokenURL = cfg.TokenURL
	}
	if cfg.Tenant != "" && strings.ToLower(cfg.Provider) != ProviderMicrosoft {
		return nil, errors.New("credential: a tenant goes only with the provider microsoft")
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = DefaultScopes(strings.ToLower(cfg.Provider), cfg.Flow)
	}
	if cfg.ClientID == "" {
		return nil, errors.New("credential: OAuth2 needs the client id of your application")
	}
	if cfg.ClientSecret == "" {
		ep.AuthStyle = oauth2.AuthStyleInParams // a public client
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	secrets := []string{cfg.ClientSecret, cfg.RefreshToken}
	var fetch fetchFunc
	switch cfg.Flow {
	case FlowRefreshToken:
		if cfg.RefreshToken == "" {
			return nil, errors.New("credential: the refresh-token flow needs a refresh token")
		}
		fetch = refreshFlow(cfg, ep)
	case FlowClientCredentials:
		if cfg.ClientSecret == "" {
			return nil, errors.New("credential: the client-credentials flow needs the client secret")
		}
		cc := &clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			TokenURL: ep.TokenURL, Scopes: cfg.Scopes, AuthStyle: ep.AuthStyle}
		fetch = func(ctx context.Context) (*oauth2.Token, error) { return cc.Token(ctx) }
	default:
		return nil, fmt.Errorf("credential: OAuth2 flow %q: want %s or %s", cfg.Flow, FlowRefreshToken, FlowClientCredentials)
	}
	client := cfg.HTTPClient
	return newTokens(func(ctx context.Context) (*oauth2.Token, error) {
		tok, err := fetch(context.WithValue(ctx, oauth2.HTTPClient, client))
		if err != nil {
			return nil, endpointError(ctx, cfg, err, secrets)
		}
		if tok.AccessToken == "" {
			return nil, &EndpointError{Flow: cfg.Flow, Provider: cfg.Provider, Reason: "the token endpoint answered without an access token"}
		}
		return tok, nil
	}, nil), nil
}

// refreshFlow returns the fetch of the refresh-token flow. The request
// carries the scopes, which Microsoft requires on a refresh and oauth2.Config
// leaves out, so it goes through clientcredentials with the grant type
// replaced (which that package allows). A provider that rotates refresh
// tokens (Microsoft does) returns a new one with each access token: the next
// refresh uses it.
func refreshFlow(cfg OAuth, ep oauth2.Endpoint) fetchFunc {
	refresh := cfg.RefreshToken
	return func(ctx context.Context) (*oauth2.Token, error) {
		cc := &clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			TokenURL: ep.TokenURL, Scopes: cfg.Scopes, AuthStyle: ep.AuthStyle,
			EndpointParams: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}}
		tok, err := cc.Token(ctx)
		if err == nil && tok.RefreshToken != "" {
			refresh = tok.RefreshToken
		}
		return tok, err
	}
}

// IsLoopback reports whether host is "localhost" or a loopback IP address:
// the only hosts a secret may go to without TLS.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
