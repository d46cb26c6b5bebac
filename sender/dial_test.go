package sender_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/mailrun/mailrun/sender"
)

// TestSendEndsWhileTheServerHasNotGreeted cancels a Send whose connection
// waits for a greeting that never comes: Send must return at once, not
// after the timeout, and never begin.
func TestSendEndsWhileTheServerHasNotGreeted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	p, err := sender.NewPool(sender.Config{URL: "smtp://" + ln.Addr().String(), Workers: 1, Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := p.Send(ctx, message(1), func() error {
			t.Error("begin was called")
			return nil
		})
		done <- err
	}()
	c := <-accepted
	defer c.Close()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Send returned %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Send still waits for the greeting after its context ended")
	}
}
