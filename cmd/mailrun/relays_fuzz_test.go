package main

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/time/rate"
)

func TestRelayEnv(t *testing.T) {
	for name, want := range map[string]string{
		"ses":            "MAILRUN_SMTP_PASSWORD_SES",
		"ses-eu.1":       "MAILRUN_SMTP_PASSWORD_SES_EU_1",
		"mx.example.org": "MAILRUN_SMTP_PASSWORD_MX_EXAMPLE_ORG",
		"é":              "MAILRUN_SMTP_PASSWORD__",
	} {
		if got := relayEnv("MAILRUN_SMTP_PASSWORD", name); got != want {
			t.Errorf("relayEnv(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestJoinURLFragments(t *testing.T) {
	// urfave/cli splits slice flags at commas.
	in := []string{"smtp://a?domains=x.com", "y.com", "SMTPS://b", "smtp://c?domains=z.com", " w.com"}
	want := []string{"smtp://a?domains=x.com,y.com", "SMTPS://b", "smtp://c?domains=z.com, w.com"}
	if got := joinURLFragments(in); !slices.Equal(got, want) {
		t.Errorf("joinURLFragments = %q, want %q", got, want)
	}
}

// FuzzParseRelay checks that parseRelay never panics, that what it accepts
// is usable, and that its errors never repeat a password put in the URL.
func FuzzParseRelay(f *testing.F) {
	for _, s := range []string{"h:587?name=ses&rate=14/s&burst=2", "h?workers=0", "h?domains=a.com,b.org&domain=c.net",
		"h?max-per-day=-1", "h?name=a%20b", "h?weight=NaN", "[::1]:25?name=x", "h:99999", "h?%zz", "h?rate=1e400/s"} {
		f.Add("s3cretpw", s)
	}
	def := relayDefaults{workers: 4, burst: 1, maxPerConn: 100, rate: rate.Inf}
	f.Fuzz(func(t *testing.T, pw, rest string) {
		spec, err := parseRelay("smtp://u:"+pw+"@"+rest, "--smtp #1", def)
		if err == nil {
			t.Fatalf("a URL with a password was accepted: %+v", spec)
		}
		if len(pw) >= 4 && !strings.Contains(rest, pw) && !strings.Contains("--smtp #1: sender: the SMTP URL must not contain a password", pw) &&
			strings.Contains(err.Error(), pw) {
			t.Fatalf("error %q repeats the password %q", err, pw)
		}
		spec, err = parseRelay("smtp://"+rest, "--smtp #1", def)
		if err != nil {
			return
		}
		if spec.name == "" || spec.workers < 1 || spec.burst < 1 || spec.maxPerConn < 1 || spec.maxPerDay < 0 || spec.maxPer24h < 0 || spec.weight < 0 || spec.rate <= 0 {
			t.Fatalf("parseRelay(%q) accepted %+v", rest, spec)
		}
		if strings.Contains(spec.url, "?") {
			t.Fatalf("parseRelay(%q): url %q keeps the query", rest, spec.url)
		}
	})
}
