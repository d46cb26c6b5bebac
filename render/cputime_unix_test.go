//go:build unix

package render_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user + system) the process has used, GC
// included. Benchmarks report it per operation because wall-clock ns/op
// means little on a machine busy with other work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
