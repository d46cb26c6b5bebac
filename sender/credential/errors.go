package credential

import (
	"context"
	"errors"
	"strings"

	"golang.org/x/oauth2"
)

// EndpointError is a failure to get an access token from an OAuth2 token
// endpoint. It never holds a secret: the endpoint's words are kept, with any
// secret the request carried cut out.
type EndpointError struct {
	// Flow and Provider are those of the OAuth configuration.
	Flow, Provider string
	// Status is the HTTP status of the endpoint's answer, 0 when there was
	// none (the endpoint could not be reached).
	Status int
	// Code and Description are the endpoint's RFC 6749 error and
	// error_description, such as "invalid_grant".
	Code, Description string
	// Reason says what went wrong when the endpoint gave no error code.
	Reason string
	// Temporary is true when trying again later may work: the endpoint
	// could not be reached, or answered 5xx or 429.
	Temporary bool
}

func (e *EndpointError) Error() string {
	s := "credential: OAuth2 token endpoint"
	if e.Provider != "" {
		s += " of " + e.Provider
	}
	switch {
	case e.Code != "":
		s += ": " + e.Code
		if e.Description != "" {
			s += ": " + e.Description
		}
	case e.Reason != "":
		s += ": " + e.Reason
	}
	return s
}

// RefreshTokenRefused reports whether the endpoint refused the refresh
// token itself: it expired, was revoked, or belongs to another client. Only
// a new sign-in gives a new one.
func (e *EndpointError) RefreshTokenRefused() bool {
	return e.Flow == FlowRefreshToken && e.Code == "invalid_grant"
}

// endpointError turns an error of golang.org/x/oauth2 into an
// *EndpointError without the secrets, or returns the context's error.
func endpointError(ctx context.Context, cfg OAuth, err error, secrets []string) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	e := &EndpointError{Flow: cfg.Flow, Provider: cfg.Provider}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil {
			e.Status = re.Response.StatusCode
		}
		e.Code, e.Description = re.ErrorCode, firstLine(re.ErrorDescription)
		if e.Code == "" {
			e.Reason = "answered without an access token or an error code"
			if re.Response != nil {
				e.Reason = "answered HTTP " + re.Response.Status
			}
		}
		e.Temporary = e.Status >= 500 || e.Status == 429 || e.Code == "temporarily_unavailable" || e.Code == "server_error"
	} else {
		e.Reason, e.Temporary = "cannot reach it: "+err.Error(), true
	}
	e.Description, e.Reason = redact(e.Description, secrets), redact(e.Reason, secrets)
	return e
}

// firstLine returns the first line of s: Microsoft's descriptions carry a
// trace id and a timestamp on the lines after.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(strings.TrimSuffix(s, "\r"))
}

// redact cuts every non-empty secret out of s.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}
