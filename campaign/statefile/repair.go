package statefile

import (
	"fmt"
	"os"
)

// repairTail removes the torn last line that a scan of f (under the lock)
// found, and ends a last line that lacks its newline, so that appends start
// on a line of their own.
func repairTail(f *os.File, res scanResult) error {
	if res.Torn != "" {
		if err := f.Truncate(res.Good); err != nil {
			return fmt.Errorf("campaign: repair state file: %w", err)
		}
	}
	if res.NoNewline {
		if _, err := f.Write([]byte{'\n'}); err != nil {
			return fmt.Errorf("campaign: repair state file: %w", err)
		}
	}
	if res.Torn != "" || res.NoNewline {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("campaign: repair state file: %w", err)
		}
	}
	return nil
}

// tornWarning is the warning about a torn last line that repairTail
// removed from the state file path.
func tornWarning(path, torn string) string {
	return fmt.Sprintf("state file %s: %s (a crash cut it short); it was removed", path, torn)
}
