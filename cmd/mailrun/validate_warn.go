package main

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mailrun/mailrun/campaign"
	"github.com/urfave/cli/v2"
)

// unsubscribeWarnAbove is the campaign size (distinct recipients) above
// which validate warns about messages without a List-Unsubscribe header:
// Gmail and Yahoo require one-click unsubscribe from bulk senders.
const unsubscribeWarnAbove = 100

// complianceWarnings collects what validate warns about without calling it a
// problem (exit 0): From domains that the DKIM domain does not cover, and
// messages without a List-Unsubscribe header in a large campaign.
type complianceWarnings struct {
	dkimDomain string         // --dkim-domain when signing, lower case
	offDomain  map[string]int // From domains outside dkimDomain: messages
	noUnsub    int            // messages without List-Unsubscribe
}

func newComplianceWarnings(c *cli.Context) complianceWarnings {
	w := complianceWarnings{offDomain: map[string]int{}}
	if c.String("dkim-key") != "" {
		w.dkimDomain = strings.ToLower(c.String("dkim-domain"))
	}
	return w
}

// note takes in one rendered message.
func (w *complianceWarnings) note(msg *campaign.Message) {
	if w.dkimDomain != "" {
		from := strings.ToLower(msg.Envelope.From[strings.LastIndexByte(msg.Envelope.From, '@')+1:])
		if from != w.dkimDomain && !strings.HasSuffix(from, "."+w.dkimDomain) {
			w.offDomain[from]++
		}
	}
	if !hasHeader(msg.Data, "List-Unsubscribe") {
		w.noUnsub++
	}
}

// print writes one "warning:" line per finding to out.
func (w *complianceWarnings) print(out io.Writer, recipients int) {
	domains := make([]string, 0, len(w.offDomain))
	for d := range w.offDomain {
		domains = append(domains, d)
	}
	sort.Strings(domains)
	for _, d := range domains {
		fmt.Fprintf(out, "warning: %s from %s, which is not the DKIM domain %s or a subdomain of it: receivers will not count the signature as aligned (DMARC)\n",
			plural(w.offDomain[d], "message"), oneLine(d), w.dkimDomain)
	}
	if recipients > unsubscribeWarnAbove && w.noUnsub > 0 {
		fmt.Fprintf(out, "warning: %s of a campaign to %d recipients %s no List-Unsubscribe header: bulk senders need one-click unsubscribe (--unsubscribe-url)\n",
			plural(w.noUnsub, "message"), recipients, map[bool]string{true: "has", false: "have"}[w.noUnsub == 1])
	}
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
