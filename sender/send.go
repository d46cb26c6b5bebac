package sender

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"golang.org/x/time/rate"
)

// Send makes one delivery attempt of msg: it waits for a free slot (at most
// Workers Sends run at once), takes an idle connection or dials one (see
// getConn), waits for the shared rate limit, and sends msg to every
// envelope recipient. At rates so low that the rate wait outlasts
// IdleTimeout, the connection is replaced after the wait. Send returns the
// server's final reply ("250 2.0.0 Ok: queued as ...").
//
// Failures are *campaign.DeliveryError: Temporary for 4xx replies, timeouts
// and lost connections (Ambiguous when the connection was lost after the
// final dot), Permanent for 5xx replies, Fatal for failed AUTH or TLS and
// servers that are not SMTP. When the server refuses a recipient, nothing is
// sent and the error's Recipient names it. If ctx ends while Send waits for
// a slot, the rate limit or a connection, Send returns ctx.Err() without
// calling begin; begin is called just before the transaction's first byte,
// and a transaction begun is finished whatever ctx does. After Close, Send
// returns an error wrapping ErrClosed.
func (p *Pool) Send(ctx context.Context, msg *campaign.Message, begin func() error) (string, error) {
	if err := checkEnvelope(msg.Envelope); err != nil {
		return "", err
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	case <-p.done:
		return "", closedError()
	}
	defer func() { <-p.slots }()

	// The connection comes first, so that the time a dial takes does not
	// fall between the rate token and the message (the server would see
	// messages bunched).
	cn, err := p.getConn(ctx)
	if err != nil {
		return "", err
	}
	if err := p.wait(ctx); err != nil {
		p.put(cn)
		return "", err
	}
	if p.thr.Limit() != rate.Inf && time.Since(cn.lastUsed) > p.cfg.IdleTimeout {
		// The rate wait outlasted IdleTimeout (only at low rates).
		stale := cn
		p.bg.Go(func() { p.retire(stale) })
		if cn, err = p.getConn(ctx); err != nil {
			return "", err
		}
	}
	begun := false
	res := cn.send(msg, func() error {
		if err := start(ctx, begin); err != nil {
			return err
		}
		begun = true
		return nil
	})
	if begun {
		cn.sent++
	}
	switch {
	case !res.usable:
		p.drop(cn)
	case cn.sent >= p.cfg.MaxPerConn:
		p.retire(cn)
	default:
		p.put(cn)
	}
	if res.throttle != "" {
		p.thr.slowDown(res.throttle)
	}
	for _, rt := range res.rcptThrottles {
		if p.cfg.Pacer != nil {
			p.cfg.Pacer.SlowDown(rt.rcpt, rt.reply) // that receiver's pace, not the relay's
		} else {
			p.thr.slowDown(rt.reply)
		}
	}
	if res.err != nil {
		return res.reply, p.redact(res.err)
	}
	return res.reply, nil
}

// start checks, just before a transaction's first byte, that ctx has not
// ended, then calls begin (see campaign.Sender).
func start(ctx context.Context, begin func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if begin == nil {
		return nil
	}
	return begin()
}

// wait waits for the shared rate limit; it also ends when the pool closes.
func (p *Pool) wait(ctx context.Context) error {
	return p.thr.Wait(ctx, p.done)
}

// Close stops the pool: Sends waiting for a slot or the rate limit return
// ErrClosed, Sends in the middle of a transaction finish (each step is
// bounded by Timeout), then every connection is ended with QUIT. Close
// always returns nil; it is safe to call more than once.
func (p *Pool) Close() error {
	p.closeMu.Lock()
	defer p.closeMu.Unlock()
	p.closeOnce.Do(func() { close(p.done) })
	for range cap(p.slots) {
		p.slots <- struct{}{}
	}
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, cn := range idle {
		p.retire(cn)
	}
	p.bg.Wait()
	for range cap(p.slots) {
		<-p.slots
	}
	return nil
}

// redact removes the password and the secrets (access tokens) from err's
// text, should a server or library ever echo them.
func (p *Pool) redact(err error, secrets ...string) error {
	var de *campaign.DeliveryError
	if !errors.As(err, &de) {
		return err
	}
	for _, pw := range append(secrets, p.cfg.Password) {
		if pw == "" || !strings.Contains(de.Error()+errorText(de.Err), pw) {
			continue
		}
		de.Text = strings.ReplaceAll(de.Text, pw, "[redacted]")
		de.Err = errors.New(strings.ReplaceAll(errorText(de.Err), pw, "[redacted]"))
	}
	return de
}

func closedError() error {
	return &campaign.DeliveryError{Class: campaign.Temporary, Text: ErrClosed.Error(), Err: ErrClosed}
}

// checkEnvelope refuses addresses that would break or inject SMTP commands.
func checkEnvelope(env campaign.Envelope) error {
	bad := func(a string) bool { return strings.ContainsAny(a, "\r\n<>") }
	if len(env.To) == 0 {
		return &campaign.DeliveryError{Class: campaign.Permanent, Text: "sender: the message has no envelope recipient"}
	}
	if bad(env.From) {
		return &campaign.DeliveryError{Class: campaign.Permanent, Text: "sender: invalid envelope sender"}
	}
	for _, a := range env.To {
		if a == "" || bad(a) {
			return &campaign.DeliveryError{Class: campaign.Permanent, Text: fmt.Sprintf("sender: invalid envelope recipient %q", a)}
		}
	}
	return nil
}
