package campaign_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/source"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/render"
	"github.com/mailrun/mailrun/sender"
	"github.com/mailrun/mailrun/sender/smtptest"
)

// runnerTemplate is the template of the runner tests: To, Cc and Bcc, so
// that every envelope recipient is checked.
const runnerTemplate = `From: Sender <sender@example.com>
To: {{.name}} <{{.email}}>
Cc: {{.cc}}
Bcc: audit@example.com
Subject: Hello {{.name}}

<p>Hello {{.name}}</p>
`

// fixture is one campaign on disk plus the server it goes to.
type fixture struct {
	dir, data, tmpl, state string
	srv                    *smtptest.Server
}

// newFixture writes a CSV of n recipients (user1..userN@example.com, every
// third with a Cc) and the template, and starts a server with opts.
func newFixture(t *testing.T, n int, opts ...smtptest.Option) *fixture {
	t.Helper()
	var rows []string
	for i := 1; i <= n; i++ {
		cc := ""
		if i%3 == 0 {
			cc = fmt.Sprintf("boss%d@example.com", i)
		}
		rows = append(rows, fmt.Sprintf("user%d@example.com,User %d,%s", i, i, cc))
	}
	return newFixtureRows(t, rows, opts...)
}

func newFixtureRows(t *testing.T, rows []string, opts ...smtptest.Option) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{dir: dir, data: filepath.Join(dir, "list.csv"), tmpl: filepath.Join(dir, "t.html"), state: filepath.Join(dir, "list.csv.state")}
	csv := "email,name,cc\n" + strings.Join(rows, "\n") + "\n"
	if err := os.WriteFile(f.data, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.tmpl, []byte(runnerTemplate), 0o600); err != nil {
		t.Fatal(err)
	}
	f.srv = smtptest.Start(t, opts...)
	return f
}

// runOpts tunes one run of a fixture.
type runOpts struct {
	workers, retries, limit int
	retryFailed             bool
	password                string
	ctx                     context.Context

	suppress *campaign.Suppression
	limits   []campaign.Limit
	now      func() time.Time // nil: time.Now
	schedule *campaign.Schedule
	noWait   bool
	progress *campaign.Progress
	pacer    campaign.Pacer
}

// run does one campaign run the way `mailrun send` does and returns its
// summary and error.
func (f *fixture) run(t *testing.T, o runOpts) (campaign.Summary, error) {
	t.Helper()
	if o.workers == 0 {
		o.workers = 4
	}
	if o.ctx == nil {
		o.ctx = context.Background()
	}
	if o.now == nil {
		o.now = time.Now
	}
	src, err := source.Open(f.data, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	probe, err := render.New(f.tmpl, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := statefile.Header{TemplateHash: probe.Hash(), DataFile: f.data, Now: o.now}
	h.CountDeliveredSince = campaign.Since(o.limits, o.now())
	j, err := statefile.Open(f.state, h)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	tmpl, err := render.New(f.tmpl, render.Options{CampaignID: j.CampaignID(), Now: o.now})
	if err != nil {
		t.Fatal(err)
	}
	url := "smtp://" + f.srv.Addr()
	if o.password != "" {
		url = "smtp://user@" + f.srv.Addr()
	}
	pool, err := sender.NewPool(sender.Config{URL: url, Password: o.password, Auth: map[bool]string{true: "plain"}[o.password != ""], Workers: o.workers, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	r := &campaign.Runner{
		Source: src, Renderer: tmpl, Sender: pool, Journal: j,
		Workers: o.workers, Retries: o.retries, RetryWait: time.Millisecond,
		Limit: o.limit, RetryFailed: o.retryFailed,
		Suppress: o.suppress, Limits: o.limits, Delivered: j.Deliveries(), Now: o.now,
		Schedule: o.schedule, NoWait: o.noWait, Progress: o.progress, Pacer: o.pacer,
	}
	return r.Run(o.ctx)
}

func TestRunnerDeliversEveryEnvelopeRecipientOnce(t *testing.T) {
	f := newFixture(t, 30)
	sum, err := f.run(t, runOpts{workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != 30 || sum.Failed != 0 || sum.Deferred != 0 {
		t.Fatalf("summary %+v, want 30 sent", sum.Snapshot)
	}
	got := f.srv.PerRecipient()
	for i := 1; i <= 30; i++ {
		if n := got[fmt.Sprintf("user%d@example.com", i)]; n != 1 {
			t.Errorf("user%d got %d messages, want 1", i, n)
		}
		if i%3 == 0 && got[fmt.Sprintf("boss%d@example.com", i)] != 1 {
			t.Errorf("Cc boss%d got %d messages, want 1", i, got[fmt.Sprintf("boss%d@example.com", i)])
		}
	}
	if got["audit@example.com"] != 30 {
		t.Errorf("Bcc got %d messages, want 30", got["audit@example.com"])
	}
	for _, m := range f.srv.Messages() {
		if strings.Contains(string(m.Data), "audit@example.com") {
			t.Fatalf("the Bcc address is in the delivered message:\n%s", m.Data)
		}
	}
	if c := f.srv.Connections(); c > 2 {
		t.Errorf("%d connections for 30 messages with 2 workers, want them reused", c)
	}
	st, err := statefile.Read(f.state)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts.Delivered != 30 {
		t.Errorf("state counts %+v, want 30 delivered", st.Counts)
	}
}

func TestRunnerOutcomes(t *testing.T) {
	tests := []struct {
		name                               string
		opts                               []smtptest.Option
		retries                            int
		wantSent, wantFailed, wantDeferred int64
		wantStatus                         map[int]campaign.Status // by row
		wantAttemptsAtServer               int
	}{
		{
			name: "451 on DATA twice, then delivered on retry",
			opts: []smtptest.Option{smtptest.FailData(451, 2, "user2@example.com")}, retries: 3,
			wantSent: 5, wantStatus: map[int]campaign.Status{2: campaign.StatusDelivered},
		},
		{
			name: "451 beyond the retries is deferred",
			opts: []smtptest.Option{smtptest.FailData(451, 0, "user2@example.com")}, retries: 2,
			wantSent: 4, wantDeferred: 1, wantStatus: map[int]campaign.Status{2: campaign.StatusDeferred},
		},
		{
			name: "550 for one recipient fails that row only, without retry",
			opts: []smtptest.Option{smtptest.FailRcpt(550, 0, "user4@example.com")}, retries: 3,
			wantSent: 4, wantFailed: 1, wantStatus: map[int]campaign.Status{4: campaign.StatusFailed, 5: campaign.StatusDelivered},
		},
		{
			name: "a cut connection after the data is retried",
			opts: []smtptest.Option{smtptest.CutData(1)}, retries: 1,
			wantSent: 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, 5, tt.opts...)
			sum, err := f.run(t, runOpts{retries: tt.retries, workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Sent != tt.wantSent || sum.Failed != tt.wantFailed || sum.Deferred != tt.wantDeferred {
				t.Fatalf("sent/failed/deferred = %d/%d/%d, want %d/%d/%d", sum.Sent, sum.Failed, sum.Deferred, tt.wantSent, tt.wantFailed, tt.wantDeferred)
			}
			st, err := statefile.Read(f.state)
			if err != nil {
				t.Fatal(err)
			}
			for row, want := range tt.wantStatus {
				if got, _ := st.RowStatus(row); got != want {
					t.Errorf("row %d: state says %q, want %q", row, got, want)
				}
			}
			if int64(len(f.srv.Messages())) != tt.wantSent {
				t.Errorf("server accepted %d messages, want %d", len(f.srv.Messages()), tt.wantSent)
			}
		})
	}
}

func TestRunnerBadRowDoesNotStopTheOthers(t *testing.T) {
	f := newFixtureRows(t, []string{
		"a@example.com,A,",
		"not an address,B,",
		"c@example.com,C,",
		"a@example.com,A again,", // duplicate key
	})
	sum, err := f.run(t, runOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != 2 || sum.Failed != 1 || sum.Duplicates != 1 {
		t.Fatalf("sent/failed/duplicates = %d/%d/%d, want 2/1/1", sum.Sent, sum.Failed, sum.Duplicates)
	}
	if got := f.srv.PerRecipient(); got["a@example.com"] != 1 || got["c@example.com"] != 1 {
		t.Fatalf("received %v, want a and c once each", got)
	}
}

func TestRunnerResumeSkipsDelivered(t *testing.T) {
	f := newFixture(t, 10, smtptest.FailRcpt(450, 0, "user3@example.com"), smtptest.FailRcpt(550, 0, "user7@example.com"))
	sum, err := f.run(t, runOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != 8 || sum.Deferred != 1 || sum.Failed != 1 {
		t.Fatalf("first run sent/deferred/failed = %d/%d/%d, want 8/1/1", sum.Sent, sum.Deferred, sum.Failed)
	}
	// Second run: the deferred row is tried again (and still fails), the
	// failed one is left alone, the delivered ones are skipped.
	sum, err = f.run(t, runOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != 9 || sum.Sent != 0 || sum.Deferred != 1 || sum.PreviouslyFailed != 1 {
		t.Fatalf("second run %+v, want 9 skipped (1 failed before), 1 deferred", sum)
	}
	if got := f.srv.PerRecipient(); got["user1@example.com"] != 1 {
		t.Fatalf("user1 got %d messages after the resume, want 1", got["user1@example.com"])
	}
	// --retry-failed sends the failed one again.
	sum, err = f.run(t, runOpts{retryFailed: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 1 || sum.PreviouslyFailed != 0 {
		t.Fatalf("retry-failed run %+v, want the failed row attempted again", sum)
	}
}

func TestRunnerLimit(t *testing.T) {
	f := newFixture(t, 10)
	sum, err := f.run(t, runOpts{limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != 4 || !sum.Limited || sum.Read != 4 || sum.Left != 6 {
		t.Fatalf("sent %d, read %d, limited %v, left %d; want 4, 4, true, 6", sum.Sent, sum.Read, sum.Limited, sum.Left)
	}
	// The rows skipped as done are no part of the limit.
	sum, err = f.run(t, runOpts{limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != 4 || sum.Skipped != 4 || sum.Read != 8 || sum.Left != 2 {
		t.Fatalf("second run sent %d, skipped %d, read %d, left %d; want 4, 4, 8, 2", sum.Sent, sum.Skipped, sum.Read, sum.Left)
	}
	// A limit that the rows left do not reach is no stop.
	sum, err = f.run(t, runOpts{limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != 2 || sum.Skipped != 8 || sum.Limited || sum.Left != 0 {
		t.Fatalf("third run sent %d skipped %d limited %v left %d, want 2, 8, false, 0", sum.Sent, sum.Skipped, sum.Limited, sum.Left)
	}
}

func TestRunnerFatalStopsTheRun(t *testing.T) {
	f := newFixture(t, 20, smtptest.Auth("user", "right-password"))
	sum, err := f.run(t, runOpts{password: "wrong-password"})
	if campaign.ClassOf(err) != campaign.Fatal {
		t.Fatalf("err = %v, want a fatal delivery error", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("the error shows the password: %v", err)
	}
	if sum.Sent != 0 || len(f.srv.Messages()) != 0 {
		t.Fatalf("sent %d, want nothing", sum.Sent)
	}
	if sum.Read >= 20 {
		t.Errorf("read %d rows: the run did not stop early", sum.Read)
	}
}

func TestRunnerMissingColumnSendsNothing(t *testing.T) {
	f := newFixture(t, 3)
	if err := os.WriteFile(f.tmpl, []byte(strings.Replace(runnerTemplate, "{{.cc}}", "{{.manager}}", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := f.run(t, runOpts{})
	var ie *campaign.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "manager") {
		t.Fatalf("err = %v, want an input error naming the column manager", err)
	}
	if f.srv.Connections() != 0 {
		t.Fatalf("%d connections were opened, want none", f.srv.Connections())
	}
}

func TestRunnerInterruptDrainsAndResumes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int32
	f := newFixture(t, 40, smtptest.Hook(func(smtptest.Message) *smtp.SMTPError {
		if n.Add(1) == 10 {
			cancel()
		}
		return nil
	}))
	sum, err := f.run(t, runOpts{ctx: ctx})
	if !errors.Is(err, campaign.ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	first := len(f.srv.Messages())
	if first >= 40 || int64(first) != sum.Sent {
		t.Fatalf("interrupted run: server has %d, summary says %d sent; want them equal and below 40", first, sum.Sent)
	}
	sum, err = f.run(t, runOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent+int64(first) != 40 {
		t.Fatalf("resumed run sent %d after %d, want 40 in all", sum.Sent, first)
	}
	for to, c := range f.srv.PerRecipient() {
		if c != 1 && to != "audit@example.com" {
			t.Errorf("%s got %d messages, want 1", to, c)
		}
	}
}
