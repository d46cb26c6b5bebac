package sender_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/sender"
	"github.com/mailrun/mailrun/sender/smtptest"
	"golang.org/x/time/rate"
)

// domainRate returns the rate at which srv received the messages to
// domain: messages after the first, per second between the first and the
// last.
func domainRate(srv *smtptest.Server, domain string) (float64, int) {
	var times []time.Time
	for _, m := range srv.Messages() {
		if strings.HasSuffix(m.To[0], "@"+domain) {
			times = append(times, m.Time)
		}
	}
	if len(times) < 2 {
		return 0, len(times)
	}
	return float64(len(times)-1) / times[len(times)-1].Sub(times[0]).Seconds(), len(times)
}

// TestDomainPacing: the server throttles the recipients of one domain; that
// domain slows down while the other keeps its rate, measured at the server,
// and the relay's own rate is left alone.
func TestDomainPacing(t *testing.T) {
	t.Parallel()
	const perDomain, r = 25, 25
	var to, slow []string
	for i := 1; i <= perDomain; i++ {
		s := fmt.Sprintf("s%d@slow.test", i)
		to, slow = append(to, s, fmt.Sprintf("f%d@fast.test", i)), append(slow, s)
	}
	srv := smtptest.Start(t, smtptest.FailRcpt(450, 3, slow...),
		smtptest.ReplyText(450, "4.7.1", "Recipient address rejected: rate limit exceeded for slow.test"))
	pacer := sender.NewDomainPacer(sender.PacerConfig{Rates: map[string]rate.Limit{"slow.test": r, "fast.test": r}})
	p := newPool(t, srv, func(c *sender.Config) { c.Workers, c.Rate, c.Pacer = 4, 4*r, pacer })

	j, err := statefile.Open(filepath.Join(t.TempDir(), "list.state"), statefile.Header{TemplateHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	run := &campaign.Runner{Source: &listSource{to: to}, Renderer: keyRenderer{from: "news@example.com"}, Sender: p,
		Journal: j, Workers: 4, Retries: 5, RetryWait: 20 * time.Millisecond, Pacer: pacer}
	sum, err := run.Run(context.Background())
	if err != nil || sum.Sent != 2*perDomain {
		t.Fatalf("sent %d of %d, %v", sum.Sent, 2*perDomain, err)
	}
	fast, nf := domainRate(srv, "fast.test")
	slowRate, ns := domainRate(srv, "slow.test")
	t.Logf("fast.test: %d at %.1f/s; slow.test: %d at %.1f/s, now paced at %v/s; relay rate %v/s",
		nf, fast, ns, slowRate, float64(pacer.DomainRate("slow.test")), float64(p.Stats().Rate))
	if fast < 0.8*r || fast > 1.2*r {
		t.Errorf("fast.test went at %.1f/s, want its own rate, %d/s: a throttle of another domain slowed it", fast, r)
	}
	if got := pacer.DomainRate("slow.test"); got >= r {
		t.Errorf("slow.test is paced at %v/s after three throttling replies, want below %d/s", got, r)
	}
	if slowRate > 0.8*r {
		t.Errorf("slow.test went at %.1f/s, want it slowed below %d/s", slowRate, r)
	}
	if got := p.Stats().Rate; got != 4*r {
		t.Errorf("the relay's rate is %v/s, want its configured %d/s: a recipient's throttle is not the relay's", got, 4*r)
	}
}

// TestMaxRcptPerMessage: the operator's cap of recipients per transaction
// splits a message like a server's RCPTMAX does, and the lower of the two
// wins.
func TestMaxRcptPerMessage(t *testing.T) {
	to := []string{"a@x.test", "b@x.test", "c@x.test", "d@x.test", "e@x.test"}
	for _, tc := range []struct {
		name    string
		opts    []smtptest.Option
		max     int
		wantTxs []int
	}{
		{"operator's cap", nil, 2, []int{2, 2, 1}},
		{"server's RCPTMAX lower", []smtptest.Option{smtptest.RcptMax(1)}, 2, []int{1, 1, 1, 1, 1}},
		{"operator's cap lower", []smtptest.Option{smtptest.RcptMax(4)}, 3, []int{3, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.Start(t, tc.opts...)
			p := newPool(t, srv, func(c *sender.Config) { c.MaxRcptPerMessage = tc.max })
			msg := message(1, to...)
			if _, err := p.Send(context.Background(), msg, nil); err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range srv.Messages() {
				got = append(got, len(m.To))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.wantTxs) || len(msg.Sent) != len(to) {
				t.Errorf("transactions of %v recipients, %d reached; want %v, 5", got, len(msg.Sent), tc.wantTxs)
			}
		})
	}
}
