package main

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/sender"
	"github.com/urfave/cli/v2"
	"golang.org/x/time/rate"
)

// timeZone returns --tz, time.Local when it is not given. An unknown zone is
// a usage error.
func timeZone(c *cli.Context) (*time.Location, error) {
	tz := c.String("tz")
	if tz == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, usageError(fmt.Sprintf("--tz %q: not a time zone name such as Europe/Paris or UTC", tz))
	}
	return loc, nil
}

// capLimits returns the limits of --max-per-day (calendar days in loc) and
// --max-per-24h (rolling) with the values perDay and per24h, leaving out
// those of 0. name says whose they are, for errors ("--" for the flags).
func capLimits(perDay, per24h int, loc *time.Location, name string) ([]campaign.Limit, error) {
	if perDay < 0 || per24h < 0 {
		return nil, usageError(fmt.Sprintf("%smax-per-day and %smax-per-24h must be 0 (no cap) or more", name, name))
	}
	var limits []campaign.Limit
	if perDay > 0 {
		limits = append(limits, campaign.Limit{Max: perDay, Location: loc})
	}
	if per24h > 0 {
		limits = append(limits, campaign.Limit{Max: per24h, Rolling: 24 * time.Hour})
	}
	return limits, nil
}

// sendSchedule returns the schedule of --window and --days in loc, nil
// when neither is given. Errors are usage errors.
func sendSchedule(c *cli.Context, loc *time.Location) (*campaign.Schedule, error) {
	wins, days := c.StringSlice("window"), c.String("days")
	if len(wins) == 0 && days == "" {
		if c.Bool("no-wait") {
			return nil, usageError("--no-wait goes with --window or --days")
		}
		return nil, nil
	}
	s := &campaign.Schedule{Location: loc}
	for _, w := range wins {
		win, err := campaign.ParseWindow(w)
		if err != nil {
			return nil, asUsageError(fmt.Errorf("--window: %w", err))
		}
		s.Windows = append(s.Windows, win)
	}
	if days != "" {
		d, err := campaign.ParseDays(days)
		if err != nil {
			return nil, asUsageError(fmt.Errorf("--days: %w", err))
		}
		s.Days = d
	}
	return s, nil
}

// capText describes a limit for messages: "the daily cap of 500
// deliveries (--max-per-day)".
func capText(l campaign.Limit) string {
	flag := "--max-per-day"
	if l.Rolling > 0 {
		flag = "--max-per-24h"
	}
	return "the " + l.String() + " (" + flag + ")"
}

// paceFlags are send's flags for the limits of providers and receivers per
// message and per recipient domain.
func paceFlags() []cli.Flag {
	return []cli.Flag{
		intFlag("max-rcpt-per-message", 0, "send at most `N` envelope recipients in one transaction (a provider's limit, e.g. 100 for Gmail); the rest go in further transactions; 0 = the server's limit only"),
		listFlag("domain-rate", "rates of recipient `DOMAIN=R` pairs, e.g. naver.com=5/s,daum.net=2/s; *=R sets every other domain's", false),
		intFlag("domain-workers", 0, "at most `N` messages under way to one recipient domain at once; 0 = no limit but --workers"),
	}
}

// domainPacer returns the pacer of recipient domains of --domain-rate and
// --domain-workers. It exists even without them: a receiver's throttling
// reply then slows its domain alone. Errors are usage errors.
func domainPacer(c *cli.Context, log *slog.Logger) (*sender.DomainPacer, error) {
	cfg := sender.PacerConfig{Rates: map[string]rate.Limit{}, Workers: c.Int("domain-workers"), Logger: log}
	if cfg.Workers < 0 {
		return nil, usageError("--domain-workers must be 0 (no limit) or more")
	}
	for _, pair := range c.StringSlice("domain-rate") {
		d, r, ok := strings.Cut(strings.TrimSpace(pair), "=")
		lim, err := sender.ParseRate(r)
		d = strings.ToLower(strings.TrimSpace(d))
		if !ok || d == "" || err != nil {
			return nil, usageError(fmt.Sprintf("--domain-rate %q: want DOMAIN=RATE pairs such as naver.com=5/s,daum.net=2/s", pair))
		}
		if d == "*" {
			cfg.Default = lim
		} else {
			cfg.Rates[d] = lim
		}
	}
	return sender.NewDomainPacer(cfg), nil
}
