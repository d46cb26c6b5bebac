package campaign_test

import (
	"context"
	"testing"

	"github.com/mailrun/mailrun/campaign"
)

// Two addresses with the same 64-bit FNV-1a hash, found with a
// distinguished-point collision search (about 2^32 hashes, two minutes on
// two cores). Keys are compared whole, so each is its own recipient.
const (
	collideA = "9d3655414a6dcb64@x.io"
	collideB = "56b3c067732dc400@x.io"
)

func TestCollidingKeysAreTwoRecipients(t *testing.T) {
	if campaign.HashKey(collideA) != campaign.HashKey(collideB) {
		t.Fatalf("HashKey(%s) = %x, HashKey(%s) = %x: not a collision", collideA, campaign.HashKey(collideA), collideB, campaign.HashKey(collideB))
	}
	var kt campaign.KeyTable
	kt.AddString(collideA, 1)
	if v, found := kt.AddString(collideB, 2); found {
		t.Fatalf("AddString(%s) found it, with the value %d of %s", collideB, v, collideA)
	}
	for key, want := range map[string]uint64{collideA: 1, collideB: 2} {
		if v, ok := kt.Get(key); !ok || v != want {
			t.Errorf("Get(%s) = %d, %v; want %d", key, v, ok, want)
		}
	}

	snd := &fakeSender{}
	j := &fakeJournal{}
	r := &campaign.Runner{Source: &fakeRows{emails: []string{collideA, collideB, collideA}}, Renderer: fakeRenderer{}, Sender: snd, Journal: j}
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != 2 || sum.Duplicates != 1 || snd.attempts[collideA] != 1 || snd.attempts[collideB] != 1 {
		t.Errorf("%d sent, %d duplicates, attempts %v; want both addresses sent once and the third row a duplicate", sum.Sent, sum.Duplicates, snd.attempts)
	}
}
