package sender

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// pick chooses the relay for the next attempt of msg, skipping the relays
// tried already, and reserves a slot of its cap. last is the failure
// of the previous attempt of this Send, if any: when every relay that may
// take msg has been tried, it is returned.
func (r *Router) pick(msg *campaign.Message, tried []bool, last error) (*relay, error) {
	now := r.now()
	domain := ""
	if r.byDomain {
		domain = campaign.Domain(msg.Envelope.From)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.readmit(now)
	var (
		best      *relay
		bestFree  bool
		bestScore float64
		anyUp     bool // a relay in rotation and under its cap, for any message
		routable  bool // a relay that may take msg and was not tried
	)
	for i, rl := range r.relays {
		up := !now.Before(rl.outUntil) && r.underCap(rl, now)
		anyUp = anyUp || up
		if !r.routes(rl, domain) || tried[i] {
			continue
		}
		routable = routable || up
		if !up {
			continue
		}
		free := rl.inFlight < rl.workers
		score := rl.assigned + 1/rl.weight
		if !free {
			score = float64(rl.inFlight+1) / rl.weight
		}
		if best == nil || (free && !bestFree) || (free == bestFree && score < bestScore) {
			best, bestFree, bestScore = rl, free, score
		}
	}
	switch {
	case best != nil:
	case last != nil && anyUp:
		return nil, last
	case !anyUp:
		return nil, r.noRelay(campaign.Fatal, now)
	case !routable:
		return nil, r.noRelay(campaign.Temporary, now)
	}
	best.cap.TryTake() // best is under its cap and r.mu is held
	best.assigned += 1 / best.weight
	best.inFlight++
	return best, nil
}

// readmit puts back in rotation the relays whose time out is over, level
// with the others, so that they do not take every message until they caught
// up. r.mu is held.
func (r *Router) readmit(now time.Time) {
	floor, back := -1.0, false
	for _, rl := range r.relays {
		switch {
		case rl.outUntil.IsZero():
			if floor < 0 || rl.assigned < floor {
				floor = rl.assigned
			}
		case !now.Before(rl.outUntil):
			back = true
		}
	}
	if !back {
		return
	}
	for _, rl := range r.relays {
		if !rl.outUntil.IsZero() && !now.Before(rl.outUntil) {
			rl.outUntil, rl.fails = time.Time{}, 0
			rl.assigned = max(rl.assigned, floor)
			r.log.Info("relay back in rotation", "relay", rl.Name)
		}
	}
	r.changed(now)
}

// routes reports whether rl may take a message from domain ("" when
// routing by domain is off).
func (r *Router) routes(rl *relay, domain string) bool {
	if !r.byDomain {
		return true
	}
	for _, d := range rl.Domains {
		if d == domain {
			return true
		}
	}
	if len(rl.Domains) > 0 {
		return false
	}
	// A relay without domains takes the domains no relay lists.
	for _, o := range r.relays {
		for _, d := range o.Domains {
			if d == domain {
				return false
			}
		}
	}
	return true
}

// underCap reports whether rl may take one more message now, logging and
// notifying when it reaches its cap or the cap frees a slot again. r.mu is
// held.
func (r *Router) underCap(rl *relay, now time.Time) bool {
	under := rl.cap.Left() > 0
	lim, at, reached := rl.cap.Reached()
	switch {
	case reached && !rl.capLogged:
		rl.capLogged = true
		r.log.Warn("relay reached its "+lim.String()+"; out of rotation until it frees a slot", "relay", rl.Name,
			"until", at.Format(time.RFC3339))
		r.changed(now)
	case under && rl.capLogged:
		rl.capLogged = false
		r.changed(now)
	}
	return under
}

// settle ends an attempt through rl that took a cap slot and ended with
// err. It updates the relay's health, takes it out of rotation when
// err says so, and reports whether the message may go to another relay at
// once: the attempt failed before the final dot for a reason that concerns
// the relay, not the message.
func (r *Router) settle(rl *relay, err error) bool {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	rl.inFlight--
	var de *campaign.DeliveryError
	isDE := errors.As(err, &de)
	rl.cap.Settle(campaign.MayHaveDelivered(err))
	switch {
	case err == nil:
		rl.delivered++
		rl.fails, rl.outs = 0, 0
		return false
	case !isDE || errors.Is(err, ErrClosed) || errors.Is(err, context.Canceled):
		return false
	}
	rl.failed++
	switch {
	case de.Class == campaign.Fatal:
		r.takeOut(rl, err, now)
	case de.Class == campaign.Temporary && (de.Code == 0 || de.Code == 421):
		rl.fails++
		if rl.fails >= r.failAfter {
			r.takeOut(rl, err, now)
		}
	default:
		// The relay answered about this message: it is healthy.
		rl.fails = 0
		return false
	}
	return !de.Ambiguous
}

// takeOut takes rl out of rotation after err, unless it is out already.
// r.mu is held.
func (r *Router) takeOut(rl *relay, err error, now time.Time) {
	if now.Before(rl.outUntil) {
		return
	}
	d := r.outFor
	for i := 0; i < rl.outs && d < maxOutFor; i++ {
		d *= 2
	}
	d = min(d, maxOutFor)
	rl.outUntil, rl.lastErr, rl.fails = now.Add(d), err, 0
	rl.outs++
	lvl := slog.LevelWarn
	if len(r.relays) == 1 {
		lvl = slog.LevelDebug // the run stops with this error: no need to say it twice
	}
	r.log.Log(context.Background(), lvl, "relay out of rotation", "relay", rl.Name, "for", d.String(), "error", err)
	r.changed(now)
}

// noRelay returns the error of a Send that no relay may take. When every
// relay is out of rotation because of a fatal failure (authentication,
// TLS), nothing will change until the configuration does: that failure is
// returned, Fatal, as it is for a single relay. Otherwise the error wraps
// campaign.ErrNoRelay: waiting helps. r.mu is held.
func (r *Router) noRelay(class campaign.Class, now time.Time) error {
	if err := r.allFatal(now); class == campaign.Fatal && err != nil {
		return err
	}
	var why []string
	for _, rl := range r.relays {
		switch {
		case now.Before(rl.outUntil):
			why = append(why, rl.Name+": out of rotation until "+rl.outUntil.Format("15:04:05")+" after: "+errorText(rl.lastErr))
		case rl.cap.Left() <= 0:
			w := rl.Name + ": " + rl.cap.Tightest().String() + " taken by attempts under way"
			if lim, at, full := rl.cap.Reached(); full {
				w = rl.Name + ": " + lim.String() + " reached until " + at.Format("2006-01-02 15:04")
			}
			why = append(why, w)
		}
	}
	text := "every relay is out of rotation or at its cap"
	if class == campaign.Temporary {
		text = "every relay of this From domain is out of rotation or at its cap"
	}
	if len(why) > 0 {
		text += " (" + strings.Join(why, "; ") + ")"
	}
	return &campaign.DeliveryError{Class: class, Text: text, Err: campaign.ErrNoRelay}
}

// allFatal returns the failure of the relays when every one of them is out
// of rotation after a fatal failure, else nil: the relay's own error when
// there is one relay, else a Fatal error naming each. r.mu is held.
func (r *Router) allFatal(now time.Time) error {
	var why []string
	for _, rl := range r.relays {
		if !now.Before(rl.outUntil) || campaign.ClassOf(rl.lastErr) != campaign.Fatal {
			return nil
		}
		why = append(why, rl.Name+": "+errorText(rl.lastErr))
	}
	if len(r.relays) == 1 {
		return r.relays[0].lastErr
	}
	var first *campaign.DeliveryError
	errors.As(r.relays[0].lastErr, &first)
	c := *first
	c.Text, c.Err = "every relay failed: "+strings.Join(why, "; "), first
	return &c
}

// asTemporary returns err, a failure of relay name, with a Fatal class
// turned Temporary: one relay's fatal failure must not stop the run.
func asTemporary(name string, err error) error {
	var de *campaign.DeliveryError
	if !errors.As(err, &de) || de.Class != campaign.Fatal {
		return err
	}
	c := *de
	c.Class = campaign.Temporary
	text := de.Text
	if text == "" {
		text = errorText(de.Err)
	}
	c.Text = "relay " + name + " taken out of rotation: " + text
	c.Err = de
	return &c
}

// errorText returns err's text, "" for nil.
func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
