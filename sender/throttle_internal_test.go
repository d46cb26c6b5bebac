package sender

// An internal test: the throttle's recovery runs over tens of seconds, so it
// is tested on synctest's fake clock rather than through a Pool on real
// time.

import (
	"context"
	"log/slog"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"
)

func TestThrottleSlowDownAndRecovery(t *testing.T) {
	near := func(a, b rate.Limit) bool { return math.Abs(float64(a-b)) < 1e-6 }
	synctest.Test(t, func(t *testing.T) {
		thr := newThrottle(100, 1, slog.New(slog.DiscardHandler))
		ctx := context.Background()
		thr.slowDown("451")
		if got := thr.Limit(); got != 50 {
			t.Fatalf("rate %v after a slow-down, want 50", got)
		}
		thr.slowDown("451") // within a second: ignored
		if got := thr.Limit(); got != 50 {
			t.Fatalf("rate %v after a second slow-down within a second, want 50", got)
		}
		for range 6 { // 50, 25, 12.5, 10 (the floor), 10, 10
			time.Sleep(slowDownEvery)
			thr.slowDown("421")
		}
		if got := thr.Limit(); got != 10 {
			t.Fatalf("rate %v after many slow-downs, want the floor 10", got)
		}
		// Without slow-downs, the rate grows by a tenth every recoverEvery
		// until it is back at 100.
		want := rate.Limit(10)
		for want < 100 {
			time.Sleep(recoverEvery)
			if err := thr.Wait(ctx, nil); err != nil {
				t.Fatal(err)
			}
			want = min(want*1.1, 100)
			if got := thr.Limit(); !near(got, want) {
				t.Fatalf("rate %v while recovering, want %v", got, want)
			}
		}
		if thr.throttled.Load() {
			t.Error("still throttled after recovering")
		}
	})
}

func TestThrottleUnlimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		thr := newThrottle(rate.Inf, 1, slog.New(slog.DiscardHandler))
		ctx := context.Background()
		thr.slowDown("421")
		if thr.Limit() != rate.Inf {
			t.Fatal("an unlimited rate was lowered before any message was sent")
		}
		for range 200 {
			if err := thr.Wait(ctx, nil); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(2 * time.Second) // 200 messages in 2s: 100/s observed
		thr.slowDown("421")
		if got := thr.Limit(); got != 50 {
			t.Fatalf("rate %v after a slow-down at 100/s observed, want 50", got)
		}
		for thr.Limit() != rate.Inf {
			time.Sleep(recoverEvery)
			if err := thr.Wait(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if time.Since(thr.lastChange) > time.Hour {
				t.Fatal("never recovered")
			}
		}
	})
}
