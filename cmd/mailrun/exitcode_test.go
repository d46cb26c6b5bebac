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
	"github.com/mailrun/mailrun/campaign/mailbox"
	"github.com/mailrun/mailrun/campaign/source"
	"github.com/mailrun/mailrun/sender"
	"github.com/mailrun/mailrun/sender/credential"
	"github.com/urfave/cli/v2"
)

// TestExitCode checks the exit code and the message of every kind of error,
// each code of the table included.
func TestExitCode(t *testing.T) {
	input := &campaign.InputError{File: "list.csv", Line: 3, Err: errors.New("bad")}
	fatal := &campaign.DeliveryError{Class: campaign.Fatal, Code: 535, Text: "authentication failed"}
	refused := &credential.EndpointError{Flow: credential.FlowRefreshToken, Status: 400, Code: "invalid_grant", Description: "expired"}
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
		{"limit hint", &campaign.InputError{File: "l.xlsx", Err: &campaign.LimitError{Kind: campaign.LimitXLSXPart, Max: 1 << 30, What: "part xl/sharedStrings.xml (uncompressed)"}}, 3,
			"l.xlsx: part xl/sharedStrings.xml (uncompressed) holds more than 1 GiB (if that is right, raise the limit with --max-xlsx-part)"},
		{"delimiter hint", &campaign.InputError{File: "l.csv", Err: &source.DelimiterError{Header: "a;b", Guess: ';'}}, 3, "pass --delimiter ';'"},
		{"encoding hint", &campaign.InputError{File: "l.csv", Err: &source.EncodingError{Where: "row 2"}}, 3, "--encoding cp949"},
		{"validate problems", &validateProblems{problems: 2, rows: 9}, 3, "validate: 2 problems found in 9 rows"},
		{"not confirmed", errNotConfirmed, 1, "nothing was sent: the answer was not yes (--yes skips the question)"},
		{"row error is not an input error", &campaign.RowError{Row: 2, Err: errors.New("bad")}, 1, "row 2: bad"},
		{"rows failed", &rowsFailed{n: 2, state: "a b.state"}, 4, "2 rows failed permanently: see mailrun status --state 'a b.state'"},
		{"rows failed earlier", &rowsFailed{n: 2, earlier: 2, state: "s"}, 4, "2 in an earlier run, left alone now: once the cause is fixed, --retry-failed sends them again"},
		{"proofs failed", &proofsFailed{failed: 1, total: 2}, 4, "1 of 2 proof copies failed"},
		{"rows pending", &rowsPending{n: 3}, 5, "3 messages are still pending"},
		{"unknown left alone", &rowsPending{unknown: 2}, 5, "2 messages whose outcome is unknown (the server may have taken them) were left alone by --unknown skip"},
		{"pending and unknown", &rowsPending{n: 3, unknown: 1}, 5, "3 messages are still pending: run the same command again to retry them; 1 message whose outcome is unknown"},
		{"limit", &limitReached{left: 140}, 0, "--limit reached: 140 rows left; run the same command again to continue"},
		{"daily cap", &capReached{limit: campaign.Limit{Max: 10}, resumeAt: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}, 5, "daily cap of 10 deliveries (--max-per-day) is reached; run the same command again from 2026-12-02 00:00 UTC"},
		{"rolling cap", &capReached{limit: campaign.Limit{Max: 2000, Rolling: 24 * time.Hour}, resumeAt: time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)}, 5, "cap of 2000 deliveries in 24 hours (--max-per-24h) is reached; run the same command again from 2026-12-02 09:30 UTC"},
		{"outside the window", &outsideWindow{opens: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}, 5, "it opens Mon 2026-11-30 09:00 UTC: run the same command again then, or leave out --no-wait"},
		{"every relay out", fmt.Errorf("run: %w", noRelay), 5, "stopped: every relay is out of rotation; run the same command again later"},
		{"fatal delivery error", fmt.Errorf("run: %w", fatal), 6, "fix it and run the same command again"},
		{"relay probe", &sender.ProbeError{Relay: "mx", Err: &campaign.DeliveryError{Class: campaign.Temporary, Text: "connection refused"}}, 6,
			"stopped before any message was sent: sender: relay mx: temporary: connection refused; fix it"},
		{"relay probe with a hint", &sender.ProbeError{Relay: "mx", Err: &campaign.DeliveryError{Class: campaign.Fatal, Text: "no password", Err: sender.ErrNoPassword}}, 6,
			"stopped before any message was sent: sender: relay mx: fatal: no password; set MAILRUN_SMTP_PASSWORD"},
		{"refresh token refused", fmt.Errorf("run: %w", refused), 6, "refused the refresh token (invalid_grant: expired): it expired or was revoked"},
		{"refresh token refused at the probe", &sender.ProbeError{Relay: "m365", Err: &campaign.DeliveryError{Class: campaign.Fatal, Err: refused}}, 6,
			"--oauth-refresh-token-file FILE"},
		{"IMAP login refused", &mailbox.AuthError{User: "bounces", Err: errors.New("NO")}, 6, "check the user in --imap and MAILRUN_IMAP_PASSWORD"},
		{"password in the IMAP URL", fmt.Errorf("--imap: %w", mailbox.ErrPasswordInURL), 2, "use MAILRUN_IMAP_PASSWORD or --imap-password-file"},
		{"temporary delivery error", &campaign.DeliveryError{Class: campaign.Temporary, Code: 451}, 1, "temporary 451"},
		{"permanent delivery error", &campaign.DeliveryError{Class: campaign.Permanent, Code: 550}, 1, "permanent 550"},
		{"state file locked", &campaign.LockedError{Path: "list.csv.state", PID: 42}, 7, "pid 42); wait for that run to finish, or give this one another --state file"},
		{"template changed", fmt.Errorf("send: %w", &campaign.TemplateChangedError{Path: "s", Recorded: "a", Template: "b"}), 7, "--allow-template-change"},
		{"data file changed", fmt.Errorf("send: %w", &campaign.DataChangedError{Path: "s", Recorded: "/a/list.csv", Data: "other.csv"}), 7,
			"another data file (/a/list.csv, not other.csv); to resume it with this data file anyway, add --allow-data-change"},
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
		if r.code != exitOwnCode && !codes[r.code] {
			t.Errorf("rule %q: no test case exits %d", r.name, r.code)
		}
	}
}
