package campaign_test

import (
	"testing"

	"github.com/mailrun/mailrun/campaign"
)

func TestIsEnhancedCode(t *testing.T) {
	for s, want := range map[string]bool{
		"5.1.1": true, "2.0.0": true, "4.7.26": true, "5.123.999": true,
		"3.0.0": false, "1.1.1": false, "5.1": false, "5.1.1.1": false, "5..1": false,
		"5.1234.1": false, "55.1.1": false, "5.1.x": false, "": false, "250": false,
	} {
		if got := campaign.IsEnhancedCode(s); got != want {
			t.Errorf("IsEnhancedCode(%q) = %v, want %v", s, got, want)
		}
	}
}
