package statefile

import (
	"errors"
	"fmt"
	"os"
)

// CreateFile creates the file at path with mode 0600, or empties it if it
// exists, for a file mailrun writes for the user: a failures CSV, a
// suppression list, a report. It never writes through a symbolic link at
// path (on Windows it cannot tell): one planted there is an error, so that
// no file elsewhere gets emptied. The caller closes the file.
func CreateFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|noFollow, 0o600)
	if err != nil {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s is a symbolic link: mailrun writes no file through one", path)
		}
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = fmt.Errorf("%s: %w", path, pe.Err)
		}
		return nil, err
	}
	return f, nil
}
