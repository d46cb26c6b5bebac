package sender_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender"
	"github.com/mailrun/mailrun/sender/smtptest"
	"golang.org/x/time/rate"
)

// newPool starts a Pool against srv with one worker, changed by mod.
func newPool(t *testing.T, srv *smtptest.Server, mod func(*sender.Config)) *sender.Pool {
	t.Helper()
	cfg := sender.Config{URL: srv.URL(), Workers: 1, Timeout: 5 * time.Second, RootCAs: srv.RootCAs()}
	if mod != nil {
		mod(&cfg)
	}
	p, err := sender.NewPool(cfg)
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

const testData = "From: news@example.com\r\nTo: a@example.com\r\nSubject: hi\r\n\r\n.a line with a leading dot\r\n..two\r\nbye\r\n"

func message(row int, to ...string) *campaign.Message {
	if len(to) == 0 {
		to = []string{"a@example.com"}
	}
	return &campaign.Message{Row: row, Key: to[0], Envelope: campaign.Envelope{From: "news@example.com", To: to},
		Data: []byte(testData)}
}

// deliveryError returns err as a *campaign.DeliveryError or fails the test.
func deliveryError(t *testing.T, err error) *campaign.DeliveryError {
	t.Helper()
	var de *campaign.DeliveryError
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T), want a *campaign.DeliveryError", err, err)
	}
	return de
}

func TestDeliveredWithQueueID(t *testing.T) {
	for _, pipelining := range []bool{true, false} {
		t.Run(fmt.Sprintf("pipelining=%v", pipelining), func(t *testing.T) {
			var opts []smtptest.Option
			if !pipelining {
				opts = append(opts, smtptest.NoPipelining())
			}
			srv := smtptest.Start(t, opts...)
			p := newPool(t, srv, nil)
			reply, err := p.Send(context.Background(), message(1), nil)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages, want 1", len(msgs))
			}
			m := msgs[0]
			if want := "250 2.0.0 Ok: queued as " + m.QueueID; reply != want {
				t.Errorf("reply %q, want %q", reply, want)
			}
			if string(m.Data) != testData {
				t.Errorf("server got data %q, want %q", m.Data, testData)
			}
			// With PIPELINING, MAIL, RCPT and DATA arrive in one write.
			if pipelining && m.Reads != 1 || !pipelining && m.Reads < 3 {
				t.Errorf("server needed %d reads for MAIL..DATA (pipelining %v)", m.Reads, pipelining)
			}
		})
	}
}

func TestEnvelopeReachesRcpt(t *testing.T) {
	srv := smtptest.Start(t)
	p := newPool(t, srv, nil)
	to := []string{"to@example.com", "cc@example.com", "bcc@example.com"}
	if _, err := p.Send(context.Background(), message(1, to...), nil); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages()[0].To; strings.Join(got, " ") != strings.Join(to, " ") {
		t.Errorf("RCPT TO %q, want %q", got, to)
	}
}

func TestConnectionReuse(t *testing.T) {
	tests := []struct {
		name            string
		maxPerConn      int
		idle            time.Duration
		send, wantConns int
	}{
		{"defaults", 0, 0, 10, 1},
		{"max-per-conn 3", 3, 0, 10, 4},
		// Every connection has idled longer than 1ns when the next Send comes.
		{"idle timeout", 0, time.Nanosecond, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t)
			p := newPool(t, srv, func(c *sender.Config) { c.MaxPerConn, c.IdleTimeout = tt.maxPerConn, tt.idle })
			for i := range tt.send {
				if _, err := p.Send(context.Background(), message(i+1), nil); err != nil {
					t.Fatal(err)
				}
			}
			if got := srv.Connections(); got != tt.wantConns {
				t.Errorf("%d connections, want %d (per connection: %v)", got, tt.wantConns, srv.PerConn())
			}
			if len(srv.Messages()) != tt.send || p.Stats().Dials != int64(tt.wantConns) {
				t.Errorf("%d messages, %d dials", len(srv.Messages()), p.Stats().Dials)
			}
			if err := p.Close(); err != nil || p.Stats().Open != 0 {
				t.Errorf("Close: %v, %d connections left open", err, p.Stats().Open)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name      string
		opts      []smtptest.Option
		to        []string
		class     campaign.Class
		scope     campaign.Scope
		code      int
		enhanced  string
		recipient string
	}{
		{"451 on data", []smtptest.Option{smtptest.FailData(451, 1)}, nil, campaign.Temporary, campaign.ScopeNone, 451, "4.3.0", ""},
		{"450 on rcpt", []smtptest.Option{smtptest.FailRcpt(450, 1)}, nil, campaign.Temporary, campaign.ScopeRecipient, 450, "4.2.1", "a@example.com"},
		{"550 for the To, Cc accepted", []smtptest.Option{smtptest.FailRcpt(550, 1, "a@example.com")},
			[]string{"a@example.com", "b@example.com"}, campaign.Permanent, campaign.ScopeRecipient, 550, "5.1.1", "a@example.com"},
		{"550 for the To, Cc accepted, strict", []smtptest.Option{smtptest.FailRcpt(550, 1, "a@example.com"), smtptest.NoPipelining()},
			[]string{"a@example.com", "b@example.com"}, campaign.Permanent, campaign.ScopeRecipient, 550, "5.1.1", "a@example.com"},
		{"554 on data", []smtptest.Option{smtptest.FailData(554, 1)}, nil, campaign.Permanent, campaign.ScopeMessage, 554, "5.7.1", ""},
		{"552 on data", []smtptest.Option{smtptest.FailData(552, 1)}, nil, campaign.Permanent, campaign.ScopeMessage, 552, "5.3.4", ""},
		{"550 5.1.1 on data", []smtptest.Option{smtptest.FailData(550, 1)}, nil, campaign.Permanent, campaign.ScopeRecipient, 550, "5.1.1", "a@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts...)
			p := newPool(t, srv, func(c *sender.Config) { c.Workers = 2 })
			msg := message(1, tt.to...)
			msg.Envelope.Primary = 1
			_, err := p.Send(context.Background(), msg, nil)
			de := deliveryError(t, err)
			if de.Class != tt.class || de.Scope != tt.scope || de.Code != tt.code || de.Enhanced != tt.enhanced || de.Recipient != tt.recipient || de.Ambiguous {
				t.Errorf("got %s scope %d %d %q for %q (ambiguous %v), want %s scope %d %d %q for %q",
					de.Class, de.Scope, de.Code, de.Enhanced, de.Recipient, de.Ambiguous, tt.class, tt.scope, tt.code, tt.enhanced, tt.recipient)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server accepted %d messages after a refusal of the To recipient or the message", n)
			}
			// The faults were for one attempt only: the next one goes through.
			if _, err := p.Send(context.Background(), message(2, tt.to...), nil); err != nil {
				t.Fatalf("second Send: %v", err)
			}
		})
	}
}

func TestCutMidDataIsAmbiguous(t *testing.T) {
	srv := smtptest.Start(t, smtptest.CutData(1))
	p := newPool(t, srv, nil)
	_, err := p.Send(context.Background(), message(1), nil)
	if de := deliveryError(t, err); de.Class != campaign.Temporary || !de.Ambiguous || de.Code != 0 {
		t.Fatalf("got %v, want temporary, ambiguous, no code", de)
	}
	if _, err := p.Send(context.Background(), message(2), nil); err != nil {
		t.Fatalf("Send after the cut: %v", err)
	}
	if srv.Connections() != 2 || len(srv.Messages()) != 1 {
		t.Errorf("%d connections, %d messages; want 2 and 1", srv.Connections(), len(srv.Messages()))
	}
}

func TestSlowRepliesTimeOut(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Delay(3*time.Second))
	p := newPool(t, srv, func(c *sender.Config) { c.Timeout = 200 * time.Millisecond })
	_, err := p.Send(context.Background(), message(1), nil)
	if de := deliveryError(t, err); de.Class != campaign.Temporary || de.Code != 0 {
		t.Fatalf("got %v, want a temporary failure without a code", de)
	}
}

func TestTooManyConnections(t *testing.T) {
	for _, configured := range []rate.Limit{1000, rate.Inf} {
		t.Run(fmt.Sprintf("rate=%v", configured), func(t *testing.T) {
			testTooManyConnections(t, configured)
		})
	}
}

// testTooManyConnections sends over 4 workers to a server that takes 2
// connections: the pool must deliver everything with the connections it
// has, and lower its rate.
func testTooManyConnections(t *testing.T, configured rate.Limit) {
	// Slow replies keep both connections busy while the other workers start.
	srv := smtptest.Start(t, smtptest.MaxConns(2), smtptest.Delay(10*time.Millisecond))
	p := newPool(t, srv, func(c *sender.Config) { c.Workers, c.Rate = 4, configured })
	var wg sync.WaitGroup
	var mu sync.Mutex
	saw421 := 0
	for w := range 4 {
		wg.Go(func() {
			for i := range 5 {
				// Retry temporary failures, as the runner does.
				for attempt := 0; ; attempt++ {
					_, err := p.Send(context.Background(), message(w*5+i+1), nil)
					if err == nil {
						break
					}
					de := deliveryError(t, err)
					if de.Class != campaign.Temporary || de.Code != 421 || attempt > 10000 {
						t.Errorf("Send: %v", err)
						return
					}
					mu.Lock()
					saw421++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if n := len(srv.Messages()); n != 20 {
		t.Errorf("server got %d messages, want 20", n)
	}
	if saw421 == 0 || srv.Rejected() == 0 {
		t.Fatalf("no 421 seen (rejected %d): the test did not exercise the limit", srv.Rejected())
	}
	if srv.PeakConnections() > 2 {
		t.Errorf("peak %d connections", srv.PeakConnections())
	}
	st := p.Stats()
	if st.Conns != 2 {
		t.Errorf("pool uses %d connections after 421 greetings, want 2", st.Conns)
	}
	// An unlimited rate is only lowered once there is a throughput to halve.
	if configured != rate.Inf && st.Rate >= configured {
		t.Errorf("rate %v after 421 replies, want it lowered from %v", st.Rate, configured)
	}
}

func TestSlowDownHalvesRate(t *testing.T) {
	tests := []struct {
		name      string
		opts      []smtptest.Option
		throttle  bool
		wantConns int
	}{
		{"Postfix rate limit, 450 4.7.1 to MAIL", []smtptest.Option{smtptest.FailMail(450, 1), smtptest.ReplyText(450, "4.7.1", "Error: too much mail from 127.0.0.1")}, true, 1},
		{"Google, 421 4.7.0 to MAIL", []smtptest.Option{smtptest.FailMail(421, 1), smtptest.ReplyText(421, "4.7.0", "Try again later, closing connection.")}, true, 2},
		{"Naver, 421 4.3.1 to MAIL", []smtptest.Option{smtptest.FailMail(421, 1), smtptest.ReplyText(421, "4.3.1", "You send too many messages")}, true, 2},
		{"SES, 454 4.7.0 to the final dot", []smtptest.Option{smtptest.FailData(454, 1), smtptest.ReplyText(454, "4.7.0", "Throttling failure: Maximum sending rate exceeded.")}, true, 1},
		{"450 Too many requests to RCPT", []smtptest.Option{smtptest.FailRcpt(450, 1), smtptest.ReplyText(450, "", "Too many requests")}, true, 1},
		{"local problem, 451 4.3.0 to the final dot", []smtptest.Option{smtptest.FailData(451, 1), smtptest.ReplyText(451, "4.3.0", "Error: queue file write error")}, false, 1},
		{"mailbox busy, 450 4.2.1 to RCPT", []smtptest.Option{smtptest.FailRcpt(450, 1)}, false, 1},
		{"shutting down, 421 4.3.2 to MAIL", []smtptest.Option{smtptest.FailMail(421, 1), smtptest.ReplyText(421, "4.3.2", "Service shutting down")}, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts...)
			p := newPool(t, srv, func(c *sender.Config) { c.Rate = 100 })
			_, err := p.Send(context.Background(), message(1), nil)
			if de := deliveryError(t, err); de.Class != campaign.Temporary || de.Throttle != tt.throttle {
				t.Fatalf("got %v (throttle %v), want a temporary failure, throttle %v", de, de.Throttle, tt.throttle)
			}
			want := rate.Limit(100)
			if tt.throttle {
				want = 50
			}
			if r := p.Stats().Rate; r != want {
				t.Errorf("rate %v after the reply, want %v", r, want)
			}
			if _, err := p.Send(context.Background(), message(2), nil); err != nil {
				t.Fatalf("second Send: %v", err)
			}
			if got := srv.Connections(); got != tt.wantConns {
				t.Errorf("%d connections, want %d", got, tt.wantConns)
			}
		})
	}
}

func TestRateWindow(t *testing.T) {
	const r, burst, n = 20, 5, 60
	srv := smtptest.Start(t)
	p := newPool(t, srv, func(c *sender.Config) { c.Workers, c.Rate, c.Burst = 4, r, burst })
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				if _, err := p.Send(context.Background(), message(i+1), nil); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	msgs := srv.Messages()
	if len(msgs) != n {
		t.Fatalf("server got %d messages, want %d", len(msgs), n)
	}
	for i, m := range msgs {
		inWindow := 0
		for _, o := range msgs[i:] {
			if o.Time.Sub(m.Time) < time.Second {
				inWindow++
			}
		}
		if inWindow > r+burst {
			t.Fatalf("%d messages in the second after message %d, want at most %d", inWindow, i, r+burst)
		}
	}
}

func TestSendHonoursContextAndClose(t *testing.T) {
	srv := smtptest.Start(t)
	p := newPool(t, srv, func(c *sender.Config) { c.Rate = rate.Every(time.Hour) })
	if _, err := p.Send(context.Background(), message(1), nil); err != nil {
		t.Fatal(err) // the first token is free
	}
	// A Send waiting for the rate ends as soon as its context does, and
	// never begins the transaction.
	ctx, cancel := context.WithCancel(context.Background())
	began := false
	done := make(chan error)
	go func() {
		_, err := p.Send(ctx, message(2), func() error { began = true; return nil })
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || began {
		t.Errorf("Send cancelled while waiting for the rate: %v, begin called %v; want context.Canceled and no begin", err, began)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Send(context.Background(), message(3), nil); !errors.Is(err, sender.ErrClosed) {
		t.Errorf("Send after Close: %v, want ErrClosed", err)
	}
}

func TestDotStuffing(t *testing.T) {
	tests := []struct{ data, want string }{
		{"a\r\n.\r\nb\r\n", "a\r\n.\r\nb\r\n"}, // a lone dot must not end the data
		{".\r\n..\r\n...x\r\n", ".\r\n..\r\n...x\r\n"},
		{"no final line end", "no final line end\r\n"},
		{"", ""},
		{"x\r\n.", "x\r\n.\r\n"},
	}
	srv := smtptest.Start(t)
	p := newPool(t, srv, nil)
	for i, tt := range tests {
		msg := message(i + 1)
		msg.Data = []byte(tt.data)
		if _, err := p.Send(context.Background(), msg, nil); err != nil {
			t.Fatalf("Send(%q): %v", tt.data, err)
		}
		if got := string(srv.Messages()[i].Data); got != tt.want {
			t.Errorf("server got %q for %q, want %q", got, tt.data, tt.want)
		}
	}
}
