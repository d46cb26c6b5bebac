package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// defaultMemoryLimit is the soft limit of the Go heap unless GOMEMLIMIT
// says otherwise. A campaign's live data is small (compact key tables, a
// few messages in flight) but the garbage of a million rendered messages is
// not: by default the collector lets the heap grow to twice the live data
// before it runs. The soft limit makes it run earlier instead, which keeps
// peak RSS under 100 MB for a million-row campaign (see README,
// Performance) at a cost of a few percent of CPU. It is soft: a campaign
// that needs more memory gets it.
const defaultMemoryLimit = 64 << 20

// workbookMemoryLimit is the soft limit while an XLSX workbook is read:
// excelize keeps an index of its shared strings (about 48 bytes a string,
// 140 MB for the 3,000,000 strings of a million-row list), and under the
// default limit the collector would run without pause (142 s instead of
// 62 s for that list, at 206 MB instead of 219 MB).
const workbookMemoryLimit = 200 << 20

func init() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}

// raiseMemoryLimitFor raises the soft limit to workbookMemoryLimit when
// data names a workbook, unless GOMEMLIMIT sets it.
func raiseMemoryLimitFor(data string) {
	switch strings.ToLower(filepath.Ext(data)) {
	case ".xlsx", ".xlsm":
		if os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(workbookMemoryLimit)
		}
	}
}
