package statefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/mailrun/mailrun/campaign"
)

// The lock of a state file is an exclusive flock(2) (LockFileEx on Windows)
// on the state file itself, taken through the descriptor the journal writes
// with and released when that descriptor is closed, however the process
// ends. Because it belongs to the file and not to a name, every path that
// reaches the file (a symbolic link, a hard link, a path through "..")
// meets the same lock; no lock file is created beside the state file. A
// send (Journal) and a booking of bounces (Ledger) take the same lock.

// openLocked opens the state file at path for appending, creating it (mode
// 0600) if it does not exist, and takes its lock without waiting.
//
// An existing file is opened through a symbolic link (the lock is then the
// target's), but a file is never created through one: a link to a missing
// file is an error. Errors: those of lockOpened; the errors of opening
// path.
func openLocked(path string) (*os.File, error) {
	f, err := openOrCreate(path)
	if err != nil {
		return nil, err
	}
	return lockOpened(f, path)
}

// openExistingLocked opens the existing state file at path for appending
// and takes its lock without waiting. Errors: *campaign.InputError when
// there is no file at path; those of lockOpened; the errors of opening
// path.
func openExistingLocked(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &campaign.InputError{File: path, Err: errors.New("campaign: no such state file")}
	}
	if err != nil {
		return nil, fmt.Errorf("campaign: open state file: %w", err)
	}
	return lockOpened(f, path)
}

// lockOpened takes the lock of f, the state file opened at path, without
// waiting, and returns f; it closes f when it fails. Errors:
// *campaign.LockedError when another process (or another Journal or Ledger
// of this process) holds the lock; *campaign.InputError when path is not a
// regular file.
func lockOpened(f *os.File, path string) (*os.File, error) {
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = &campaign.InputError{File: path, Err: fmt.Errorf("campaign: not a regular file (%v): a state file must be a plain file", fi.Mode().Type())}
	}
	if err == nil {
		var ok bool
		if ok, err = tryLock(f); err == nil && !ok {
			err = &campaign.LockedError{Path: path, PID: lockHolder(fi)}
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// openOrCreate opens the existing file at path, or creates it with O_EXCL,
// which never follows a symbolic link.
func openOrCreate(path string) (*os.File, error) {
	for range 2 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("campaign: open state file: %w", err)
		}
		f, err = os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("campaign: create state file: %w", err)
		}
		// Another run created it meanwhile, or path is a symbolic link
		// to a missing file: look again.
	}
	return nil, &campaign.InputError{File: path, Err: errors.New("campaign: a symbolic link to a missing file: mailrun creates no file through a symbolic link")}
}
