package statefile

import (
	"os"
	"path/filepath"
)

// stdinData is the data path of a campaign read from standard input.
const stdinData = "-"

// dataPath returns how a state file records the data file path: its
// absolute form, so that a resume from another folder compares right.
func dataPath(path string) string {
	if path == "" || path == stdinData {
		return path
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}

// sameDataFile reports whether the data file recorded in a state file and
// the one given now are the same file: the same path once made absolute,
// or one file reached two ways (symbolic or hard links, other spellings).
// An empty path on either side is not checked. A relative recorded path
// (written by older versions, relative to a folder no longer known) matches
// a path with the same base name.
func sameDataFile(recorded, given string) bool {
	switch {
	case recorded == "" || given == "":
		return true
	case recorded == stdinData || given == stdinData:
		return recorded == given
	case recorded == dataPath(given):
		return true
	}
	r, rerr := os.Stat(recorded)
	g, gerr := os.Stat(given)
	if rerr == nil && gerr == nil && os.SameFile(r, g) {
		return true
	}
	return !filepath.IsAbs(recorded) && filepath.Base(recorded) == filepath.Base(given)
}
