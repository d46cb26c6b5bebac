package sender_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender"
)

// BenchmarkPoolSmtpSink measures the Pool's throughput into Postfix's
// smtp-sink. Start one and name its address:
//
//	smtp-sink -u nobody 127.0.0.1:2525 1024 &
//	MAILRUN_SMTP_SINK=127.0.0.1:2525 go test -run - -bench PoolSmtpSink ./sender/
//
// Compare with `smtp-source -d -s 16 -m 20000 -l 5000 127.0.0.1:2525` in the
// same run.
func BenchmarkPoolSmtpSink(b *testing.B) {
	addr := os.Getenv("MAILRUN_SMTP_SINK")
	if addr == "" {
		b.Skip("set MAILRUN_SMTP_SINK to the address of a running smtp-sink (e.g. 127.0.0.1:2525)")
	}
	// A prebuilt message of about 5 KB, like smtp-source -l 5000.
	line := strings.Repeat("x", 76) + "\r\n"
	data := []byte("From: news@example.com\r\nTo: a@example.com\r\nSubject: benchmark\r\n\r\n" +
		strings.Repeat(line, 5000/len(line)))
	msg := &campaign.Message{Envelope: campaign.Envelope{From: "news@example.com", To: []string{"a@example.com"}}, Data: data}

	for _, workers := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			p, err := sender.NewPool(sender.Config{URL: "smtp://" + addr, TLSPolicy: "none", Workers: workers})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for range workers {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						m := *msg // one Message per row: Send records who got it
						if _, err := p.Send(context.Background(), &m, nil); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkDomainPacerUnpaced is the cost per message of the pacer that
// every send has, for domains without a rate of their own.
func BenchmarkDomainPacerUnpaced(b *testing.B) {
	p := sender.NewDomainPacer(sender.PacerConfig{})
	msg := message(1, "someone@example.com")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if p.Admit(msg, msg.Envelope.To) != 0 {
				b.Fatal("held back")
			}
			p.Done(msg, msg.Envelope.To)
		}
	})
}
