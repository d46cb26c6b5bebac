package campaign

import (
	"strings"
	"time"
)

// Pacer spaces deliveries by recipient domain, so that a receiver that asks
// for a slower pace gets it without holding up mail to the others. The
// runner asks it before each attempt; an attempt it holds back does not
// occupy a worker meanwhile. Methods are safe for concurrent use.
type Pacer interface {
	// Admit reports whether an attempt of msg to rcpts, its pending
	// recipients, may start now. When it may, Admit returns 0 and holds
	// the attempt's place (its domains' rate and concurrency) until Done;
	// otherwise it holds nothing and returns how long to wait before
	// asking again.
	Admit(msg *Message, rcpts []string) time.Duration
	// Done ends an attempt that Admit let start.
	Done(msg *Message, rcpts []string)
}

// Domain returns the domain of the bare address addr, lower-cased: what
// follows its last "@" (a quoted local part may hold one), "" without one.
func Domain(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

// Domains returns the distinct domains of addrs (see Domain), in their
// first order.
func Domains(addrs []string) []string {
	out := make([]string, 0, 1)
	for _, a := range addrs {
		d := Domain(a)
		seen := false
		for _, o := range out {
			if o == d {
				seen = true
				break
			}
		}
		if !seen {
			out = append(out, d)
		}
	}
	return out
}
