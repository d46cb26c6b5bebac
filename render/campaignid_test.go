package render_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

// TestSetCampaignID checks that a campaign id set after parsing is the one
// the Message-IDs are made of, and that it leaves the hash alone (send
// records the hash before it knows the id).
func TestSetCampaignID(t *testing.T) {
	tmpl := mustTemplate(t, t.TempDir(), basic, render.Options{KeyColumn: "id"})
	hash := tmpl.Hash()
	tmpl.SetCampaignID("from-the-state-file")
	msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{"email": "bob@example.com", "name": "Bob", "order": "1", "file": "", "id": "C-0042"}})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("from-the-state-file\x00C-0042"))
	if want := hex.EncodeToString(sum[:16]) + "@example.com"; msg.ID != want {
		t.Errorf("Message-ID %q, want %q", msg.ID, want)
	}
	if tmpl.Hash() != hash {
		t.Errorf("the hash changed from %s to %s", hash, tmpl.Hash())
	}
}
