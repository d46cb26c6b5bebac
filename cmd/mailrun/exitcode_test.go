package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/source"
	"github.com/mailrun/mailrun/sender"
	"github.com/urfave/cli/v2"
)

// TestExitCode checks the exit code and the message of every kind of error,
// each code of the table included.
func TestExitCode(t *testing.T) {
	input := &campaign.InputError{File: "list.csv", Line: 3, Err: errors.New("bad")}
	fatal := &campaign.DeliveryError{Class: campaign.Fatal, Code: 535, Text: "authentication failed"}
	noRelay := &campaign.DeliveryError{Class: campaign.Fatal, Text: "every relay is out of rotation", Err: campaign.ErrNoRelay}
	tests := []struct {
		name string
		err  error
		want int
		msg  string // a part of the message the user sees
	}{
		{"nil", nil, 0, ""},
		{"plain error", errors.New("boom"), 1, "boom"},
		{"wrapped fs error", fmt.Errorf("open: %w", fs.ErrNotExist), 1, "open: file does not exist"},
		{"usage error", usageError("--limit must be at least 1"), 2, "--limit must be at least 1"},
		{"wrapped usage error", fmt.Errorf("send: %w", usageError("x")), 2, "send: x"},
		{"marked usage error", asUsageError(errors.New("flag provided but not defined: -x")), 2, "-x"},
		{"password in the URL", asUsageError(fmt.Errorf("--smtp #1: %w", sender.ErrPasswordInURL)), 2, "MAILRUN_SMTP_PASSWORD or --smtp-password-file"},
		{"input error", input, 3, "list.csv:3: bad"},
		{"wrapped input error", fmt.Errorf("data: %w", input), 3, "data: list.csv:3: bad"},
		{"delimiter hint", &campaign.InputError{File: "l.csv", Err: &source.DelimiterError{Header: "a;b", Guess: ';'}}, 3, "pass --delimiter ';'"},
		{"encoding hint", &campaign.InputError{File: "l.csv", Err: &source.EncodingError{Where: "row 2"}}, 3, "--encoding cp949"},
		{"validate problems", &validateProblems{problems: 2, rows: 9}, 3, "validate: 2 problems found in 9 rows"},
		{"row error is not an input error", &campaign.RowError{Row: 2, Err: errors.New("bad")}, 1, "row 2: bad"},
		{"rows failed", &rowsFailed{n: 2, state: "a b.state"}, 4, "2 rows failed permanently: see mailrun status --state 'a b.state'"},
		{"rows pending", &rowsPending{n: 3}, 5, "3 messages are still pending"},
		{"limit", &limitReached{}, 5, "--limit reached"},
		{"daily cap", &capReached{limit: campaign.Limit{Max: 10}, resumeAt: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}, 5, "daily cap of 10 deliveries (--max-per-day) is reached; run the same command again from 2026-12-02 00:00 UTC"},
		{"rolling cap", &capReached{limit: campaign.Limit{Max: 2000, Rolling: 24 * time.Hour}, resumeAt: time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)}, 5, "cap of 2000 deliveries in 24 hours (--max-per-24h) is reached; run the same command again from 2026-12-02 09:30 UTC"},
		{"outside the window", &outsideWindow{opens: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}, 5, "it opens Mon 2026-11-30 09:00 UTC: run the same command again then, or leave out --no-wait"},
		{"every relay out", fmt.Errorf("run: %w", noRelay), 5, "stopped: every relay is out of rotation; run the same command again later"},
		{"fatal delivery error", fmt.Errorf("run: %w", fatal), 6, "fix it and run the same command again"},
		{"temporary delivery error", &campaign.DeliveryError{Class: campaign.Temporary, Code: 451}, 1, "temporary 451"},
		{"permanent delivery error", &campaign.DeliveryError{Class: campaign.Permanent, Code: 550}, 1, "permanent 550"},
		{"state file locked", &campaign.LockedError{Path: "list.csv.state", PID: 42}, 7, "pid 42); wait for that run to finish, or give this one another --state file"},
		{"template changed", fmt.Errorf("send: %w", &campaign.TemplateChangedError{Path: "s", Recorded: "a", Template: "b"}), 7, "--allow-template-change"},
		{"interrupted", campaign.ErrInterrupted, 130, "run the same command again to resume"},
		{"canceled", context.Canceled, 130, "context canceled"},
		{"wrapped canceled", fmt.Errorf("row 7: %w", context.Canceled), 130, "row 7"},
		{"deadline is not an interrupt", context.DeadlineExceeded, 1, "deadline"},
		{"cli.Exit", cli.Exit("x", 9), 9, "x"},
		{"cli.Exit with 0 is still an error", cli.Exit("x", 0), 1, "x"},
	}
	codes := map[int]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
			if tt.err != nil && !strings.Contains(errorMessage(tt.err), tt.msg) {
				t.Errorf("errorMessage(%v) = %q, want it to contain %q", tt.err, errorMessage(tt.err), tt.msg)
			}
		})
		codes[tt.want] = true
	}
	for _, r := range exitRules {
		if r.code != 0 && !codes[r.code] {
			t.Errorf("rule %q: no test case exits %d", r.name, r.code)
		}
	}
}
