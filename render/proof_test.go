package render_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

// TestProofCopy checks Options.ProofTo: the proof addresses are the only
// envelope recipients and the To header, Cc is gone, the real recipients
// are in X-Mailrun-Original-To, and the DKIM signature covers the copy as
// sent.
func TestProofCopy(t *testing.T) {
	key := newTestKeys(t)[1] // Ed25519: quick
	tmpl := mustTemplate(t, t.TempDir(),
		"From: news@example.com\nTo: {{.name}} <{{.email}}>\nCc: boss@example.com\nBcc: archive@example.com\nSubject: hi\n\n<p>Hi {{.name}}</p>\n",
		render.Options{ProofTo: []string{"Me <me@mine.example>", "qa@mine.example"}, DKIM: &render.DKIM{Selector: "sel", Key: key.signer}})
	msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{"email": "ann@example.com", "name": "Ann"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"me@mine.example", "qa@mine.example"}; !slices.Equal(msg.Envelope.To, want) || msg.Key != "ann@example.com" {
		t.Errorf("envelope %v, key %q; want %v and the real key", msg.Envelope.To, msg.Key, want)
	}
	p := parseMessage(t, msg.Data)
	if to, cc := p.header.Get("To"), p.header.Get("Cc"); to != `"Me" <me@mine.example>, <qa@mine.example>` || cc != "" {
		t.Errorf("To %q, Cc %q", to, cc)
	}
	if got := p.header.Get(render.ProofHeader); got != "ann@example.com; Cc: boss@example.com; Bcc: archive@example.com" {
		t.Errorf("%s: %q", render.ProofHeader, got)
	}
	if _, err := verifyDKIM(msg.Data, key.record); err != nil {
		t.Errorf("the proof's DKIM signature does not verify: %v", err)
	}

	_, err = newTemplate(t, t.TempDir(), "From: a@example.com\nTo: {{.email}}\n\nHi\n", render.Options{ProofTo: []string{"not an address"}})
	var ie *campaign.InputError
	if !errors.As(err, &ie) {
		t.Errorf("New with a bad proof address = %v, want an input error", err)
	}
}
