package campaign_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/source"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/render"
	"github.com/mailrun/mailrun/sender"
)

// noJournal records nothing: the baseline that shows what the state file
// costs. It is for this benchmark only; a run without a journal could not
// resume.
type noJournal struct{}

func (noJournal) Sending(*campaign.Message) error         { return nil }
func (noJournal) Record(campaign.Outcome) error           { return nil }
func (noJournal) Previous(string) (campaign.Status, bool) { return "", false }
func (noJournal) Close() error                            { return nil }

// BenchmarkRunnerSmtpSink runs whole campaigns of b.N rows of about 5 KB
// into the SMTP server at MAILRUN_SMTP_SINK (Postfix's smtp-sink, started
// with `smtp-sink -u nobody 127.0.0.1:2525 1024`), with 16 workers and no
// rate limit, once with the state file and once without a journal, and
// reports msgs/s. Run both in one invocation to compare them:
//
//	MAILRUN_SMTP_SINK=127.0.0.1:2525 go test -run '^$' -bench RunnerSmtpSink -benchtime 20000x -count 5 ./campaign/
func BenchmarkRunnerSmtpSink(b *testing.B) {
	addr := os.Getenv("MAILRUN_SMTP_SINK")
	if addr == "" {
		b.Skip("set MAILRUN_SMTP_SINK to the address of a running smtp-sink")
	}
	for _, withJournal := range []bool{true, false} {
		name := map[bool]string{true: "journal", false: "no-journal"}[withJournal]
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			data, tmpl := filepath.Join(dir, "list.csv"), filepath.Join(dir, "t.html")
			var csv strings.Builder
			csv.WriteString("email,name,id\n")
			for i := range b.N {
				fmt.Fprintf(&csv, "user%d@example.com,User %d,%d\n", i, i, i)
			}
			body := strings.Repeat("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n", 30)
			if err := os.WriteFile(data, []byte(csv.String()), 0o600); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(tmpl, []byte("From: a@example.com\nTo: {{.name}} <{{.email}}>\nSubject: Hello {{.name}}\n\n"+body), 0o600); err != nil {
				b.Fatal(err)
			}
			src, err := source.Open(data, source.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer src.Close()
			t, err := render.New(tmpl, render.Options{CampaignID: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			var j campaign.Journal = noJournal{}
			if withJournal {
				fj, err := statefile.Open(filepath.Join(dir, "state"), statefile.Header{TemplateHash: t.Hash()})
				if err != nil {
					b.Fatal(err)
				}
				j = fj
			}
			pool, err := sender.NewPool(sender.Config{URL: "smtp://" + addr, Workers: 16, MaxPerConn: 100, Timeout: 30 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			r := &campaign.Runner{Source: src, Renderer: t, Sender: pool, Journal: j, Workers: 16}
			b.ResetTimer()
			start := time.Now()
			sum, err := r.Run(context.Background())
			elapsed := time.Since(start)
			b.StopTimer()
			pool.Close()
			j.Close()
			if err != nil || sum.Sent != int64(b.N) {
				b.Fatalf("sent %d of %d: %v (%+v)", sum.Sent, b.N, err, sum)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
		})
	}
}
