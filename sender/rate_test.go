package sender_test

import (
	"math"
	"testing"

	"github.com/mailrun/mailrun/sender"
	"golang.org/x/time/rate"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		want    rate.Limit
		wantErr bool
	}{
		{"10/s", 10, false},
		{"600/m", 10, false},
		{"36000/h", 10, false},
		{" 0.5/s ", 0.5, false},
		{"0", rate.Inf, false},
		{"0/m", rate.Inf, false},
		{"10", 0, true},
		{"10/d", 0, true},
		{"-1/s", 0, true},
		{"inf/s", 0, true},
		{"NaN/s", 0, true},
		{"", 0, true},
		{"/s", 0, true},
		{"ten/s", 0, true},
	}
	for _, tt := range tests {
		got, err := sender.ParseRate(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseRate(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && math.Abs(float64(got-tt.want)) > 1e-9 && got != tt.want {
			t.Errorf("ParseRate(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzParseRate checks that ParseRate never returns a negative, NaN or zero
// limit without an error.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"10/s", "600/m", "20000/h", "0", "1e308/s", "-0/s", "0x10/s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := sender.ParseRate(s)
		if err == nil && (r <= 0 || math.IsNaN(float64(r))) {
			t.Fatalf("ParseRate(%q) = %v without an error", s, r)
		}
	})
}
