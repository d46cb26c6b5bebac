package campaign_test

import (
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// offsetClock is the real clock moved by a fixed offset: its time flows, so
// that a run waits for a window opening a few hundred milliseconds ahead
// while the window itself is given in ordinary office hours.
func offsetClock(at time.Time) func() time.Time {
	off := time.Until(at)
	return func() time.Time { return time.Now().Add(off) }
}

func officeHours(t *testing.T, loc *time.Location) *campaign.Schedule {
	t.Helper()
	w, err := campaign.ParseWindow("09:00-18:00")
	if err != nil {
		t.Fatal(err)
	}
	days, err := campaign.ParseDays("mon-fri")
	if err != nil {
		t.Fatal(err)
	}
	return &campaign.Schedule{Windows: []campaign.Window{w}, Days: days, Location: loc}
}

func TestRunnerWaitsForTheSendWindow(t *testing.T) {
	seoul := mustLoad(t, "Asia/Seoul")
	opening := time.Date(2026, 11, 23, 9, 0, 0, 0, seoul) // a Monday
	now := offsetClock(opening.Add(-400 * time.Millisecond))
	f := newFixture(t, 6)
	prog := new(campaign.Progress)

	waited := make(chan time.Time, 1)
	go func() {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if w := prog.Snapshot().WaitingUntil; !w.IsZero() {
				waited <- w
				return
			}
		}
		close(waited)
	}()
	sum, err := f.run(t, runOpts{workers: 2, now: now, schedule: officeHours(t, seoul), progress: prog})
	if err != nil || sum.Sent != 6 || sum.OutsideWindow {
		t.Fatalf("run: sent %d, outside window %v, %v; want 6 sent after the wait", sum.Sent, sum.OutsideWindow, err)
	}
	if w := <-waited; !w.Equal(opening) {
		t.Errorf("progress showed waiting until %v, want %v", w, opening)
	}
	if w := prog.Snapshot().WaitingUntil; !w.IsZero() {
		t.Errorf("progress still shows waiting until %v after the run", w)
	}
	// What the server received, on the run's clock.
	off := time.Until(now())
	for _, m := range f.srv.Messages() {
		if at := m.Time.Add(off); at.Before(opening) {
			t.Errorf("a message reached the server at %v, before the window opened", at.In(seoul))
		}
	}
}

func TestRunnerNoWaitOutsideTheWindow(t *testing.T) {
	seoul := mustLoad(t, "Asia/Seoul")
	friday := time.Date(2026, 11, 27, 18, 0, 0, 0, seoul)
	f := newFixture(t, 4)
	sum, err := f.run(t, runOpts{workers: 2, now: offsetClock(friday), schedule: officeHours(t, seoul), noWait: true})
	if err != nil {
		t.Fatal(err)
	}
	monday := time.Date(2026, 11, 30, 9, 0, 0, 0, seoul)
	if !sum.OutsideWindow || !sum.ResumeAt.Equal(monday) || sum.Sent != 0 {
		t.Fatalf("summary: outside %v, resume at %v, sent %d; want true, %v, 0", sum.OutsideWindow, sum.ResumeAt, sum.Sent, monday)
	}
	if n := stateRecords(t, f.state, "sending"); n != 0 || len(f.srv.Transactions()) != 0 {
		t.Errorf("%d sending records, %d transactions: nothing may start outside the window", n, len(f.srv.Transactions()))
	}
	// The same command on Monday morning resumes.
	sum, err = f.run(t, runOpts{workers: 2, now: offsetClock(monday), schedule: officeHours(t, seoul), noWait: true})
	if err != nil || sum.Sent != 4 || sum.OutsideWindow {
		t.Fatalf("Monday run: sent %d, outside %v, %v; want 4", sum.Sent, sum.OutsideWindow, err)
	}
}
