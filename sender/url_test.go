package sender_test

import (
	"strings"
	"testing"

	"github.com/mailrun/mailrun/sender"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		url, policy string
		want        sender.Endpoint
		wantErr     string
	}{
		{"smtp://mail.example.com", "", sender.Endpoint{Host: "mail.example.com", Port: 587, TLSPolicy: "mandatory"}, ""},
		{"smtp://me@example.com@mail.example.com:2525", "", sender.Endpoint{Host: "mail.example.com", Port: 2525, User: "me@example.com", TLSPolicy: "mandatory"}, ""},
		{"smtp://127.0.0.1:2525", "", sender.Endpoint{Host: "127.0.0.1", Port: 2525, TLSPolicy: "opportunistic"}, ""},
		{"smtp://localhost", "", sender.Endpoint{Host: "localhost", Port: 587, TLSPolicy: "opportunistic"}, ""},
		{"smtp://[::1]:25", "", sender.Endpoint{Host: "::1", Port: 25, TLSPolicy: "opportunistic"}, ""},
		{"smtp://127.0.0.1", "mandatory", sender.Endpoint{Host: "127.0.0.1", Port: 587, TLSPolicy: "mandatory"}, ""},
		{"smtp://mail.example.com", "none", sender.Endpoint{Host: "mail.example.com", Port: 587, TLSPolicy: "none"}, ""},
		{"smtps://u@mail.example.com", "", sender.Endpoint{Host: "mail.example.com", Port: 465, User: "u", ImplicitTLS: true, TLSPolicy: "mandatory"}, ""},
		{"SMTPS://mail.example.com/", "", sender.Endpoint{Host: "mail.example.com", Port: 465, ImplicitTLS: true, TLSPolicy: "mandatory"}, ""},
		{"smtps://mail.example.com", "none", sender.Endpoint{}, "contradicts"},
		{"smtp://u:hunter2@mail.example.com", "", sender.Endpoint{}, "must not contain a password"},
		{"smtp://u:hun/ter2@mail.example.com", "", sender.Endpoint{}, "invalid SMTP URL"},
		{"smtp://u:123/ter2@mail.example.com", "", sender.Endpoint{}, "nothing may follow"},
		{"http://mail.example.com", "", sender.Endpoint{}, "want smtp or smtps"},
		{"mail.example.com", "", sender.Endpoint{}, "want smtp or smtps"},
		{"smtp://", "", sender.Endpoint{}, "no host"},
		{"smtp://mail.example.com:0", "", sender.Endpoint{}, "port"},
		{"smtp://mail.example.com:99999", "", sender.Endpoint{}, "port"},
		{"smtp://mail.example.com?x=1", "", sender.Endpoint{}, "nothing may follow"},
		{"smtp://mail.example.com", "always", sender.Endpoint{}, "TLS policy"},
	}
	for _, tt := range tests {
		t.Run(tt.url+" "+tt.policy, func(t *testing.T) {
			got, err := sender.ParseURL(tt.url, tt.policy)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "ter2") {
					t.Errorf("error %q repeats part of the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestEndpointString(t *testing.T) {
	ep, err := sender.ParseURL("smtps://me@example.com@mail.example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ep.String(), "smtps://me%40example.com@mail.example.com:465"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// FuzzParseURL checks that no error ever repeats the text after a ':' in
// the user information (a password).
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"smtp://u:pw@h", "smtps://h:465", "smtp://u:p/w@h:1", "smtp://u:p%zz@h", "smtp://[::1", "smtp://u:p?w@h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		const secret = "Zq9secretQz"
		u := strings.Replace(raw, "pw", secret, 1)
		if !strings.Contains(u, secret) {
			u = "smtp://user:" + secret + raw
		}
		_, err := sender.ParseURL(u, "")
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Fatalf("error %q contains the password", err)
		}
	})
}
