package campaign

import (
	"context"
	"log/slog"
	"strings"
)

// suppress applies Runner.Suppress to msg. It returns true when the row
// must not be sent (a To recipient is suppressed), after recording it as
// suppressed unless the state file already does; otherwise it drops the
// suppressed Cc and Bcc recipients from msg's envelope and returns false.
func (s *runState) suppress(msg *Message) bool {
	r, p := s.r, s.r.Progress
	to := msg.Envelope.To
	primary := msg.Envelope.Primary
	if primary <= 0 || primary > len(to) {
		primary = len(to)
	}
	for _, a := range to[:primary] {
		if !r.Suppress.Contains(a) {
			continue
		}
		if prev, ok := r.Journal.Previous(msg.Key); ok && prev == StatusSuppressed {
			p.suppressed.Add(1)
			return true
		}
		s.record(Outcome{Row: msg.Row, Key: msg.Key, MessageID: msg.ID, Status: StatusSuppressed,
			Recipient: a, Reply: "suppressed: <" + a + "> is on a suppression list"}, &p.suppressed)
		return true
	}
	var dropped []string
	kept := to[:primary:primary]
	for _, a := range to[primary:] {
		if r.Suppress.Contains(a) {
			dropped = append(dropped, a)
		} else {
			kept = append(kept, a)
		}
	}
	if len(dropped) > 0 {
		msg.Envelope.To = kept
		r.Logger.Log(context.Background(), slog.LevelInfo, "suppressed recipients left out", "row", msg.Row, "key", msg.Key,
			"recipients", strings.Join(dropped, ", "))
	}
	return false
}
