//go:build windows

package statefile

// noFollow is 0: Windows has no O_NOFOLLOW.
const noFollow = 0
