package render

import (
	"bytes"
	"fmt"
	"net/mail"
	"strings"

	"github.com/mailrun/mailrun/campaign"
)

// ProofHeader names the header of a proof copy that holds the message's
// real recipients.
const ProofHeader = "X-Mailrun-Original-To"

// parseProofTo parses Options.ProofTo for New.
func parseProofTo(list []string) ([]*mail.Address, error) {
	var out []*mail.Address
	for _, s := range list {
		a, err := mail.ParseAddress(strings.TrimSpace(s))
		if err != nil {
			return nil, &campaign.InputError{Err: fmt.Errorf("render: proof address %q: %v", s, err)}
		}
		out = append(out, a)
	}
	return out, nil
}

// writeProofHeaders writes the To header of a proof copy (the proof
// addresses) and ProofHeader with the real To, Cc and Bcc addresses of hr.
func (t *Template) writeProofHeaders(b *bytes.Buffer, hr headerResult) error {
	if err := writeAddressHeader(b, "To", t.proofTo); err != nil {
		return err
	}
	var parts []string
	for _, l := range []struct {
		label string
		addrs []*mail.Address
	}{{"", hr.to}, {"Cc: ", hr.cc}, {"Bcc: ", hr.bcc}} {
		if len(l.addrs) == 0 {
			continue
		}
		bare := make([]string, len(l.addrs))
		for i, a := range l.addrs {
			bare[i] = a.Address
		}
		parts = append(parts, l.label+strings.Join(bare, ", "))
	}
	writeText(b, ProofHeader, strings.Join(parts, "; "))
	return nil
}
