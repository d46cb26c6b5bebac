package campaign_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// spacer is a Pacer that lets one message to slow.test go every gap, and
// notes when it let each go.
type spacer struct {
	gap time.Duration

	mu       sync.Mutex
	next     time.Time
	admitted []time.Time
}

func (p *spacer) Admit(_ *campaign.Message, rcpts []string) time.Duration {
	if campaign.Domains(rcpts)[0] != "slow.test" {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Before(p.next) {
		return p.next.Sub(now)
	}
	p.next = now.Add(p.gap)
	p.admitted = append(p.admitted, now)
	return 0
}

func (p *spacer) Done(*campaign.Message, []string) {}

// TestRunnerPacerHoldsBackOneDomainOnly: messages to a domain the Pacer
// holds back wait without holding a worker, so the other domain's
// messages go at once, although the rows alternate.
func TestRunnerPacerHoldsBackOneDomainOnly(t *testing.T) {
	var rows []string
	for i := 1; i <= 6; i++ {
		rows = append(rows, fmt.Sprintf("s%d@slow.test,S%d,", i, i), fmt.Sprintf("f%d@fast.test,F%d,", i, i))
	}
	f := newFixtureRows(t, rows)
	const gap = 200 * time.Millisecond
	sp := &spacer{gap: gap}
	sum, err := f.run(t, runOpts{workers: 2, pacer: sp})
	if err != nil || sum.Sent != 12 {
		t.Fatalf("sent %d, %v; want 12", sum.Sent, err)
	}
	var slow, fast []time.Time
	for _, m := range f.srv.Messages() {
		if strings.HasSuffix(m.To[0], "@slow.test") {
			slow = append(slow, m.Time)
		} else {
			fast = append(fast, m.Time)
		}
	}
	// Every slow.test message waited for the pacer: the pacer let six go,
	// gap apart, and none reached the server before the pacer let it go.
	// (Arrival times are compared with admissions, not with each other: a
	// busy machine may delay one arrival and bunch it with the next.)
	if len(sp.admitted) != len(slow) {
		t.Fatalf("the pacer let %d slow.test messages go, the server got %d: the runner sent without waiting for it", len(sp.admitted), len(slow))
	}
	for i := range slow {
		if slow[i].Before(sp.admitted[i]) {
			t.Errorf("slow.test message %d reached the server %v before the pacer let it go", i+1, sp.admitted[i].Sub(slow[i]))
		}
	}
	// Six slow messages take five gaps; the fast ones must not wait for them.
	if last, third := fast[len(fast)-1], sp.admitted[2]; !last.Before(third) {
		t.Errorf("the last fast.test message came %v after the pacer let the third slow.test one go: the slow domain held up the other", last.Sub(third))
	}
}
