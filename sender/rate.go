package sender

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/time/rate"
)

// ParseRate parses a sending rate: a number of messages per second, minute
// or hour written "10/s", "600/m" or "20000/h" (fractions such as "0.5/s"
// are allowed), or "0" for unlimited, which returns rate.Inf. Any other
// input, a negative or non-finite number included, is an error that names
// the accepted forms.
func ParseRate(s string) (rate.Limit, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return rate.Inf, nil
	}
	num, unit, ok := strings.Cut(s, "/")
	var per float64
	switch strings.TrimSpace(unit) {
	case "s":
		per = 1
	case "m":
		per = 60
	case "h":
		per = 3600
	default:
		ok = false
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("sender: rate %q: want N/s, N/m or N/h (for example 10/s or 600/m), or 0 for unlimited", s)
	}
	if n == 0 {
		return rate.Inf, nil
	}
	return rate.Limit(n / per), nil
}
