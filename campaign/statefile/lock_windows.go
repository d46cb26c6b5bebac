//go:build windows

package statefile

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// tryLock takes an exclusive lock on f without waiting and reports whether
// it got it. The locked byte lies far past the end of any state file, so
// that readers of the file (status) are not blocked.
func tryLock(f *os.File) (bool, error) {
	ol := &windows.Overlapped{Offset: 0xFFFFFFFE, OffsetHigh: 0x7FFFFFFF}
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, windows.ERROR_LOCK_VIOLATION):
		return false, nil
	}
	return false, fmt.Errorf("campaign: lock state file: %w", err)
}

// lockHolder returns 0: Windows does not tell who holds a lock.
func lockHolder(os.FileInfo) int { return 0 }
