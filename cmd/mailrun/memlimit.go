package main

import (
	"os"
	"runtime/debug"
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

func init() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
