package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNullAndScalarItems holds the crashes of issue 9: a null or a scalar
// where a mapping is expected used to reach validate, compile, check and
// slo test as a nil and panic. Each is now one spec/type error at the
// value, naming what was expected, and nothing is written.
func TestNullAndScalarItems(t *testing.T) {
	const head = "version: slo/v1\nservice: x\nteam: t\n"
	specs := []struct{ name, src, want string }{
		{"alerts null item", head + "alerts: [~]\n",
			"spec.yaml:4:10: error: alerts[0]: expected a mapping (an alert), got null [spec/type]\n"},
		{"alerts scalar item", head + "alerts: [x]\n",
			"spec.yaml:4:10: error: alerts[0]: expected a mapping (an alert), got \"x\" [spec/type]\n"},
		{"slos null item", head + "slos: [~]\n",
			"spec.yaml:4:8: error: slos[0]: expected a mapping (an SLO), got null [spec/type]\n"},
		{"windows null item", head + `slos:
  - name: avail
    objective: 99
    sli:
      ratio: {bad: errors_total, total: requests_total}
    alerting:
      page:
        windows: [~]
`, "spec.yaml:11:19: error: slos[0].alerting.page.windows[0]: expected a mapping (a window pair), got null [spec/type]\n"},
		{"signal expr null", head + "alerts:\n  - name: A\n    signal: {expr: ~}\n    above: {critical: 1}\n",
			"spec.yaml:6:20: error: alerts[0].signal.expr: expected a PromQL expression (a string), got null [spec/type]\n"},
		{"signal ratio null", head + "alerts:\n  - name: A\n    signal: {ratio: ~}\n    above: {critical: 1}\n",
			"spec.yaml:6:21: error: alerts[0].signal.ratio: expected a mapping (a ratio), got null [spec/type]\n"},
	}
	for _, tc := range specs {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			writeInput(t, "spec.yaml", tc.src)
			for _, args := range [][]string{{"validate", "spec.yaml"}, {"compile", "--out", "out", "spec.yaml"}} {
				code, stdout, stderr := runSloArgs(args...)
				if code != exitProblems || stderr != tc.want || stdout != "" {
					t.Errorf("slo %s: exit %d, stdout %q, stderr:\n%s\nwant exit %d, no stdout, stderr:\n%s", strings.Join(args, " "), code, stdout, stderr, exitProblems, tc.want)
				}
			}
			code, _, stderr := runSloArgs("check", "--specs", "spec.yaml", "--tests", "spec.yaml", "--out", "out", "--dashboards", "")
			if code != exitProblems || !strings.Contains(stderr, tc.want) {
				t.Errorf("slo check: exit %d, stderr:\n%s\nwant exit %d and:\n%s", code, stderr, exitProblems, tc.want)
			}
			onlyInputs(t)
		})
	}

	const spec = "version: slo/v1\nservice: x\nteam: t\nalerts:\n  - name: High\n    signal: {expr: sum(m)}\n    above: {critical: 1}\n"
	const scenarioHead = "version: slo/v1\nspec: spec.yaml\ntests:\n"
	const series = "  - input_series: [{series: m, values: 0x10}]\n"
	scenarios := []struct{ name, src, want string }{
		{"tests null item", scenarioHead + "  - ~\n",
			"test.yaml:4:5: error: tests[0]: expected a mapping (a test group), got null [spec/type]\n"},
		{"input_series null item", scenarioHead + "  - input_series: [~]\n",
			"test.yaml:4:20: error: tests[0].input_series[0]: expected a mapping (an input series), got null [spec/type]\n"},
		{"alert_rule_test null item", scenarioHead + series + "    alert_rule_test: [~]\n",
			"test.yaml:5:23: error: tests[0].alert_rule_test[0]: expected a mapping (an alert rule test), got null [spec/type]\n"},
		{"alert_range_test null item", scenarioHead + series + "    alert_range_test: [~]\n",
			"test.yaml:5:24: error: tests[0].alert_range_test[0]: expected a mapping (an alert range test), got null [spec/type]\n"},
		{"promql_expr_test null item", scenarioHead + series + "    promql_expr_test: [~]\n",
			"test.yaml:5:24: error: tests[0].promql_expr_test[0]: expected a mapping (a PromQL expression test), got null [spec/type]\n"},
		{"exp_alerts null item", scenarioHead + series + "    alert_rule_test:\n      - {eval_time: 5m, alertname: High, exp_alerts: [~]}\n",
			"test.yaml:6:55: error: tests[0].alert_rule_test[0].exp_alerts[0]: expected a mapping (an expected alert), got null [spec/type]\n"},
		{"exp_pending null item", scenarioHead + series + "    alert_rule_test:\n      - {eval_time: 5m, alertname: High, exp_pending: [~]}\n",
			"test.yaml:6:56: error: tests[0].alert_rule_test[0].exp_pending[0]: expected a mapping (an expected alert), got null [spec/type]\n"},
		{"exp_samples null item", scenarioHead + series + "    promql_expr_test:\n      - {expr: sum(m), eval_time: 5m, exp_samples: [~]}\n",
			"test.yaml:6:53: error: tests[0].promql_expr_test[0].exp_samples[0]: expected a mapping (an expected sample), got null [spec/type]\n"},
	}
	for _, tc := range scenarios {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			writeInput(t, "spec.yaml", spec)
			writeInput(t, "test.yaml", tc.src)
			// A malformed scenario file stops slo test, and fails slo
			// check, with exit 1 (docs/testing.md).
			code, stdout, stderr := runSloArgs("test", "test.yaml")
			if code != exitProblems || stderr != tc.want || stdout != "" {
				t.Errorf("slo test: exit %d, stdout %q, stderr:\n%s\nwant exit %d, no stdout, stderr:\n%s", code, stdout, stderr, exitProblems, tc.want)
			}
			code, _, stderr = runSloArgs("check", "--specs", "spec.yaml", "--tests", "test.yaml", "--out", "out", "--dashboards", "")
			if code != exitProblems || !strings.Contains(stderr, tc.want) {
				t.Errorf("slo check: exit %d, stderr:\n%s\nwant exit %d and:\n%s", code, stderr, exitProblems, tc.want)
			}
			onlyInputs(t)
		})
	}
}

func runSloArgs(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(append([]string{"slo"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeInput(t *testing.T, name, src string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// onlyInputs checks that the working folder holds only the inputs.
func onlyInputs(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if name := e.Name(); name != "spec.yaml" && name != "test.yaml" {
			t.Errorf("%s written", filepath.Join(".", name))
		}
	}
}
