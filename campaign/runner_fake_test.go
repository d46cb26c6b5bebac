package campaign_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// TestRunnerWithFakes drives the runner through in-memory parts only: the
// runner's rules (keys, duplicates, resume, retries, permanent failures)
// hold without any adapter.
func TestRunnerWithFakes(t *testing.T) {
	temp := &campaign.DeliveryError{Class: campaign.Temporary, Code: 451}
	perm := &campaign.DeliveryError{Class: campaign.Permanent, Code: 550, Recipient: "gone@example.com"}
	src := &fakeRows{emails: []string{"a@example.com", "B@example.com", "a@example.com", "!bad", "nokey", "done@example.com",
		"flaky@example.com", "gone@example.com", "again@example.com"}}
	snd := &fakeSender{fail: func(key string, attempt int) error {
		switch {
		case key == "flaky@example.com" && attempt < 3:
			return temp
		case key == "gone@example.com":
			return perm
		}
		return nil
	}}
	j := &fakeJournal{prev: map[string]campaign.Status{"done@example.com": campaign.StatusDelivered, "again@example.com": campaign.StatusDeferred}}
	r := &campaign.Runner{Source: src, Renderer: fakeRenderer{}, Sender: snd, Journal: j, Workers: 3, Retries: 3, RetryWait: time.Millisecond}
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != 4 || sum.Failed != 3 || sum.Duplicates != 1 || sum.Skipped != 1 || sum.Deferred != 0 {
		t.Errorf("summary %+v: want 4 sent (a, b, flaky, again), 3 failed (!bad, nokey, gone), 1 duplicate, 1 skipped", sum.Snapshot)
	}
	if got := snd.attempts; got["a@example.com"] != 1 || got["flaky@example.com"] != 3 || got["gone@example.com"] != 1 || got["done@example.com"] != 0 {
		t.Errorf("attempts %v: a once, flaky three times, gone once, done never", got)
	}
	by := j.byStatus()
	slices.Sort(by[campaign.StatusDelivered])
	if want := []string{"again@example.com", "b@example.com", "a@example.com", "flaky@example.com"}; !sameSet(by[campaign.StatusDelivered], want) {
		t.Errorf("delivered records %v, want %v", by[campaign.StatusDelivered], want)
	}
	if d := by[campaign.StatusDuplicate]; len(d) != 1 || d[0] != "a@example.com" {
		t.Errorf("duplicate records %v, want a@example.com once", d)
	}
	if j.sending != 7 {
		t.Errorf("%d sending records, want one per attempt (7)", j.sending)
	}
}

// TestRunnerStopsOnFatal: a fatal failure stops the run and is returned.
func TestRunnerStopsOnFatal(t *testing.T) {
	fatal := &campaign.DeliveryError{Class: campaign.Fatal, Code: 535}
	src := &fakeRows{emails: []string{"a@x.test", "b@x.test", "c@x.test", "d@x.test"}}
	snd := &fakeSender{fail: func(string, int) error { return fatal }}
	r := &campaign.Runner{Source: src, Renderer: fakeRenderer{}, Sender: snd, Journal: &fakeJournal{}, Workers: 1}
	_, err := r.Run(context.Background())
	if campaign.ClassOf(err) != campaign.Fatal {
		t.Fatalf("Run: %v, want the fatal error", err)
	}
	if n := len(snd.attempts); n != 1 {
		t.Errorf("%d recipients attempted after a fatal failure, want 1", n)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// blockingSender waits for its context like a sender waiting for a rate
// limit that lets nothing through, and never begins a transaction.
type blockingSender struct{ waiting chan struct{} }

func (b *blockingSender) Send(ctx context.Context, _ *campaign.Message, _ func() error) (string, error) {
	b.waiting <- struct{}{}
	<-ctx.Done()
	return "", ctx.Err()
}

func (b *blockingSender) Close() error { return nil }

// TestRunnerStopEndsWaitsAndBooksNothing: a stop while every worker waits
// for the sender ends the run at once, and no row is booked (nothing was
// sent, so nothing is unknown).
func TestRunnerStopEndsWaitsAndBooksNothing(t *testing.T) {
	src := &fakeRows{emails: []string{"a@x.test", "b@x.test", "c@x.test", "d@x.test"}}
	snd := &blockingSender{waiting: make(chan struct{})}
	j := &fakeJournal{}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-snd.waiting
		<-snd.waiting
		cancel()
	}()
	r := &campaign.Runner{Source: src, Renderer: fakeRenderer{}, Sender: snd, Journal: j, Workers: 2}
	if _, err := r.Run(ctx); !errors.Is(err, campaign.ErrInterrupted) {
		t.Fatalf("Run: %v, want ErrInterrupted", err)
	}
	if j.sending != 0 || len(j.records) != 0 {
		t.Errorf("%d sending records and %v after a stop during the waits; want none", j.sending, j.records)
	}
}
