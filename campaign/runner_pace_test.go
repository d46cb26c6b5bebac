package campaign_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// spacer is a Pacer that lets one message to slow.test go every gap.
type spacer struct {
	gap time.Duration

	mu   sync.Mutex
	next time.Time
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
	const gap = 150 * time.Millisecond
	sum, err := f.run(t, runOpts{workers: 2, pacer: &spacer{gap: gap}})
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
	for i := 1; i < len(slow); i++ {
		if d := slow[i].Sub(slow[i-1]); d < gap-10*time.Millisecond {
			t.Errorf("slow.test messages %d and %d came %v apart, want at least %v", i, i+1, d, gap)
		}
	}
	// Six slow messages take five gaps; the fast ones must not wait for them.
	if last, third := fast[len(fast)-1], slow[2]; !last.Before(third) {
		t.Errorf("the last fast.test message came %v after the third slow.test one: the slow domain held up the other", last.Sub(third))
	}
}
