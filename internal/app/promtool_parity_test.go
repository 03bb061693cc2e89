package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/report"
)

// promtoolVerdicts are the exit codes of `promtool test rules [--run RE]
// FILE` of prometheus v0.315.0, the version this module pins, on every
// unit-test file (a top-level `tests:`) in its cmd/promtool/testdata.
// Recorded by building that promtool from the pinned module (a copy of
// this module's go.mod and go.sum, then `go build -mod=mod -o
// /tmp/promtool315 github.com/prometheus/prometheus/cmd/promtool`: go.sum
// lacks promtool's own dependencies) and running `/tmp/promtool315 test
// rules FILE` inside the testdata folder. The --run rows repeat the cases
// of promtool's own TestRulesUnitTestRun that slo can express.
//
// Debian's promtool 2.42, which internal/simulate's tests compare with,
// differs from v0.315 on some of these (no-test-group-interval.yml puts
// every sample at time 0 there, for one); where they disagree, v0.315 is
// the reference.
var promtoolVerdicts = []struct {
	file, run string
	code      int
}{
	{file: "at-modifier-test.yml", code: 0},
	{file: "bad-input-series.yml", code: 1},
	{file: "bad-promql.yml", code: 1},
	{file: "bad-rules-error-test.yml", code: 1},
	{file: "bad-rules-syntax-test.yml", code: 1},
	{file: "failing.yml", code: 1},
	{file: "long-period.yml", code: 0},
	{file: "negative-offset-test.yml", code: 0},
	{file: "no-test-group-interval.yml", code: 0},
	{file: "rules_run.yml", code: 1},
	{file: "rules_run.yml", run: "correct", code: 0},
	{file: "rules_run.yml", run: "wrong", code: 1},
	{file: "rules_run_extrafields.yml", code: 1},
	{file: "rules_run_fuzzy.yml", code: 1},
	{file: "rules_run_fuzzy.yml", run: "correct", code: 0},
	{file: "rules_run_fuzzy.yml", run: "wrong", code: 1},
	{file: "rules_run_no_fuzzy.yml", code: 1},
	{file: "start-time-test.yml", code: 0},
	{file: "unittest.yml", code: 0},
}

// promtoolTestdata returns the pinned Prometheus module's
// cmd/promtool/testdata in the module cache, or skips the test if the
// module is not downloaded (any build of this module downloads it, so CI
// always has it).
func promtoolTestdata(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/prometheus/prometheus").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("the pinned github.com/prometheus/prometheus is not in the module cache (go list: %v); run `go mod download` to run this test", err)
	}
	td := filepath.Join(dir, "cmd", "promtool", "testdata")
	if _, err := os.Stat(td); err != nil {
		t.Skipf("no promtool testdata in the module cache: %v", err)
	}
	return td
}

// testExitCode is slo test's exit code for a run, as cmd/slo decides it:
// 2 for a tool failure or malformed input reported as diagnostics, 1 if a
// scenario failed, 0 otherwise.
func testExitCode(run *TestRun, err error) int {
	switch {
	case err != nil || run == nil:
		return 2
	case report.Summarize(run.Results).Failed > 0:
		return 1
	}
	return 0
}

// TestPromtoolParity runs slo test, on demand and exhaustively, on
// Prometheus's own promtool unit-test files, in place in the module cache
// (they are only read), and requires promtool's exit code.
func TestPromtoolParity(t *testing.T) {
	td := promtoolTestdata(t)
	// Every unit-test file there is in the table.
	entries, err := os.ReadDir(td)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(td, e.Name()))
		if err != nil || !regexp.MustCompile(`(?m)^tests:`).Match(b) {
			continue
		}
		if !slices.ContainsFunc(promtoolVerdicts, func(v struct {
			file, run string
			code      int
		}) bool {
			return v.file == e.Name()
		}) {
			t.Errorf("%s has tests but no recorded promtool verdict", e.Name())
		}
	}
	for _, v := range promtoolVerdicts {
		for _, exhaustive := range []bool{false, true} {
			name := v.file
			if v.run != "" {
				name += " --run " + v.run
			}
			if exhaustive {
				name += " --exhaustive"
			}
			t.Run(name, func(t *testing.T) {
				opts := TestOptions{Paths: []string{filepath.Join(td, v.file)}, Exhaustive: exhaustive}
				if v.run != "" {
					opts.Run = regexp.MustCompile(v.run)
				}
				run, diags, err := Test(opts)
				if got := testExitCode(run, err); got != v.code {
					var msgs []string
					if run != nil {
						for _, r := range run.Results {
							for _, f := range r.Failures {
								msgs = append(msgs, f.Message)
							}
						}
					}
					t.Errorf("exit code %d, promtool's %d (err %v, diagnostics %v)\n%s", got, v.code, err, diags, strings.Join(msgs, "\n"))
				}
			})
		}
	}
}
