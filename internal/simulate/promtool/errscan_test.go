package promtool

import (
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/simulate/simtest"
)

// unobservedTest is a test file whose only assertion, at 15m, passes in
// either mode; the input series x{a="2"}, y{a="1",b="2"} and z{a="1"}
// exist only from 3m to 5m, where the rules under test may fail.
const unobservedTest = `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'x{a="1"}'
        values: '1x20'
      - series: 'x{a="2"}'
        values: '_x3 2 2 _x15'
      - series: 'y{a="1",b="1"}'
        values: '1x20'
      - series: 'y{a="1",b="2"}'
        values: '_x3 1 1 _x15'
      - series: 'z{a="1"}'
        values: '_x3 1 1 _x15'
    promql_expr_test:
      - expr: vector(1)
        eval_time: 15m
        exp_samples:
          - labels: '{}'
            value: 1
`

// TestScanFindsErrorsAtUnobservedSteps: each kind of rule failure, at a
// step no assertion depends on, fails the test in promtool (exhaustive)
// and, through the error scan, on demand with the same text. Without the
// scan the on-demand run would pass: the assertion itself reads no rule.
func TestScanFindsErrorsAtUnobservedSteps(t *testing.T) {
	for _, tc := range []struct {
		name, rules, want string
	}{
		{"many-to-many", `
      - record: joined
        expr: x + on(a) y`, "rule: joined, time: 3m0s, err: found duplicate series for the match group"},
		{"many-to-one", `
      - record: joined
        expr: y + on(a) x`, "rule: joined, time: 3m0s, err: multiple matches for labels"},
		{"duplicates after rule labels", `
      - record: r
        expr: x
        labels:
          a: same`, "rule: r, time: 3m0s, err: vector contains metrics with the same labelset after applying rule labels"},
		{"duplicates after alert labels", `
      - alert: A
        expr: x > 0
        labels:
          a: same`, "rule: A, time: 3m0s, err: vector contains metrics with the same labelset after applying alert labels"},
		{"duplicates out of count_values after alert labels", `
      - alert: A
        expr: count_values("v", x) > 0
        labels:
          v: same`, "rule: A, time: 3m0s, err: vector contains metrics with the same labelset after applying alert labels"},
		{"duplicates out of a function", `
      - record: r
        expr: rate({__name__=~"x|z"}[2m])`, "rule: r, time: 4m0s, err: vector cannot contain metrics with the same labelset"},
		{"recording rule over the group limit", `
      - record: r
        expr: x`, "rule: r, time: 3m0s, err: exceeded limit of 1 with 2 series"},
		{"alerting rule over the group limit", `
      - alert: A
        expr: x > 0`, "rule: A, time: 3m0s, err: exceeded limit of 1 with 2 alerts"},
		{"error in a rule reading a recorded rule", `
      - record: xs
        expr: x
      - record: joined
        expr: xs + on(a) y`, "rule: joined, time: 3m0s, err: found duplicate series for the match group"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			limit := ""
			if strings.Contains(tc.name, "limit") {
				limit = "\n    limit: 1"
			}
			simtest.Write(t, dir, "rules.yml", "groups:\n  - name: g"+limit+"\n    rules:"+tc.rules+"\n")
			p := simtest.Write(t, dir, "test.yml", unobservedTest)
			od, ex := runBoth(t, p)
			for _, r := range []*FileResult{od, ex} {
				if text := strings.Join(r.Errors(), "\n"); !strings.Contains(text, tc.want) {
					t.Errorf("errors do not contain %q:\n%s", tc.want, text)
				}
			}
			if st := od.Groups[0].Stats; st.Fallback == "" || !st.Exhaustive {
				t.Errorf("on-demand stats %+v: want a scan that falls back", st)
			}
		})
	}
}

// TestScanOnlyWhatCannotBeProven: rules the prover shows cannot fail are
// not scanned (the common case, so on demand stays fast); rules it cannot
// show that for are scanned, with the rules they read, and when they do
// not fail the group still runs on demand.
func TestScanOnlyWhatCannotBeProven(t *testing.T) {
	for _, tc := range []struct {
		name, rules string
		scanned     int
	}{
		{"aggregations divided", `
      - record: ratio
        expr: sum(rate(x[5m])) / sum(rate(y[5m]))`, 0},
		{"grouped aggregations matched on their groups", `
      - record: r
        expr: sum by (a) (x) / on(a) sum by (a) (y)
        labels: {team: t}`, 0},
		{"filter on a recorded series, constant alert labels", `
      - record: a:x:sum
        expr: sum by (a) (x)
        labels: {platform: p}
      - alert: High
        expr: a:x:sum{platform="p"} > 1
        labels: {platform: p, severity: page}`, 0},
		{"burn-rate alert of several SLOs", `
      - record: slo:ratio1h
        expr: sum(rate(x[1h])) / sum(rate(y[1h]))
        labels: {slo: s1}
      - record: slo:ratio5m
        expr: sum(rate(x[5m])) / sum(rate(y[5m]))
        labels: {slo: s1}
      - alert: Burn
        expr: (slo:ratio1h{slo="s1"} > 0.1 and slo:ratio5m{slo="s1"} > 0.1) or (slo:ratio5m{slo="s1"} > 0.5)
        labels: {slo: s1, severity: page}`, 0},
		{"self-reference through an offset", `
      - record: acc
        expr: sum by (a) (x) + (acc offset 2m or sum by (a) (x) * 0)`, 0},
		{"count_values joined on its value label, as the monthly projection does", `
      - record: r
        expr: sum(x) * on() group_left(m) count_values("m", month(vector(time())))`, 0},
		{"count_values by a label, divided on it", `
      - record: r
        expr: count_values by (a) ("v", x) / on(a, v) count_values by (a) ("v", x)`, 0},
		{"count_values without a label", `
      - alert: A
        expr: count_values without (b) ("v", y) > 0
        labels: {severity: page}`, 0},
		{"count_values of several series under an alert label it sets", `
      - alert: A
        expr: count_values("v", y) > 0
        labels: {v: same}`, 1},
		{"rules over a metric no input series has, as other alerts of a spec", `
      - record: p99
        expr: histogram_quantile(0.99, sum by (le, t) (rate(nothing_bucket[5m])))
        labels: {platform: p}
      - alert: Slow
        expr: p99{platform="p"} > 2 or absent(nothing_bucket)
        labels: {b: same}
      - alert: Joined
        expr: nothing * on() group_left y + x`, 0},
		{"a metric no input series has, joined with one that exists", `
      - alert: A
        expr: y * on(a) nothing or y
        labels: {b: same}`, 1},
		{"label_replace, which the prover does not cover", `
      - record: r
        expr: label_replace(x, "b", "$1", "a", "(.*)")`, 1},
		// giantswarm's certificate alerts template team from provider:
		// whatever the value, the key {a} is left alone.
		{"a templated alert label the key does not have", `
      - alert: A
        expr: x > 0
        labels: {team: '{{ if eq .Labels.a "1" }}p{{ else }}q{{ end }}', b: '{{ $value }}'}`, 0},
		{"a templated alert label the key has", `
      - alert: A
        expr: y > 0
        labels: {b: '{{ if eq .Labels.a "1" }}p{{ else }}q{{ end }}'}`, -1},
		{"an alert label the selector does not fix", `
      - alert: A
        expr: y > 0
        labels: {b: same}`, 1},
		{"many-to-one matching without group_left, and the rule it reads", `
      - record: ys
        expr: y
      - record: r
        expr: ys * on(a) sum by (a) (x)`, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			simtest.Write(t, dir, "rules.yml", "groups:\n  - name: g\n    rules:"+tc.rules+"\n")
			p := simtest.Write(t, dir, "test.yml", `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'x{a="1"}'
        values: '0+1x20'
      - series: 'x{a="2"}'
        values: '0+2x20'
      - series: 'y{a="1",b="1"}'
        values: '0+3x20'
    promql_expr_test:
      - expr: vector(1)
        eval_time: 15m
        exp_samples:
          - labels: '{}'
            value: 1
`)
			od, ex := runBoth(t, p)
			if !od.Passed() || !ex.Passed() {
				t.Fatalf("want a pass:\n%s\n---\n%s", strings.Join(od.Errors(), "\n"), strings.Join(ex.Errors(), "\n"))
			}
			st := od.Groups[0].Stats
			if tc.scanned < 0 {
				// Beyond the scan too: the group runs exhaustively.
				if st.Fallback == "" || !st.Exhaustive {
					t.Errorf("on demand, want a fallback: %+v", st)
				}
				return
			}
			if st.Fallback != "" || st.Exhaustive {
				t.Errorf("on-demand fell back: %q", st.Fallback)
			}
			if st.ScannedRules != tc.scanned {
				t.Errorf("scanned %d rules, want %d", st.ScannedRules, tc.scanned)
			}
		})
	}
}
