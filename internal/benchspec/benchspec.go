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

// SlothSpec returns spec i (0-based) among n in Sloth's prometheus/v1
// format, for running Sloth on the same SLOs side by side: the same
// service, labels, objective and SLI, alerted on by a page and a ticket
// alert as slo's critical and warning burn alerts. A good-events SLI
// becomes total minus good, as Sloth counts errors only. Sloth sets the
// period once per run (--default-slo-period), not per SLO.
func SlothSpec(i, n int) []byte {
	svc := Name(i, n)
	sum := "sum"
	if i%3 == 2 {
		sum = "sum by (route)"
	}
	total := fmt.Sprintf("%s (rate(http_requests_total{job=%q}[{{.window}}]))", sum, svc)
	var errors string
	if i%5 == 4 {
		errors = fmt.Sprintf("(%s - %s (rate(http_requests_total{job=%q,code!~\"5..\"}[{{.window}}])))", total, sum, svc)
	} else {
		errors = fmt.Sprintf("%s (rate(http_requests_total{job=%q,code=~\"5..\"}[{{.window}}]))", sum, svc)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "version: prometheus/v1\n")
	fmt.Fprintf(&b, "service: %s\n", svc)
	fmt.Fprintf(&b, "labels: {platform: bench, team: %s}\n", teams[i%len(teams)])
	fmt.Fprintf(&b, "slos:\n")
	fmt.Fprintf(&b, "  - name: %s-availability\n", svc)
	fmt.Fprintf(&b, "    objective: %s\n", objectives[i%len(objectives)])
	fmt.Fprintf(&b, "    sli:\n")
	fmt.Fprintf(&b, "      events:\n")
	fmt.Fprintf(&b, "        error_query: '%s'\n", errors)
	fmt.Fprintf(&b, "        total_query: '%s'\n", total)
	fmt.Fprintf(&b, "    alerting:\n")
	fmt.Fprintf(&b, "      name: %sAvailabilityErrorBudgetBurn\n", camel(svc))
	fmt.Fprintf(&b, "      page_alert: {labels: {severity: critical}}\n")
	fmt.Fprintf(&b, "      ticket_alert: {labels: {severity: warning}}\n")
	return []byte(b.String())
}

// camel turns "svc-0001" into "Svc0001".
func camel(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r == '-' {
			up = true
			continue
		}
		if up {
			r = []rune(strings.ToUpper(string(r)))[0]
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// AlertsName returns the service name of alert spec file i (0-based):
// "alerts-0001" for i = 0.
func AlertsName(i int) string {
	return fmt.Sprintf("alerts-%04d", i+1)
}

// AlertsSpec returns alert spec file i (0-based) with perFile threshold
// alerts, each with a warning and a critical threshold and a templated
// summary: three in four on a PromQL expression, one in four on an error
// ratio (which records a rule of its own).
func AlertsSpec(i, perFile int) []byte {
	svc := AlertsName(i)
	name := camel(svc)
	var b strings.Builder
	fmt.Fprintf(&b, "version: slo/v1\n")
	fmt.Fprintf(&b, "service: %s\n", svc)
	fmt.Fprintf(&b, "team: %s\n", teams[i%len(teams)])
	fmt.Fprintf(&b, "labels: {platform: bench}\n")
	fmt.Fprintf(&b, "alerts:\n")
	for j := range perFile {
		if j%4 == 3 {
			fmt.Fprintf(&b, "  - name: %sOp%05dErrorsHigh\n", name, j+1)
			fmt.Fprintf(&b, "    summary: \"%s operation %d fails {{ $value | humanizePercentage }} of requests\"\n", svc, j+1)
			fmt.Fprintf(&b, "    description: The share of failed requests of operation %d of %s is above its threshold.\n", j+1, svc)
			fmt.Fprintf(&b, "    signal:\n")
			fmt.Fprintf(&b, "      ratio:\n")
			fmt.Fprintf(&b, "        bad: bench_requests_total{job=%q,op=\"%d\",code=~\"5..\"}\n", svc, j+1)
			fmt.Fprintf(&b, "        total: bench_requests_total{job=%q,op=\"%d\"}\n", svc, j+1)
			fmt.Fprintf(&b, "        window: 10m\n")
			fmt.Fprintf(&b, "        min_total: 30\n")
			fmt.Fprintf(&b, "    above: {warning: 0.05, critical: 0.1}\n")
		} else {
			fmt.Fprintf(&b, "  - name: %sMetric%05dHigh\n", name, j+1)
			fmt.Fprintf(&b, "    summary: \"%s metric %d is {{ $value | humanize }}\"\n", svc, j+1)
			fmt.Fprintf(&b, "    description: The value of metric %d of %s is above its threshold.\n", j+1, svc)
			fmt.Fprintf(&b, "    signal:\n")
			fmt.Fprintf(&b, "      expr: sum by (instance) (bench_metric_%d{job=%q})\n", j+1, svc)
			fmt.Fprintf(&b, "    above: {warning: %d, critical: %d}\n", 100+j%7, 200+j%7)
		}
		fmt.Fprintf(&b, "    for: 5m\n")
	}
	return []byte(b.String())
}

// WriteAlerts creates dir if needed and writes files alert spec files into
// it (see AlertsSpec), perFile alerts each, named <service>.yaml. It
// returns the paths written.
func WriteAlerts(dir string, files, perFile int) ([]string, error) {
	if files < 1 || perFile < 1 {
		return nil, fmt.Errorf("benchspec: files and alerts per file must be at least 1, got %d and %d", files, perFile)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for i := range files {
		p := filepath.Join(dir, AlertsName(i)+".yaml")
		if err := os.WriteFile(p, AlertsSpec(i, perFile), 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// Write creates dir if needed and writes n spec files into it, named
// <service>.yaml, and nothing else. It returns the paths written.
func Write(dir string, n int) ([]string, error) {
	return write(dir, n, Spec)
}

// WriteSloth is Write with the specs in Sloth's format (see SlothSpec).
func WriteSloth(dir string, n int) ([]string, error) {
	return write(dir, n, SlothSpec)
}

func write(dir string, n int, spec func(i, n int) []byte) ([]string, error) {
	if n < 1 {
		return nil, fmt.Errorf("benchspec: n must be at least 1, got %d", n)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	paths := make([]string, 0, n)
	for i := range n {
		p := filepath.Join(dir, Name(i, n)+".yaml")
		if err := os.WriteFile(p, spec(i, n), 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
