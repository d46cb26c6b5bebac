package campaign_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
)

func TestVERPToken(t *testing.T) {
	const id = "9f2c4e1ab3d5f7091a2b3c4d5e6f7081"
	tok := campaign.VERPToken(id, 17, "ann@example.com")
	if !regexp.MustCompile(`^r17-[a-z2-7]{10}$`).MatchString(tok) {
		t.Fatalf("token %q, want r17- and 10 base32 characters", tok)
	}
	if again := campaign.VERPToken(id, 17, "ann@example.com"); again != tok {
		t.Errorf("token not deterministic: %q, %q", tok, again)
	}
	for _, other := range []string{
		campaign.VERPToken(id, 18, "ann@example.com"),
		campaign.VERPToken(id, 17, "bob@example.com"),
		campaign.VERPToken("another-campaign", 17, "ann@example.com"),
	} {
		if other == tok {
			t.Errorf("token %q repeats for another row, key or campaign", tok)
		}
	}

	// Found in any case, anywhere in the local part, never in the domain.
	for _, addr := range []string{
		"bounces+" + tok + "@example.com",
		strings.ToUpper("bounces+"+tok) + "@example.com",
		tok + "@example.com",
		"bounces=" + tok + "=x@example.com",
	} {
		rows, macs := campaign.VERPRows(addr)
		if len(rows) != 1 || rows[0] != 17 || !campaign.CheckVERP(id, rows[0], "ann@example.com", macs[0]) {
			t.Errorf("VERPRows(%q) = %v %v, want row 17 with a MAC that checks", addr, rows, macs)
		}
	}
	if rows, _ := campaign.VERPRows("bounces@" + tok + ".example.com"); len(rows) != 0 {
		t.Errorf("a token in the domain was read: %v", rows)
	}
	rows, macs := campaign.VERPRows("bounces+" + tok + "@example.com")
	if campaign.CheckVERP(id, rows[0], "bob@example.com", macs[0]) || campaign.CheckVERP("x", rows[0], "ann@example.com", macs[0]) {
		t.Error("a token checked for another key or campaign")
	}
	forged := tok[:len(tok)-1] + "a"
	if forged == tok {
		forged = tok[:len(tok)-1] + "b"
	}
	rows, macs = campaign.VERPRows(forged + "@example.com")
	if len(rows) == 1 && campaign.CheckVERP(id, rows[0], "ann@example.com", macs[0]) {
		t.Error("a changed MAC checked")
	}
}

func TestParseReturnPath(t *testing.T) {
	const id = "c1"
	tests := []struct {
		in, want, err string
	}{
		{in: "", want: ""},
		{in: "bounces@example.com", want: "bounces@example.com"},
		{in: "bounces+{{verp}}@example.com", want: "bounces+" + campaign.VERPToken(id, 3, "k") + "@example.com"},
		{in: "{{verp}}@bounces.example.com", want: campaign.VERPToken(id, 3, "k") + "@bounces.example.com"},
		{in: "bounces@{{verp}}.example.com", err: "local part"},
		{in: "b+{{verp}}+{{verp}}@example.com", err: "only once"},
		{in: "b+{{.email}}@example.com", err: "only placeholder"},
		{in: "Bounces <b@example.com>", err: "bare address"},
		{in: "b@example.com\r\nX: y", err: "bare address"},
		{in: "bö@example.com", err: "ASCII"},
	}
	for _, tt := range tests {
		rp, err := campaign.ParseReturnPath(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseReturnPath(%q): %v, want an error about %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseReturnPath(%q): %v", tt.in, err)
			continue
		}
		if got := rp.Address(id, 3, "k"); got != tt.want || rp.IsZero() != (tt.in == "") {
			t.Errorf("ParseReturnPath(%q).Address = %q (zero %v), want %q", tt.in, got, rp.IsZero(), tt.want)
		}
	}
}
