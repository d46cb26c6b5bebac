package campaign_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// ccRenderer is fakeRenderer with a Cc recipient on every message.
type ccRenderer struct{ fakeRenderer }

func (r ccRenderer) Render(row campaign.Row) (*campaign.Message, error) {
	m, err := r.fakeRenderer.Render(row)
	if err == nil {
		m.Envelope.To, m.Envelope.Primary = append(m.Envelope.To, "cc@example.com"), 1
	}
	return m, err
}

// scriptSender runs its script for attempt n (from 1) of a message.
type scriptSender struct {
	mu     sync.Mutex
	n      int
	script func(n int, msg *campaign.Message, begin func() error) error
}

func (s *scriptSender) Send(_ context.Context, msg *campaign.Message, begin func() error) (string, error) {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	if err := s.script(n, msg, begin); err != nil {
		return "", err
	}
	return "250 ok", nil
}

func (s *scriptSender) Close() error { return nil }

// eventJournal keeps, in order, what the runner journals: "sending"
// ("sending continues" when the message reached someone already) and the
// status of each outcome ("deferred ambiguous" when it is ambiguous).
type eventJournal struct {
	mu      sync.Mutex
	events  []string
	settled int // outcomes not Interim
}

func (j *eventJournal) Sending(msg *campaign.Message) error {
	e := "sending"
	if len(msg.Sent) > 0 {
		e += " continues"
	}
	j.add(e)
	return nil
}

func (j *eventJournal) Record(o campaign.Outcome) error {
	e := string(o.Status)
	if o.Ambiguous {
		e += " ambiguous"
	}
	j.add(e)
	if !o.Interim {
		j.mu.Lock()
		j.settled++
		j.mu.Unlock()
	}
	return nil
}

func (j *eventJournal) add(e string) {
	j.mu.Lock()
	j.events = append(j.events, e)
	j.mu.Unlock()
}

func (j *eventJournal) Previous(string) (campaign.Status, bool) { return "", false }
func (j *eventJournal) Close() error                            { return nil }

// TestRunnerRecordsEveryStart checks what the runner journals when a
// sender begins several transactions for one message, and between
// retries: a transaction that a new start leaves (nobody took the message)
// and a retried attempt that reached no To recipient get a deferred record
// before the next sending, so that only an attempt of unknown outcome
// followed by another reads as "may have received it twice"; a
// transaction that continues to recipients the message has not reached
// gets none. Only the last outcome settles the row; the others are
// Interim.
func TestRunnerRecordsEveryStart(t *testing.T) {
	temp := &campaign.DeliveryError{Class: campaign.Temporary, Code: 451}
	cut := &campaign.DeliveryError{Class: campaign.Temporary, Ambiguous: true}
	tests := []struct {
		name   string
		script func(n int, msg *campaign.Message, begin func() error) error
		want   []string
		twice  bool
	}{
		{"one transaction", func(_ int, msg *campaign.Message, begin func() error) error {
			return begin()
		}, []string{"sending", "delivered"}, false},
		{"a recipient limit: the Cc in a second transaction", func(_ int, msg *campaign.Message, begin func() error) error {
			_ = begin()
			msg.MarkSent(msg.Envelope.To[0])
			return begin()
		}, []string{"sending", "sending continues", "delivered"}, false},
		{"another relay after a failure before the final dot", func(_ int, msg *campaign.Message, begin func() error) error {
			msg.Relay = "r1"
			_ = begin()
			msg.Relay = "r2"
			return begin()
		}, []string{"sending", "deferred", "sending", "delivered"}, false},
		{"no To recipient took it, tried again at once", func(_ int, msg *campaign.Message, begin func() error) error {
			_ = begin()
			return begin()
		}, []string{"sending", "deferred", "sending", "delivered"}, false},
		{"retried after a 451", func(n int, msg *campaign.Message, begin func() error) error {
			_ = begin()
			if n == 1 {
				return temp
			}
			return nil
		}, []string{"sending", "deferred", "sending", "delivered"}, false},
		{"retried after a cut past the final dot", func(n int, msg *campaign.Message, begin func() error) error {
			_ = begin()
			if n == 1 {
				return cut
			}
			return nil
		}, []string{"sending", "deferred ambiguous", "sending", "delivered"}, true},
		{"the To reached, the Cc retried", func(n int, msg *campaign.Message, begin func() error) error {
			_ = begin()
			if n == 1 {
				msg.MarkSent(msg.Envelope.To[0])
				msg.Refuse(campaign.Refusal{Recipient: "cc@example.com", Class: campaign.Temporary, Code: 450})
			} else {
				msg.MarkSent("cc@example.com")
			}
			return nil
		}, []string{"sending", "sending continues", "delivered"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &eventJournal{}
			r := &campaign.Runner{Source: &fakeRows{emails: []string{"a@example.com"}}, Renderer: ccRenderer{},
				Sender: &scriptSender{script: tt.script}, Journal: j, Workers: 1, Retries: 2, RetryWait: time.Millisecond}
			sum, err := r.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if sum.Sent != 1 {
				t.Errorf("summary %+v, want 1 sent", sum.Snapshot)
			}
			if j.settled != 1 {
				t.Errorf("%d outcomes not marked Interim, want 1: every other record is of an attempt a retry follows", j.settled)
			}
			if !slices.Equal(j.events, tt.want) {
				t.Errorf("journal:\n  %s\nwant\n  %s", strings.Join(j.events, "\n  "), strings.Join(tt.want, "\n  "))
			}
			var trail campaign.AttemptTrail
			for _, e := range j.events {
				st, flags, _ := strings.Cut(e, " ")
				trail = trail.Next(campaign.Status(st), flags == "ambiguous", flags == "continues")
			}
			if got := trail.MayHaveReceivedTwice(); got != tt.twice {
				t.Errorf("may have received it twice: %v, want %v", got, tt.twice)
			}
		})
	}
}
