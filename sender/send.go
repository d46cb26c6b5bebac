package sender

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/wneessen/go-mail/smtp"
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
	if err := start(ctx, begin); err != nil {
		p.put(cn)
		return "", err
	}
	reply, derr, usable := cn.send(msg)
	cn.sent++
	switch {
	case !usable:
		p.drop(cn)
	case cn.sent >= p.cfg.MaxPerConn:
		p.retire(cn)
	default:
		p.put(cn)
	}
	if derr != nil {
		if isSlowDown(derr.Code) {
			p.thr.slowDown(derr.Code)
		}
		return "", derr
	}
	return reply, nil
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

// dial opens a new connection. A 421 greeting slows the rate down. It
// returns ctx.Err() as soon as ctx ends (see dialUntil).
func (p *Pool) dial(ctx context.Context) (*conn, error) {
	c, err := dialUntil(ctx, p.client.DialToSMTPClientWithContext)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		err = p.redact(dialError(err))
		var de *campaign.DeliveryError
		if errors.As(err, &de) && isSlowDown(de.Code) {
			p.thr.slowDown(de.Code)
		}
		p.log.Debug("smtp connect failed", "server", p.ep.String(), "err", err)
		return nil, err
	}
	p.dials.Add(1)
	p.log.Debug("smtp connected", "server", p.ep.String())
	return newConn(c, p.cfg.Timeout), nil
}

// dialUntil runs dial and returns its result, or ctx.Err() as soon as ctx
// ends: go-mail ends only the TCP connect with ctx, while the greeting,
// EHLO, STARTTLS and AUTH wait as long as the timeout allows. A connection
// that the abandoned dial completes later is closed.
func dialUntil(ctx context.Context, dial func(context.Context) (*smtp.Client, error)) (*smtp.Client, error) {
	type result struct {
		c   *smtp.Client
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := dial(ctx)
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		return r.c, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.c != nil {
				_ = r.c.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// redact removes the password from err's text, should a server or library
// ever echo it.
func (p *Pool) redact(err error) error {
	pw := p.cfg.Password
	var de *campaign.DeliveryError
	if pw == "" || !errors.As(err, &de) || !strings.Contains(de.Error()+errorText(de.Err), pw) {
		return err
	}
	de.Text = strings.ReplaceAll(de.Text, pw, "[redacted]")
	de.Err = errors.New(strings.ReplaceAll(errorText(de.Err), pw, "[redacted]"))
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
