package campaign

import (
	"bytes"
	"sort"
	"strings"
)

// UnsubscribeWarnAbove is the campaign size (messages) above which an Audit
// warns about messages without a List-Unsubscribe header: Gmail and Yahoo
// require one-click unsubscribe from bulk senders.
const UnsubscribeWarnAbove = 100

// Audit collects, over the messages of a campaign, what deserves a warning
// without failing any row: From domains that the DKIM signing domain does
// not cover (receivers will not count the signature as aligned for DMARC),
// and messages without a List-Unsubscribe header in a campaign of more than
// UnsubscribeWarnAbove messages. The zero Audit checks the header only. An
// Audit is not safe for concurrent use.
type Audit struct {
	// DKIMDomain is the fixed signing domain, "" when messages are not
	// signed or each is signed for its own From domain.
	DKIMDomain string

	messages  int
	offDomain map[string]int
	noUnsub   int
}

// WarningKind says what a Warning is about.
type WarningKind int

const (
	// WarnUnaligned: messages from Domain, which is neither the DKIM domain
	// nor a subdomain of it.
	WarnUnaligned WarningKind = iota + 1
	// WarnNoUnsubscribe: messages without a List-Unsubscribe header in a
	// bulk campaign.
	WarnNoUnsubscribe
)

// Warning is one finding of an Audit.
type Warning struct {
	Kind WarningKind
	// Messages counts the messages concerned; Total is the campaign's.
	Messages, Total int
	// Domain is the From domain of a WarnUnaligned warning.
	Domain string
}

// Note takes in one rendered message.
func (a *Audit) Note(msg *Message) {
	a.messages++
	if d := strings.ToLower(a.DKIMDomain); d != "" {
		from := Domain(msg.Envelope.From)
		if from != d && !strings.HasSuffix(from, "."+d) {
			if a.offDomain == nil {
				a.offDomain = map[string]int{}
			}
			a.offDomain[from]++
		}
	}
	if !hasHeader(msg.Data, "List-Unsubscribe") {
		a.noUnsub++
	}
}

// Warnings returns the findings, unaligned domains first (sorted), then the
// missing List-Unsubscribe headers.
func (a *Audit) Warnings() []Warning {
	var out []Warning
	for d, n := range a.offDomain {
		out = append(out, Warning{Kind: WarnUnaligned, Messages: n, Total: a.messages, Domain: d})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	if a.messages > UnsubscribeWarnAbove && a.noUnsub > 0 {
		out = append(out, Warning{Kind: WarnNoUnsubscribe, Messages: a.noUnsub, Total: a.messages})
	}
	return out
}

// hasHeader reports whether the header section of the message data has a
// field named name (case-insensitive).
func hasHeader(data []byte, name string) bool {
	head := data
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		head = data[:i+2]
	}
	for line := range bytes.SplitSeq(head, []byte("\r\n")) {
		if n, _, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(n, []byte(name)) {
			return true
		}
	}
	return false
}
