//go:build unix

package statefile_test

import "syscall"

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
