package statefile

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

	"github.com/gofrs/flock"
	"github.com/mailrun/mailrun/campaign"
)

// stateLock is the exclusive lock on a state file: an flock(2) on the
// sidecar file path+".lock", which holds the holder's PID while locked. The
// sidecar is left in place after use (removing it would let two processes
// lock two different files of the same name); its PID is cleared instead.
type stateLock struct {
	fl   *flock.Flock
	path string
}

// lockPath returns the sidecar lock file of the state file path.
func lockPath(path string) string { return path + ".lock" }

// acquireLock takes the exclusive lock of the state file path without
// waiting. It returns a *LockedError if another process (or another
// Journal of this process) holds it.
func acquireLock(path string) (*stateLock, error) {
	lp := lockPath(path)
	fl := flock.New(lp, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("campaign: lock %s: %w", lp, err)
	}
	if !ok {
		return nil, &campaign.LockedError{Path: path, PID: lockHolder(lp)}
	}
	l := &stateLock{fl: fl, path: lp}
	if err := writePID(lp, os.Getpid()); err != nil {
		_ = fl.Unlock()
		return nil, fmt.Errorf("campaign: lock %s: %w", lp, err)
	}
	return l, nil
}

// release clears the PID and unlocks. It is safe to call twice.
func (l *stateLock) release() error {
	if !l.fl.Locked() {
		return nil
	}
	err := writePID(l.path, 0)
	if uerr := l.fl.Unlock(); err == nil {
		err = uerr
	}
	return err
}

// writePID replaces the content of the lock file with pid, or empties it
// when pid is 0.
func writePID(lp string, pid int) error {
	f, err := os.OpenFile(lp, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if pid > 0 {
		_, err = f.WriteString(strconv.Itoa(pid) + "\n")
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// lockHolder reads the PID written in the lock file lp, 0 if there is none
// (the holder may not have written it yet).
func lockHolder(lp string) int {
	b, err := os.ReadFile(lp)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil {
		return 0
	}
	return pid
}
