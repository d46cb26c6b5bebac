package main

import (
	"os"
	"sync"
)

// scratch is the folder of this process's temporary files (the unzipped
// parts of an XLSX workbook), made on first use. It is removed when the
// last command under way returns (run; tests run several at once), and
// when a signal ends the process (signal.go): no temporary file outlives
// mailrun, short of a kill -9.
var scratch struct {
	sync.Mutex
	dir  string
	runs int // commands under way
}

// useScratch counts a command under way; the returned func, called when
// it returns, removes the scratch folder unless another command still
// runs.
func useScratch() (done func()) {
	scratch.Lock()
	scratch.runs++
	scratch.Unlock()
	return func() {
		scratch.Lock()
		defer scratch.Unlock()
		if scratch.runs--; scratch.runs == 0 {
			removeScratchLocked()
		}
	}
}

// scratchDir returns the scratch folder, making it if needed; "" when it
// cannot be made (the caller's default temporary folder is then used).
func scratchDir() string {
	scratch.Lock()
	defer scratch.Unlock()
	if scratch.dir == "" {
		if d, err := os.MkdirTemp("", "mailrun-"); err == nil {
			scratch.dir = d
		}
	}
	return scratch.dir
}

// removeScratch removes the scratch folder and all in it, for a process
// about to exit.
func removeScratch() {
	scratch.Lock()
	defer scratch.Unlock()
	removeScratchLocked()
}

// removeScratchLocked is removeScratch with scratch locked.
func removeScratchLocked() {
	if scratch.dir != "" {
		os.RemoveAll(scratch.dir)
		scratch.dir = ""
	}
}
