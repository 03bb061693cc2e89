// Package simtest holds the helpers the simulate packages' tests share:
// writing a rule or test file into a temporary folder and drawing random
// promtool input series. Only tests import it.
package simtest

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Write writes content to dir/name and returns the path; it fails the
// test when the file cannot be written.
func Write(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// RandomValues returns n promtool input values drawn from r: one in twenty
// a gap ("_"), one in twenty a stale marker when counter is false, the
// rest integers in [0, 10), or a counter rising by [0, 10) each step.
func RandomValues(r *rand.Rand, n int, counter bool) string {
	var b strings.Builder
	v := 0
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch p := r.Intn(20); {
		case p == 0:
			b.WriteString("_")
			continue
		case p == 1 && !counter:
			b.WriteString("stale")
			continue
		}
		if counter {
			v += r.Intn(10)
		} else {
			v = r.Intn(10)
		}
		fmt.Fprintf(&b, "%d", v)
	}
	return b.String()
}
