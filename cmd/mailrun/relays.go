package main

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/mailrun/mailrun/sender"
	"golang.org/x/time/rate"
)

// relaySpec is one relay as --smtp (or the config file's relays list)
// describes it: the SMTP URL without its query, and the per-relay settings
// of the query, each falling back to the global flag when absent.
type relaySpec struct {
	url        string // smtp://[user@]host[:port], no query
	name       string
	weight     float64
	workers    int
	rate       rate.Limit
	burst      int
	maxPerConn int
	maxPerDay  int
	maxPer24h  int
	maxRcpt    int // recipients per transaction, 0: no cap
	domains    []string
	// settings holds the relay's own values of the credential settings
	// (relaySettingKeys): password-file, auth, token-command, oauth-...
	settings map[string]string
}

// relayDefaults are the global settings a relay spec falls back to.
type relayDefaults struct {
	workers, burst, maxPerConn, maxRcpt int
	rate                                rate.Limit
	tlsPolicy                           string
}

// relay returns the spec of a relay named name at url that sets nothing
// of its own.
func (def relayDefaults) relay(url, name string) relaySpec {
	return relaySpec{url: url, name: name, workers: def.workers, rate: def.rate, burst: def.burst,
		maxPerConn: def.maxPerConn, maxRcpt: def.maxRcpt}
}

// relayKeys are the query parameters a relay URL may carry.
var relayKeys = "name, weight, workers, rate, burst, max-per-conn, max-per-day, max-per-24h, max-rcpt-per-message, domains, " +
	strings.Join(relaySettingKeys, ", ")

// parseRelay parses one --smtp value: an SMTP URL whose query may carry the
// relay's own settings, for example
//
//	smtp://user@host:587?name=ses&workers=4&rate=14/s&burst=2&max-per-conn=100&max-per-day=50000&domains=example.com,example.org
//
// where names the value for errors ("--smtp #2"). The name defaults to the
// URL's host. Errors are usage errors that name the relay by position and
// never repeat the URL (it may hold a mistyped password).
func parseRelay(raw, where string, def relayDefaults) (relaySpec, error) {
	base, query, _ := strings.Cut(strings.TrimSpace(raw), "?")
	ep, err := sender.ParseURL(base, def.tlsPolicy)
	if err != nil {
		return relaySpec{}, asUsageError(fmt.Errorf("%s: %w", where, err))
	}
	spec := def.relay(strings.TrimSpace(base), ep.Host)
	q, err := url.ParseQuery(query)
	if err != nil {
		return relaySpec{}, usageError(where + ": the settings after ? must be key=value pairs joined by &")
	}
	for key, vals := range q {
		v := vals[len(vals)-1]
		bad := func(want string) error {
			return usageError(fmt.Sprintf("%s: %s=%q: want %s", where, key, v, want))
		}
		switch key {
		case "name":
			if v == "" || strings.ContainsAny(v, " \t\r\n\"") {
				return relaySpec{}, bad("a name without spaces or quotes")
			}
			spec.name = v
		case "weight":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 || f > 1e9 {
				return relaySpec{}, bad("a positive number")
			}
			spec.weight = f
		case "rate":
			r, err := sender.ParseRate(v)
			if err != nil {
				return relaySpec{}, bad("N/s, N/m or N/h, or 0 for unlimited")
			}
			spec.rate = r
		case "workers", "burst", "max-per-conn", "max-per-day", "max-per-24h", "max-rcpt-per-message":
			i, err := strconv.Atoi(v)
			if err != nil || i < 0 || (i == 0 && (key == "workers" || key == "burst" || key == "max-per-conn")) {
				return relaySpec{}, bad("a whole number above 0")
			}
			*map[string]*int{"workers": &spec.workers, "burst": &spec.burst, "max-per-conn": &spec.maxPerConn,
				"max-per-day": &spec.maxPerDay, "max-per-24h": &spec.maxPer24h, "max-rcpt-per-message": &spec.maxRcpt}[key] = i
		case "domains", "domain":
			for _, v := range vals {
				for _, d := range strings.Split(v, ",") {
					if d = strings.TrimSpace(d); d != "" {
						spec.domains = append(spec.domains, strings.ToLower(d))
					}
				}
			}
		default:
			if slices.Contains(relaySettingKeys, key) {
				if spec.settings == nil {
					spec.settings = map[string]string{}
				}
				spec.settings[key] = v
				continue
			}
			return relaySpec{}, usageError(fmt.Sprintf("%s: unknown setting %q (known: %s)", where, key, relayKeys))
		}
	}
	return spec, nil
}

// joinURLFragments undoes urfave/cli's splitting of slice flags at commas:
// a piece that does not start a new smtp:// or smtps:// URL belongs to the
// previous one (domains=a.com,b.com).
func joinURLFragments(vals []string) []string {
	var out []string
	for _, v := range vals {
		low := strings.ToLower(strings.TrimSpace(v))
		if len(out) > 0 && !strings.HasPrefix(low, "smtp://") && !strings.HasPrefix(low, "smtps://") {
			out[len(out)-1] += "," + v
			continue
		}
		out = append(out, v)
	}
	return out
}
