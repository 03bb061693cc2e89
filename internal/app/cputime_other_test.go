//go:build !unix

package app

import (
	"testing"
	"time"
)

// CPUTime is zero where getrusage is missing: the cpu-ms/op figure then
// reads 0.
func CPUTime(*testing.B) time.Duration { return 0 }
