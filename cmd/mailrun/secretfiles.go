package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/urfave/cli/v2"
)

// warnReadable logs a warning when users other than its owner may read
// the file at path, which holds a secret: what says what it holds ("the
// config file holds smtp-password"), and advice is added to "chmod 600
// it". The warning names the file, never the secret. It says nothing when
// the file cannot be read (the command reports that) and on Windows, whose
// files have no Unix mode to tell.
func warnReadable(c *cli.Context, path, what, advice string) {
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	newLogger(c).Warn(fmt.Sprintf("%s but others may read it (mode %v): chmod 600 it%s", what, fi.Mode().Perm(), advice), "file", path)
}
