package campaign_test

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// clock is a settable clock for the daily cap tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// compliance configures one run of runCompliance.
type compliance struct {
	workers, limit int
	suppress       *campaign.Suppression
	maxPerDay      int
	loc            *time.Location
	max24h         int
	clock          *clock
}

// runCompliance runs the fixture's campaign like `mailrun send` with a
// suppression list and caps.
func (f *fixture) runCompliance(t *testing.T, c compliance) campaign.Summary {
	t.Helper()
	o := runOpts{workers: c.workers, limit: c.limit, suppress: c.suppress, limits: []campaign.Limit{
		{Max: c.maxPerDay, Location: c.loc}, {Max: c.max24h, Rolling: 24 * time.Hour}}}
	if c.clock != nil {
		o.now = c.clock.Now
	}
	sum, err := f.run(t, o)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// stateRecords counts the records of type typ in the state file.
func stateRecords(t *testing.T, path, typ string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), `{"type":"`+typ+`"`)
}

func TestRunnerSuppressedNeverReachTheServer(t *testing.T) {
	f := newFixtureRows(t, []string{
		"ann@a.test,Ann,",
		"bob@b.test,Bob,carol@c.test",
		"dan@blocked.test,Dan,",
		"eve@a.test,Eve,bad@a.test",
		"fay@a.test,Fay,ann@a.test",
		"gil@a.test,Gil,dan@blocked.test",
	})
	sup := new(campaign.Suppression)
	for _, e := range []string{"FAY@a.test", "@blocked.test", "bad@a.test"} {
		if err := sup.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	sum := f.runCompliance(t, compliance{workers: 2, suppress: sup})
	if sum.Sent != 4 || sum.Suppressed != 2 || sum.Failed != 0 {
		t.Fatalf("summary %+v, want 4 sent and 2 suppressed", sum.Snapshot)
	}
	got := f.srv.PerRecipient()
	for _, addr := range []string{"fay@a.test", "dan@blocked.test", "bad@a.test"} {
		if got[addr] != 0 {
			t.Errorf("suppressed %s got %d messages", addr, got[addr])
		}
	}
	for _, addr := range []string{"ann@a.test", "bob@b.test", "carol@c.test", "eve@a.test", "gil@a.test"} {
		if got[addr] != 1 {
			t.Errorf("%s got %d messages, want 1", addr, got[addr])
		}
	}
	st, err := statefile.Read(f.state)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts.Suppressed != 2 || st.Counts.Delivered != 4 {
		t.Errorf("state counts %+v, want 2 suppressed and 4 delivered", st.Counts)
	}
	if s, _ := st.RowStatus(5); s != campaign.StatusSuppressed {
		t.Errorf("row 5 (fay) status %q, want suppressed", s)
	}

	// A resume sends nothing more and records the suppressed rows no
	// second time.
	sum = f.runCompliance(t, compliance{workers: 2, suppress: sup})
	if sum.Sent != 0 || sum.Suppressed != 2 || sum.Skipped != 4 {
		t.Fatalf("resume summary %+v, want 0 sent, 2 suppressed, 4 skipped", sum.Snapshot)
	}
	if n := stateRecords(t, f.state, "suppressed"); n != 2 {
		t.Errorf("%d suppressed records after the resume, want 2", n)
	}
	if n := len(f.srv.Messages()); n != 4 {
		t.Errorf("server got %d messages, want 4", n)
	}
}

func TestRunnerDailyCap(t *testing.T) {
	loc := time.FixedZone("UTC+9", 9*3600)
	clk := &clock{t: time.Date(2026, 11, 26, 23, 0, 0, 0, loc)}
	for _, tc := range []struct {
		name    string
		workers int
		fail    []string
	}{
		{"one worker", 1, nil},
		{"four workers", 4, nil},
		{"failures give their slot back", 4, []string{"user2@example.com", "user5@example.com"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []smtptest.Option
			if len(tc.fail) > 0 {
				opts = append(opts, smtptest.FailRcpt(550, 0, tc.fail...))
			}
			f := newFixture(t, 20, opts...)
			clk.set(time.Date(2026, 11, 26, 23, 0, 0, 0, loc))
			c := compliance{workers: tc.workers, maxPerDay: 7, loc: loc, clock: clk}
			sum := f.runCompliance(t, c)
			if sum.Sent != 7 || !sum.CapReached {
				t.Fatalf("first run: sent %d, cap reached %v; want 7 and true", sum.Sent, sum.CapReached)
			}
			if want := time.Date(2026, 11, 27, 0, 0, 0, 0, loc); !sum.ResumeAt.Equal(want) {
				t.Errorf("ResumeAt = %v, want %v", sum.ResumeAt, want)
			}
			if n := accepted(f.srv); n != 7 {
				t.Fatalf("server accepted %d messages, want 7", n)
			}
			// A refused row gives its slot back; whether the second one was
			// tried before the seventh delivery filled the day depends on
			// which worker got there first. Either way every attempt, and
			// only an attempt, has its sending record.
			failed := stateRecords(t, f.state, "failed")
			if failed > len(tc.fail) {
				t.Errorf("%d failed records, want at most %d", failed, len(tc.fail))
			}
			if n := stateRecords(t, f.state, "sending"); n != 7+failed {
				t.Errorf("%d sending records, want %d (7 delivered, %d refused): rows not taken must not be recorded", n, 7+failed, failed)
			}

			// Later the same day: the state file's count holds.
			clk.set(time.Date(2026, 11, 26, 23, 59, 0, 0, loc))
			sum = f.runCompliance(t, c)
			if sum.Sent != 0 || !sum.CapReached {
				t.Fatalf("same-day run: sent %d, cap reached %v; want 0 and true", sum.Sent, sum.CapReached)
			}

			// The next day in loc (still the 26th in UTC) continues.
			clk.set(time.Date(2026, 11, 27, 0, 30, 0, 0, loc))
			sum = f.runCompliance(t, c)
			if sum.Sent != 7 || !sum.CapReached {
				t.Fatalf("next-day run: sent %d, cap reached %v; want 7 and true", sum.Sent, sum.CapReached)
			}
			if n := accepted(f.srv); n != 14 {
				t.Errorf("server accepted %d messages after two days, want 14", n)
			}
			got := f.srv.PerRecipient()
			for to, n := range got {
				if n > 1 && to != "audit@example.com" {
					t.Errorf("%s got %d messages, want at most 1", to, n)
				}
			}
		})
	}
}

// TestRunnerRolling24hCap: a rolling cap counts the deliveries of the last
// 24 hours, as Gmail does: a new calendar day frees nothing, and each
// delivery frees its slot 24 hours after it was made.
func TestRunnerRolling24hCap(t *testing.T) {
	f := newFixture(t, 20)
	day1 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	clk := &clock{t: day1}
	run := func(at time.Time, limit, wantSent int, wantResume time.Time) {
		t.Helper()
		clk.set(at)
		sum := f.runCompliance(t, compliance{workers: 2, limit: limit, max24h: 5, clock: clk})
		if sum.Sent != int64(wantSent) || sum.CapReached != !wantResume.IsZero() {
			t.Fatalf("run at %s: sent %d, cap reached %v; want %d and %v", at.Format("Jan 2 15:04:05"), sum.Sent, sum.CapReached, wantSent, !wantResume.IsZero())
		}
		if sum.CapReached && (!sum.ResumeAt.Equal(wantResume) || sum.Cap.Rolling != 24*time.Hour) {
			t.Errorf("run at %s: resume at %s by limit %+v, want %s by the rolling one", at.Format("Jan 2 15:04:05"), sum.ResumeAt, sum.Cap, wantResume)
		}
	}
	run(day1, 3, 3, time.Time{})                                             // 3 at 10:00 (--limit 3)
	run(day1.Add(6*time.Hour), 0, 2, day1.Add(24*time.Hour))                 // 2 at 16:00: 5 in 24 h
	run(day1.Add(23*time.Hour+59*time.Minute), 0, 0, day1.Add(24*time.Hour)) // a new calendar day frees nothing
	run(day1.Add(24*time.Hour), 0, 3, day1.Add(30*time.Hour))                // the 10:00 ones freed, the 16:00 ones not yet
	if n := accepted(f.srv); n != 8 {
		t.Errorf("server accepted %d messages, want 8", n)
	}
}

// accepted counts the messages the server accepted.
func accepted(srv *smtptest.Server) int {
	n := 0
	for _, m := range srv.Messages() {
		if m.Code == 250 {
			n++
		}
	}
	return n
}

func TestRunnerDailyCapAlreadyReached(t *testing.T) {
	f := newFixture(t, 3)
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	c := compliance{workers: 2, maxPerDay: 3, loc: time.UTC, clock: clk}
	if sum := f.runCompliance(t, c); sum.Sent != 3 || sum.CapReached {
		t.Fatalf("sent %d cap reached %v, want 3 and false (the data ended first)", sum.Sent, sum.CapReached)
	}
	for i := 4; i <= 6; i++ {
		appendRow(t, f.data, fmt.Sprintf("user%d@example.com,User %d,", i, i))
	}
	sum := f.runCompliance(t, c)
	if sum.Sent != 0 || !sum.CapReached || sum.Skipped != 3 {
		t.Fatalf("summary %+v cap %v, want nothing sent, 3 skipped, cap reached", sum.Snapshot, sum.CapReached)
	}
}

// appendRow appends one CSV line to the data file.
func appendRow(t *testing.T, path, line string) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
}
