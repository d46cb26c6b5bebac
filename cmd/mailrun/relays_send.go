package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender"
	"github.com/urfave/cli/v2"
)

// relayFlags are send's flags for several relays and for sharding.
func relayFlags() []cli.Flag {
	return []cli.Flag{
		stringFlag("route-by", "", "`RULE` pinning messages to relays: from-domain sends a message only through the relays whose domains= list its From domain", false),
		stringFlag("shard", "", "send only shard `I/N` of the list (by a hash of the recipient key), e.g. 2/3; each shard has its own state file", false),
	}
}

// smtpFlag is --smtp: repeatable, one relay each.
func smtpFlag() cli.Flag {
	return listFlag("smtp", "`URL` of an SMTP server: smtp://[user@]host[:port] (STARTTLS) or smtps://... (implicit TLS); repeat it to spread the campaign "+
		"over several relays, each with its own settings after ?: "+relayKeys, false)
}

// relaySpecs returns the relays of a run: one per --smtp value (from the
// command line, MAILRUN_SMTP or the config file's smtp key), else one per
// entry of the config file's relays list. Global flags give the settings a
// relay does not set. Relay names must be unique. Errors are usage errors.
func relaySpecs(c *cli.Context) ([]relaySpec, error) {
	raw := joinURLFragments(c.StringSlice("smtp"))
	if len(raw) == 0 {
		var err error
		if raw, err = configRelays(c); err != nil {
			return nil, err
		}
	}
	def, err := flagRelayDefaults(c)
	if err != nil {
		return nil, err
	}
	label := "--smtp #"
	if len(c.StringSlice("smtp")) == 0 {
		label = "--config relays entry "
	}
	var specs []relaySpec
	seen := map[string]bool{}
	for i, s := range raw {
		spec, err := parseRelay(s, label+strconv.Itoa(i+1), def)
		if err != nil {
			return nil, err
		}
		if seen[spec.name] {
			return nil, usageError(fmt.Sprintf("%s%d: relay name %q is taken: give each relay its own name", label, i+1, spec.name))
		}
		seen[spec.name] = true
		specs = append(specs, spec)
	}
	if rb := c.String("route-by"); rb != "" && rb != "from-domain" {
		return nil, usageError(fmt.Sprintf("--route-by %q: the only rule is from-domain", rb))
	}
	return specs, nil
}

// flagRelayDefaults returns the settings of the global flags, which a
// relay that does not set its own uses. Errors are usage errors.
func flagRelayDefaults(c *cli.Context) (relayDefaults, error) {
	r, err := sender.ParseRate(c.String("rate"))
	if err != nil {
		return relayDefaults{}, usageError("--rate: " + err.Error())
	}
	if p := c.String("tls-policy"); p != "" {
		if _, err := sender.ParseURL("smtp://localhost", p); err != nil {
			return relayDefaults{}, asUsageError(fmt.Errorf("--tls-policy: %w", err))
		}
	}
	if c.Int("max-rcpt-per-message") < 0 {
		return relayDefaults{}, usageError("--max-rcpt-per-message must be 0 (no cap) or more")
	}
	return relayDefaults{workers: c.Int("workers"), burst: c.Int("burst"), maxPerConn: c.Int("max-per-conn"), rate: r,
		maxRcpt: c.Int("max-rcpt-per-message"), tlsPolicy: c.String("tls-policy")}, nil
}

// newSMTPSender returns a sender.Router over every relay (a single relay is
// a Router of one), and the number of runner workers that keeps it busy.
// delivered holds the deliveries the state file records by relay, for
// their caps; loc gives the days of max-per-day; pacer takes the throttling
// replies about one recipient.
func newSMTPSender(c *cli.Context, log *slog.Logger, specs []relaySpec, delivered map[string][]campaign.DeliveryCount,
	loc *time.Location, pacer *sender.DomainPacer) (campaign.Sender, int, error) {
	creds := newCredentials(c)
	base := sender.Config{
		TLSPolicy:     c.String("tls-policy"),
		TLSSkipVerify: c.Bool("tls-skip-verify"),
		HelloName:     c.String("hello"),
		Timeout:       c.Duration("timeout"),
		DataTimeout:   c.Duration("data-timeout"),
		Logger:        log,
		Pacer:         pacer,
	}
	var relays []sender.Relay
	for _, s := range specs {
		cfg := base
		cfg.URL, cfg.Workers, cfg.Rate, cfg.Burst, cfg.MaxPerConn = s.url, s.workers, s.rate, s.burst, s.maxPerConn
		cfg.MaxRcptPerMessage = s.maxRcpt
		cfg.Auth, cfg.TLSCAFile = creds.setting(s, "auth"), creds.setting(s, "tls-ca")
		var err error
		if creds.usesTokens(s) {
			cfg.Tokens, err = creds.tokens(s)
		} else {
			cfg.Password, err = creds.secret(s, passwordSecret)
		}
		if err != nil {
			return nil, 0, err
		}
		limits, err := capLimits(s.maxPerDay, s.maxPer24h, loc, "relay "+s.name+": ")
		if err != nil {
			return nil, 0, err
		}
		relays = append(relays, sender.Relay{Name: s.name, Config: cfg, Weight: s.weight, Domains: s.domains,
			Limits: limits, Delivered: delivered[s.name]})
	}
	rt, err := sender.NewRouter(sender.RouterConfig{Relays: relays, RouteByFromDomain: c.String("route-by") == "from-domain",
		Logger: log})
	if err != nil {
		return nil, 0, asUsageError(err)
	}
	for _, s := range specs {
		log.Debug("relay", "name", s.name, "server", s.url, "workers", s.workers, "rate", rateText(s),
			"max_per_day", s.maxPerDay, "max_per_24h", s.maxPer24h)
	}
	return rt, rt.Workers(), nil
}

// rateText describes the rate of s: "unlimited rate" or "at most 10/s".
func rateText(s relaySpec) string {
	if s.rate > 1e300 || s.rate <= 0 {
		return "unlimited rate"
	}
	return "at most " + strconv.FormatFloat(float64(s.rate), 'f', -1, 64) + "/s"
}

// watchRelays makes a sender.Router report the relays out of rotation to
// p, for the progress display. Other senders are left alone.
func watchRelays(snd campaign.Sender, p *campaign.Progress) {
	if rt, ok := snd.(*sender.Router); ok {
		rt.Notify(p.SetRelaysOut)
	}
}

// relayLimits returns the caps of every relay together (loc gives the days
// of max-per-day), for the period the state file must count.
func relayLimits(specs []relaySpec, loc *time.Location) []campaign.Limit {
	var all []campaign.Limit
	for _, s := range specs {
		l, _ := capLimits(s.maxPerDay, s.maxPer24h, loc, "")
		all = append(all, l...)
	}
	return all
}

// shardOf returns --shard, the zero Shard when it is not given.
func shardOf(c *cli.Context) (campaign.Shard, error) {
	s := c.String("shard")
	if s == "" {
		return campaign.Shard{}, nil
	}
	sh, err := campaign.ParseShard(s)
	if err != nil {
		return campaign.Shard{}, usageError("--shard: want I/N with 1 <= I <= N, for example 2/3")
	}
	return sh, nil
}

// relayConfigKeys are the keys of one entry of the config file's relays
// list: url and the query settings of --smtp.
var relayConfigKeys = func() map[string]bool {
	keys := map[string]bool{"url": true}
	for k := range strings.SplitSeq(relayKeys, ", ") {
		keys[k] = true
	}
	return keys
}()

// configRelays returns the config file's relays list as --smtp values:
//
//	relays:
//	  - url: smtp://user@ses.example.com:587
//	    name: ses
//	    rate: 14/s
//	    password-file: /run/secrets/ses
//	  - {url: "smtp://mx.example.com", workers: 8, domains: [example.org]}
//
// It returns nil when there is no config file or no relays key. Errors are
// usage errors naming the file and the entry, never a value.
func configRelays(c *cli.Context) ([]string, error) {
	path := c.String("config")
	if path == "" {
		return nil, nil
	}
	values, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	v, ok := values["relays"]
	if !ok || v == nil {
		return nil, nil
	}
	list, ok := v.([]interface{})
	if !ok {
		return nil, usageError(fmt.Sprintf("--config %s: relays must be a list of relays (url:, name:, rate:, ...)", path))
	}
	var out []string
	for i, e := range list {
		bad := func(what string) error {
			return usageError(fmt.Sprintf("--config %s: relays entry %d: %s", path, i+1, what))
		}
		m := map[string]interface{}{}
		switch e := e.(type) {
		case map[string]interface{}:
			m = e
		case map[interface{}]interface{}:
			for k, val := range e {
				m[fmt.Sprint(k)] = val
			}
		default:
			return nil, bad("want a mapping with url: and settings")
		}
		u, ok := m["url"].(string)
		if !ok || u == "" {
			return nil, bad("url: is missing or not a string")
		}
		q := url.Values{}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !relayConfigKeys[k] {
				return nil, bad(fmt.Sprintf("unknown key %q (known: url, %s)", k, relayKeys))
			}
			if k == "url" {
				continue
			}
			switch val := m[k].(type) {
			case []interface{}:
				for _, x := range val {
					q.Add(k, fmt.Sprint(x))
				}
			case string, int, float64, bool:
				q.Set(k, fmt.Sprint(val))
			default:
				return nil, bad(fmt.Sprintf("%s: want a value or a list", k))
			}
		}
		if strings.Contains(u, "?") {
			return nil, bad("give the settings as keys of the entry, not after ? in url:")
		}
		out = append(out, u+"?"+q.Encode())
	}
	return out, nil
}
