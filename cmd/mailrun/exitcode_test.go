package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/urfave/cli/v2"
)

func TestExitCode(t *testing.T) {
	input := &campaign.InputError{File: "list.csv", Line: 3, Err: errors.New("bad")}
	fatal := &campaign.DeliveryError{Class: campaign.Fatal, Code: 535, Text: "authentication failed"}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain error", errors.New("boom"), 1},
		{"wrapped fs error", fmt.Errorf("open: %w", fs.ErrNotExist), 1},
		{"usage error", usageError("--limit must be at least 1"), 2},
		{"wrapped usage error", fmt.Errorf("send: %w", usageError("x")), 2},
		{"marked usage error", asUsageError(errors.New("flag provided but not defined: -x")), 2},
		{"input error", input, 3},
		{"wrapped input error", fmt.Errorf("data: %w", input), 3},
		{"row error is not an input error", &campaign.RowError{Row: 2, Err: errors.New("bad")}, 1},
		{"explicit 4", &exitError{code: 4, err: errors.New("2 rows failed")}, 4},
		{"explicit 5", fmt.Errorf("send: %w", &exitError{code: 5, err: errors.New("pending")}), 5},
		{"explicit code wins over its cause", &exitError{code: 130, err: input}, 130},
		{"fatal delivery error", fmt.Errorf("stopped: %w", fatal), 6},
		{"temporary delivery error", &campaign.DeliveryError{Class: campaign.Temporary, Code: 451}, 1},
		{"permanent delivery error", &campaign.DeliveryError{Class: campaign.Permanent, Code: 550}, 1},
		{"state file locked", &campaign.LockedError{Path: "list.csv.state", PID: 42}, 7},
		{"wrapped campaign mismatch", fmt.Errorf("send: %w", &campaign.TemplateChangedError{Path: "s", Recorded: "a", Template: "b"}), 7},
		{"canceled", context.Canceled, 130},
		{"wrapped canceled", fmt.Errorf("row 7: %w", context.Canceled), 130},
		{"deadline is not an interrupt", context.DeadlineExceeded, 1},
		{"cli.Exit", cli.Exit("x", 9), 9},
		{"cli.Exit with 0 is still an error", cli.Exit("x", 0), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestExitErrorMessage(t *testing.T) {
	err := fmt.Errorf("send: %w", &exitError{code: 4, err: errors.New("2 rows failed permanently")})
	if got, want := err.Error(), "send: 2 rows failed permanently"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
