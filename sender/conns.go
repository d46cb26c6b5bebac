package sender

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// connLimitRecover is how long the pool keeps a connection limit learned
// from a 421 greeting before it tries one more connection.
const connLimitRecover = 30 * time.Second

// getConn returns a connection for one transaction: the most recently used
// idle one (retiring those idle longer than IdleTimeout), else a new one
// while fewer than the connection limit are open, else the next one another
// Send returns. A dial refused with a 421 greeting while other connections
// are open lowers the limit to those connections; the limit grows back by
// one every connLimitRecover.
func (p *Pool) getConn(ctx context.Context) (*conn, error) {
	for {
		p.mu.Lock()
		for len(p.idle) > 0 {
			cn := p.idle[len(p.idle)-1]
			p.idle = p.idle[:len(p.idle)-1]
			if time.Since(cn.lastUsed) <= p.cfg.IdleTimeout {
				p.mu.Unlock()
				return cn, nil
			}
			p.bg.Go(func() { p.retire(cn) })
		}
		if p.limit < p.cfg.Workers && time.Since(p.limitSet) > connLimitRecover {
			p.limit++
			p.limitSet = time.Now()
		}
		if p.open < p.limit {
			p.open++ // reserved for the dial
			p.mu.Unlock()
			cn, err := p.dial(ctx)
			if err != nil {
				p.closed(err)
			}
			return cn, err
		}
		w := make(chan *conn, 1)
		p.waiters = append(p.waiters, w)
		p.mu.Unlock()

		var cn *conn
		select {
		case cn = <-w:
		case <-ctx.Done():
		case <-p.done:
		}
		if cn != nil {
			return cn, nil
		}
		if err := p.stopWaiting(ctx, w); err != nil {
			return nil, err
		}
		// nil: a connection closed, so this Send may dial.
	}
}

// stopWaiting handles a waiter that was woken without a connection: it
// returns the context or close error, if any, after handing on whatever
// arrives at w meanwhile.
func (p *Pool) stopWaiting(ctx context.Context, w chan *conn) error {
	err := ctx.Err()
	if err == nil {
		select {
		case <-p.done:
			err = closedError()
		default:
		}
	}
	if err == nil {
		return nil
	}
	p.mu.Lock()
	if i := slices.Index(p.waiters, w); i >= 0 {
		p.waiters = slices.Delete(p.waiters, i, i+1)
		p.mu.Unlock()
		return err
	}
	p.mu.Unlock()
	// put or closed already chose this waiter.
	if cn := <-w; cn != nil {
		p.put(cn)
	} else {
		p.wakeOne()
	}
	return err
}

// put makes cn available: to the longest waiting Send, else as idle.
func (p *Pool) put(cn *conn) {
	p.mu.Lock()
	if len(p.waiters) > 0 {
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.mu.Unlock()
		w <- cn
		return
	}
	p.idle = append(p.idle, cn)
	p.mu.Unlock()
}

// closed records that a connection (or a dial, with its error) ended, lowers
// the limit after a 421 greeting, and lets a waiting Send dial.
func (p *Pool) closed(dialErr error) {
	p.mu.Lock()
	p.open--
	var de *campaign.DeliveryError
	if errors.As(dialErr, &de) && de.Code == 421 && p.open > 0 && p.open < p.limit {
		p.limit, p.limitSet = p.open, time.Now()
		p.log.Info("smtp server refused another connection; using fewer", "connections", p.limit)
	}
	p.mu.Unlock()
	p.wakeOne()
}

// wakeOne tells the longest waiting Send that it may dial.
func (p *Pool) wakeOne() {
	p.mu.Lock()
	if len(p.waiters) == 0 || p.open >= p.limit {
		p.mu.Unlock()
		return
	}
	w := p.waiters[0]
	p.waiters = p.waiters[1:]
	p.mu.Unlock()
	w <- nil
}

// retire ends a connection with QUIT.
func (p *Pool) retire(cn *conn) {
	cn.quit()
	p.closed(nil)
}

// drop closes a connection that is broken or in an unknown state.
func (p *Pool) drop(cn *conn) {
	_ = cn.c.Close()
	p.closed(nil)
}

// Probe opens one connection (connect, greeting, EHLO, STARTTLS or TLS,
// AUTH) and keeps it for the first message, so that a fault that would
// fail every message (no server there, TLS or AUTH refused) shows before
// any. It returns the classified failure of the dial, a
// *campaign.DeliveryError (or ctx.Err()); nil when an idle connection is
// open already.
func (p *Pool) Probe(ctx context.Context) error {
	cn, err := p.getConn(ctx)
	if err != nil {
		return err
	}
	p.put(cn)
	return nil
}
