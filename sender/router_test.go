package sender_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/sender"
	"github.com/mailrun/mailrun/sender/smtptest"
	"golang.org/x/time/rate"
)

// listSource is a campaign.Source over recipient addresses.
type listSource struct {
	to []string
	i  int
}

func (s *listSource) Columns() []string { return []string{"email"} }
func (s *listSource) Close() error      { return nil }
func (s *listSource) Next() (campaign.Row, error) {
	if s.i >= len(s.to) {
		return campaign.Row{}, io.EOF
	}
	s.i++
	return campaign.Row{Num: s.i, Fields: map[string]string{"email": s.to[s.i-1]}}, nil
}

// keyRenderer renders a small message whose Message-ID header is the
// message's ID, from from.
type keyRenderer struct{ from string }

func (keyRenderer) Check([]string) error { return nil }
func (keyRenderer) Key(row campaign.Row) (string, error) {
	return row.Fields["email"], nil
}
func (k keyRenderer) Render(row campaign.Row) (*campaign.Message, error) {
	to := row.Fields["email"]
	id := "m-" + to + "@test"
	data := fmt.Sprintf("From: %s\r\nTo: %s\r\nMessage-ID: <%s>\r\nSubject: hi\r\n\r\nhello\r\n", k.from, to, id)
	return &campaign.Message{Row: row.Num, Key: to, ID: id,
		Envelope: campaign.Envelope{From: k.from, To: []string{to}}, Data: []byte(data)}, nil
}

// recipients returns n addresses.
func recipients(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("user%d@example.com", i+1)
	}
	return out
}

// runRouter runs a campaign to the addresses to through rt with a journal
// in a temporary state file, and returns the summary and the file's path.
func runRouter(t *testing.T, rt *sender.Router, from string, to []string) (campaign.Summary, string) {
	t.Helper()
	state := filepath.Join(t.TempDir(), "list.state")
	j, err := statefile.Open(state, statefile.Header{TemplateHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	r := &campaign.Runner{Source: &listSource{to: to}, Renderer: keyRenderer{from: from}, Sender: rt, Journal: j,
		Workers: rt.Workers(), Retries: 5, RetryWait: 5 * time.Millisecond}
	sum, err := r.Run(context.Background())
	if cerr := j.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return sum, state
}

// stateLine is the part of a state record the tests read.
type stateLine struct {
	Type, Key, Relay string
	Ambiguous        bool
}

func readState(t *testing.T, path string) []stateLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []stateLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l stateLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("state line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// maxInWindow returns the most messages srv received in any one second.
func maxInWindow(srv *smtptest.Server) int {
	msgs := srv.Messages()
	most := 0
	for i, m := range msgs {
		n := 0
		for _, o := range msgs[i:] {
			if o.Time.Sub(m.Time) < time.Second {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

func TestRouterLimitsCapsAndWeights(t *testing.T) {
	type relaySpec struct {
		name                string
		rate                rate.Limit
		burst, maxPerDay    int
		deliveredToday      int
		wantCapped, workers int
	}
	specs := []relaySpec{
		{name: "a", rate: 15, burst: 2, workers: 2},
		{name: "b", rate: 10, burst: 1, workers: 2},
		{name: "c", rate: 5, burst: 3, workers: 2},
		{name: "d", rate: 10, burst: 1, workers: 2, maxPerDay: 12, deliveredToday: 2, wantCapped: 10},
	}
	// Rates low enough that a message's time on the wire (milliseconds,
	// more under -race on a busy machine) stays well under the spacing of
	// the rate, which the server's receive times must keep.
	const n = 80
	srvs := map[string]*smtptest.Server{}
	var relays []sender.Relay
	for _, s := range specs {
		srv := smtptest.Start(t)
		srvs[s.name] = srv
		relays = append(relays, sender.Relay{Name: s.name, Limits: []campaign.Limit{{Max: s.maxPerDay}},
			Delivered: []campaign.DeliveryCount{{At: time.Now(), N: s.deliveredToday}},
			Config:    sender.Config{URL: srv.URL(), Workers: s.workers, Rate: s.rate, Burst: s.burst, Timeout: 5 * time.Second}})
	}
	rt, err := sender.NewRouter(sender.RouterConfig{Relays: relays})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	sum, state := runRouter(t, rt, "news@example.com", recipients(n))
	if sum.Sent != n {
		t.Fatalf("sent %d, want %d (%+v)", sum.Sent, n, sum.Snapshot)
	}

	got := map[string]int{}
	for _, s := range specs {
		srv := srvs[s.name]
		got[s.name] = len(srv.Messages())
		w, limit := maxInWindow(srv), int(s.rate)+s.burst
		t.Logf("relay %s: at most %d messages in one second (limit %d)", s.name, w, limit)
		if w > limit {
			t.Errorf("relay %s: %d messages in one second, want at most rate+burst = %d", s.name, w, limit)
		}
		if s.wantCapped > 0 && got[s.name] != s.wantCapped {
			t.Errorf("relay %s: %d messages, want its daily cap's remaining %d", s.name, got[s.name], s.wantCapped)
		}
	}
	t.Logf("messages by relay: %v", got)
	// Relays a, b and c share what d's cap left by their rates (15:10:5).
	// Each is rate-bound, so its count is its rate times the run's length
	// plus its burst: allow the burst and a message either side, plus 15%
	// for the time the capped relay took at the start.
	rest := n - got["d"]
	for _, s := range specs[:3] {
		want := float64(rest) * float64(s.rate) / 30
		if diff := float64(got[s.name]) - want; diff > 0.15*want+float64(s.burst)+1 || -diff > 0.15*want+float64(s.burst)+1 {
			t.Errorf("relay %s: %d messages, want about %.0f (weights 15:10:5 over %d)", s.name, got[s.name], want, rest)
		}
	}

	// The journal names, for each delivered message, the relay that has it.
	byRelay := map[string]int{}
	for _, l := range readState(t, state) {
		if l.Type == "delivered" {
			byRelay[l.Relay]++
		}
	}
	if len(byRelay) != len(got) {
		t.Errorf("journal relays %v, servers %v", byRelay, got)
	}
	for name, c := range got {
		if byRelay[name] != c {
			t.Errorf("journal names relay %s for %d deliveries, its server has %d", name, byRelay[name], c)
		}
	}
	st, err := statefile.Read(state)
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range st.Relays {
		if rc.Delivered != got[rc.Relay] {
			t.Errorf("ReadState: relay %s delivered %d, server has %d", rc.Relay, rc.Delivered, got[rc.Relay])
		}
	}
}

func TestRouterFailoverWhenARelayDies(t *testing.T) {
	const n, killAfter = 400, 30
	srvs := []*smtptest.Server{smtptest.Start(t), smtptest.Start(t), smtptest.Start(t), smtptest.Start(t)}
	names := []string{"a", "b", "c", "d"}
	var relays []sender.Relay
	for i, srv := range srvs {
		relays = append(relays, sender.Relay{Name: names[i],
			Config: sender.Config{URL: srv.URL(), Workers: 2, Rate: 200, Burst: 1, Timeout: 5 * time.Second}})
	}
	rt, err := sender.NewRouter(sender.RouterConfig{Relays: relays, OutFor: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	var outMu sync.Mutex
	var out []string
	rt.Notify(func(names []string) {
		outMu.Lock()
		out = names
		outMu.Unlock()
	})
	dead := srvs[1]
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		select {
		case <-dead.Received(killAfter):
			dead.Close()
		case <-time.After(20 * time.Second):
		}
	}()
	sum, state := runRouter(t, rt, "news@example.com", recipients(n))
	<-killed
	if sum.Sent != n {
		t.Fatalf("sent %d of %d: %+v", sum.Sent, n, sum.Snapshot)
	}
	if got := len(dead.Messages()); got < killAfter || got >= n/4 {
		t.Errorf("the killed relay took %d messages, want from %d to well under its share %d", got, killAfter, n/4)
	}
	if until := rt.Stats()[1].OutUntil; until.IsZero() {
		t.Errorf("relay b is still in rotation after its server died")
	}
	outMu.Lock()
	if !slices.Equal(out, []string{"b"}) {
		t.Errorf("Notify reported %q out of rotation, want [b]", out)
	}
	outMu.Unlock()

	// Every recipient has at least one copy; more than one only when the
	// journal shows a second attempt (an ambiguous failure), and then with
	// the same Message-ID.
	copies := map[string][]string{} // key → relay names of the copies
	ids := map[string]map[string]bool{}
	for i, srv := range srvs {
		for _, m := range srv.Messages() {
			k := m.To[0]
			copies[k] = append(copies[k], names[i])
			if ids[k] == nil {
				ids[k] = map[string]bool{}
			}
			ids[k][messageID(m.Data)] = true
		}
	}
	sends, last := map[string]int{}, map[string]stateLine{}
	for _, l := range readState(t, state) {
		if l.Type == "sending" {
			sends[l.Key]++
		} else if l.Key != "" {
			last[l.Key] = l
		}
	}
	for _, k := range recipients(n) {
		c := copies[k]
		switch {
		case len(c) == 0:
			t.Errorf("%s: never delivered", k)
		case len(c) > 1 && sends[k] < 2:
			t.Errorf("%s: %d copies (relays %v) but the journal shows one attempt", k, len(c), c)
		case len(ids[k]) != 1:
			t.Errorf("%s: copies with different Message-IDs %v", k, ids[k])
		}
		l := last[k]
		if l.Type != "delivered" || !slices.Contains(c, l.Relay) {
			t.Errorf("%s: journal says %s via %q, the servers that have it: %v", k, l.Type, l.Relay, c)
		}
	}
}

// messageID returns the Message-ID header of a message.
func messageID(data []byte) string {
	for line := range strings.SplitSeq(string(data), "\r\n") {
		if v, ok := strings.CutPrefix(line, "Message-ID: "); ok {
			return v
		}
	}
	return ""
}

// TestRouterEveryRelayFailsFatally: when every relay refuses the
// credentials, waiting cannot help: Send returns a Fatal error, not
// campaign.ErrNoRelay, and never the password.
func TestRouterEveryRelayFailsFatally(t *testing.T) {
	const secret = "s3cret-password"
	for _, names := range [][]string{{"x"}, {"x", "y"}} {
		var relays []sender.Relay
		for _, name := range names {
			srv := smtptest.Start(t, smtptest.Auth("user", "right"))
			relays = append(relays, sender.Relay{Name: name, Config: sender.Config{URL: "smtp://user@" + srv.Addr(),
				Password: secret, Auth: "plain", Workers: 1, Timeout: 5 * time.Second}})
		}
		rt, err := sender.NewRouter(sender.RouterConfig{Relays: relays})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close()
		_, err = rt.Send(context.Background(), message(1), nil)
		if de := deliveryError(t, err); de.Class != campaign.Fatal || de.Code != 535 || errors.Is(err, campaign.ErrNoRelay) {
			t.Fatalf("%d relays refusing AUTH: %v, want a Fatal 535 that does not wrap ErrNoRelay", len(names), err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains the password", err)
		}
		for _, s := range rt.Stats() {
			if s.OutUntil.IsZero() {
				t.Errorf("relay %s still in rotation after a refused AUTH", s.Name)
			}
		}
	}
}

// TestRouterEveryRelayOut: when every relay is at its daily cap, Send
// returns a Fatal error wrapping campaign.ErrNoRelay (stop, resume later).
func TestRouterEveryRelayOut(t *testing.T) {
	var relays []sender.Relay
	for _, name := range []string{"x", "y"} {
		srv := smtptest.Start(t)
		relays = append(relays, sender.Relay{Name: name, Limits: []campaign.Limit{{Max: 1}}, Delivered: []campaign.DeliveryCount{{At: time.Now(), N: 1}},
			Config: sender.Config{URL: srv.URL(), Workers: 1, Timeout: 5 * time.Second}})
	}
	rt, err := sender.NewRouter(sender.RouterConfig{Relays: relays})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	_, err = rt.Send(context.Background(), message(1), nil)
	if !errors.Is(err, campaign.ErrNoRelay) || campaign.ClassOf(err) != campaign.Fatal || !strings.Contains(err.Error(), "daily cap of 1 delivery reached until") {
		t.Fatalf("Send with every relay at its cap: %v, want a Fatal error wrapping campaign.ErrNoRelay", err)
	}
}

func TestRouterRoutesByFromDomain(t *testing.T) {
	pinned, rest := smtptest.Start(t), smtptest.Start(t)
	rt, err := sender.NewRouter(sender.RouterConfig{RouteByFromDomain: true, Relays: []sender.Relay{
		{Name: "pinned", Domains: []string{"Example.ORG"}, Config: sender.Config{URL: pinned.URL(), Workers: 2}},
		{Name: "rest", Config: sender.Config{URL: rest.URL(), Workers: 2}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	tests := []struct {
		from string
		srv  *smtptest.Server
		want string
	}{
		{"news@example.org", pinned, "pinned"},
		{"news@EXAMPLE.org", pinned, "pinned"},
		{"news@example.com", rest, "rest"},
		{"news@other.net", rest, "rest"},
	}
	for i, tt := range tests {
		before := len(tt.srv.Messages())
		for range 3 {
			msg := message(i+1, fmt.Sprintf("to%d@example.net", i))
			msg.Envelope.From = tt.from
			if _, err := rt.Send(context.Background(), msg, nil); err != nil {
				t.Fatalf("from %s: %v", tt.from, err)
			}
			if msg.Relay != tt.want {
				t.Errorf("from %s: relay %q, want %q", tt.from, msg.Relay, tt.want)
			}
		}
		if got := len(tt.srv.Messages()) - before; got != 3 {
			t.Errorf("from %s: relay %s's server got %d messages, want 3", tt.from, tt.want, got)
		}
	}
}

func TestRouterFatalRelayFailureIsTemporary(t *testing.T) {
	bad := smtptest.Start(t, smtptest.Auth("joe", "right"))
	good := smtptest.Start(t)
	rt, err := sender.NewRouter(sender.RouterConfig{Relays: []sender.Relay{
		{Name: "bad", Config: sender.Config{URL: "smtp://joe@" + bad.Addr(), Password: "wrong", Auth: "plain", Workers: 1}},
		{Name: "good", Config: sender.Config{URL: good.URL(), Workers: 1}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	// The first message goes to bad (first among equals), fails AUTH, and
	// is sent through good in the same Send.
	for i := range 3 {
		msg := message(i+1, fmt.Sprintf("r%d@example.com", i))
		if _, err := rt.Send(context.Background(), msg, nil); err != nil || msg.Relay != "good" {
			t.Fatalf("message %d: relay %q, error %v; want good, nil", i+1, msg.Relay, err)
		}
	}
	if n := len(good.Messages()); n != 3 {
		t.Errorf("good got %d messages, want 3", n)
	}
	st := rt.Stats()
	if st[0].OutUntil.IsZero() || st[0].Failed != 1 || st[1].Delivered != 3 {
		t.Errorf("stats %+v: want bad out of rotation after 1 failure, good with 3 deliveries", st)
	}
}

func TestRouterDomainWithoutRelayIsTemporary(t *testing.T) {
	bad := smtptest.Start(t, smtptest.Auth("joe", "right"))
	good := smtptest.Start(t)
	rt, err := sender.NewRouter(sender.RouterConfig{RouteByFromDomain: true, Relays: []sender.Relay{
		{Name: "bad", Domains: []string{"example.com"}, Config: sender.Config{URL: "smtp://joe@" + bad.Addr(), Password: "wrong", Auth: "plain", Workers: 1}},
		{Name: "good", Domains: []string{"other.org"}, Config: sender.Config{URL: good.URL(), Workers: 1}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	msg := message(1) // from news@example.com: only bad may send it
	_, err = rt.Send(context.Background(), msg, nil)
	if de := deliveryError(t, err); de.Class != campaign.Temporary || de.Code != 535 || !strings.Contains(de.Error(), "relay bad taken out of rotation") {
		t.Errorf("first Send: %v, want bad's 535 as a Temporary error", err)
	}
	_, err = rt.Send(context.Background(), msg, nil)
	if campaign.ClassOf(err) != campaign.Temporary || !errors.Is(err, campaign.ErrNoRelay) {
		t.Errorf("second Send: %v, want a Temporary error wrapping ErrNoRelay (good still takes other.org)", err)
	}
	if len(good.Messages()) != 0 {
		t.Errorf("good took a message of a domain it does not list")
	}
}
