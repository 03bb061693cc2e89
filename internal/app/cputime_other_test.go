//go:build !unix

package app_test

import (
	"testing"
	"time"
)

// cpuTime is zero where getrusage is missing: the cpu-ms/op figure then
// reads 0.
func cpuTime(*testing.B) time.Duration { return 0 }
