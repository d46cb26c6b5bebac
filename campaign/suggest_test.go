package campaign_test

import (
	"testing"

	"github.com/mailrun/mailrun/campaign"
)

func TestSuggest(t *testing.T) {
	columns := []string{"email", "name", "First Name", "invoice_file"}
	tests := []struct {
		word, want string
		ok         bool
	}{
		{"Name", "name", true},                // case only
		{"emial", "email", true},              // a swap
		{"first name", "First Name", true},    // case, with a space
		{"invoice_fle", "invoice_file", true}, // a letter missing
		{"zip", "", false},                    // nothing close
		{"email", "", false},                  // the word itself is no suggestion
		{"Subjet", "Subject", true},           // headers
		{"sned", "send", true},                // commands
		{"frobnicate", "", false},             // far from everything
	}
	cands := map[string][]string{
		"Subjet": {"From", "To", "Subject", "Reply-To"},
		"sned":   {"send", "preview", "validate", "status"},
	}
	for _, tt := range tests {
		c := columns
		if x, ok := cands[tt.word]; ok {
			c = x
		}
		got, ok := campaign.Suggest(tt.word, c)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Suggest(%q) = %q, %v; want %q, %v", tt.word, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := campaign.Suggest("x", nil); ok {
		t.Error("Suggest with no candidates found one")
	}
}
