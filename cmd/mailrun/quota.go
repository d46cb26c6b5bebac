package main

import (
	"fmt"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/urfave/cli/v2"
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
