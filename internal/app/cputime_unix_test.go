//go:build unix

package app

import (
	"syscall"
	"testing"
	"time"
)

// CPUTime is the user and system CPU time the process has used so far,
// for the benchmarks of both test packages (app and app_test).
func CPUTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
