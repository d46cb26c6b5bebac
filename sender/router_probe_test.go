package sender_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// closedPort returns the address of a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func newProbeRouter(t *testing.T, relays ...sender.Relay) *sender.Router {
	t.Helper()
	rt, err := sender.NewRouter(sender.RouterConfig{Relays: relays})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

func relayAt(name, url string) sender.Relay {
	return sender.Relay{Name: name, Config: sender.Config{URL: url, Workers: 1, Timeout: 5 * time.Second}}
}

// TestRouterProbeKeepsTheConnection checks that a probe's connection
// carries the first message: the server sees one connection in all.
func TestRouterProbeKeepsTheConnection(t *testing.T) {
	srv := smtptest.Start(t)
	rt := newProbeRouter(t, relayAt("one", srv.URL()))
	if err := rt.Probe(context.Background()); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if n := srv.Connections(); n != 1 {
		t.Fatalf("after the probe the server saw %d connections, want 1", n)
	}
	msg, err := keyRenderer{from: "a@example.com"}.Render(campaign.Row{Num: 1, Fields: map[string]string{"email": "b@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Send(context.Background(), msg, nil); err != nil {
		t.Fatal(err)
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("the first message opened another connection: %d in all", n)
	}
}

// TestRouterProbeFindsFaultsOfEveryMessage checks the faults a probe finds
// before any message, and how it classifies them.
func TestRouterProbeFindsFaultsOfEveryMessage(t *testing.T) {
	good := smtptest.Start(t)
	auth := smtptest.Start(t, smtptest.Auth("joe", "right"))
	tests := []struct {
		name   string
		relays []sender.Relay
		relay  string // the relay named
		class  campaign.Class
		others int
	}{
		{"nothing listens", []sender.Relay{relayAt("gone", "smtp://"+closedPort(t))}, "gone", campaign.Temporary, 0},
		{"AUTH refused", []sender.Relay{{Name: "mx", Config: sender.Config{URL: "smtp://joe@" + auth.Addr(), Password: "wrong", Auth: "plain", Timeout: 5 * time.Second}}},
			"mx", campaign.Fatal, 0},
		{"one of two relays", []sender.Relay{relayAt("ok", good.URL()), relayAt("gone", "smtp://"+closedPort(t))}, "gone", campaign.Temporary, 0},
		{"both of two relays", []sender.Relay{relayAt("a", "smtp://"+closedPort(t)), relayAt("b", "smtp://"+closedPort(t))}, "a", campaign.Temporary, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newProbeRouter(t, tt.relays...).Probe(context.Background())
			var pe *sender.ProbeError
			if !errors.As(err, &pe) {
				t.Fatalf("Probe = %v, want a *sender.ProbeError", err)
			}
			if pe.Relay != tt.relay || campaign.ClassOf(err) != tt.class || pe.Others != tt.others {
				t.Errorf("Probe = relay %q, class %v, %d others (%v); want %q, %v, %d", pe.Relay, campaign.ClassOf(err), pe.Others, err, tt.relay, tt.class, tt.others)
			}
		})
	}
}
