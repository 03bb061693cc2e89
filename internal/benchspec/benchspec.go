// Package benchspec generates the deterministic slo/v1 spec files that the
// compile benchmarks (internal/app's BenchmarkCompile1000SLOs and
// scripts/bench-compile.sh) run on: one service per file, each with one
// ratio SLO.
//
// The specs vary by index only, never at random, so every run and every
// machine compiles the same bytes:
//
//   - objective cycles through 99, 99.5, 99.9 and 99.95 (i mod 4);
//   - period is 28d or 30d (i/4 mod 2), so all eight objective/period pairs
//     occur in every block of eight;
//   - every third SLO aggregates by route (by: [route]);
//   - every fifth SLO counts good rather than bad requests;
//   - team cycles through five teams.
package benchspec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

var (
	objectives = []string{"99", "99.5", "99.9", "99.95"}
	periods    = []string{"28d", "30d"}
	teams      = []string{"platform", "payments", "search", "identity", "media"}
)

// Name returns the service name of spec i (0-based) among n: "svc-0001" for
// i = 0, zero-padded to at least four digits and to the width of n.
func Name(i, n int) string {
	return fmt.Sprintf("svc-%0*d", width(n), i+1)
}

func width(n int) int {
	return max(4, len(fmt.Sprint(n)))
}

// Spec returns the YAML of spec i (0-based) among n.
func Spec(i, n int) []byte {
	svc := Name(i, n)
	var b strings.Builder
	fmt.Fprintf(&b, "version: slo/v1\n")
	fmt.Fprintf(&b, "service: %s\n", svc)
	fmt.Fprintf(&b, "team: %s\n", teams[i%len(teams)])
	fmt.Fprintf(&b, "labels: {platform: bench}\n")
	fmt.Fprintf(&b, "slos:\n")
	// Alert names are unique across a project (lint/duplicate-alert) and
	// derive from the SLO name, so the SLO name carries the service's.
	fmt.Fprintf(&b, "  - name: %s-availability\n", svc)
	fmt.Fprintf(&b, "    objective: %s\n", objectives[i%len(objectives)])
	fmt.Fprintf(&b, "    period: %s\n", periods[(i/len(objectives))%len(periods)])
	fmt.Fprintf(&b, "    sli:\n")
	fmt.Fprintf(&b, "      ratio:\n")
	if i%5 == 4 {
		fmt.Fprintf(&b, "        good: http_requests_total{job=%q,code!~\"5..\"}\n", svc)
	} else {
		fmt.Fprintf(&b, "        bad: http_requests_total{job=%q,code=~\"5..\"}\n", svc)
	}
	fmt.Fprintf(&b, "        total: http_requests_total{job=%q}\n", svc)
	if i%3 == 2 {
		fmt.Fprintf(&b, "        by: [route]\n")
	}
	return []byte(b.String())
}

// Write creates dir if needed and writes n spec files into it, named
// <service>.yaml, and nothing else. It returns the paths written.
func Write(dir string, n int) ([]string, error) {
	if n < 1 {
		return nil, fmt.Errorf("benchspec: n must be at least 1, got %d", n)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	paths := make([]string, 0, n)
	for i := range n {
		p := filepath.Join(dir, Name(i, n)+".yaml")
		if err := os.WriteFile(p, Spec(i, n), 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
