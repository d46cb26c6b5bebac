//go:build unix

package statefile

import "syscall"

// noFollow makes open(2) fail on a symbolic link.
const noFollow = syscall.O_NOFOLLOW
