package promtool

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slo-compiler/slo/internal/simulate"
	"github.com/slo-compiler/slo/internal/simulate/simtest"
)

// promtoolTestFiles returns the promtool-format test files under
// testdata and, when it exists, the repository's tests/ folder.
func promtoolTestFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, root := range []string{"testdata", filepath.Join("..", "..", "..", "tests")} {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && p == root {
					return filepath.SkipDir
				}
				return err
			}
			if d.IsDir() || !(strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			// Unit-test files, not rule files.
			if strings.Contains(string(b), "rule_files:") && (strings.Contains(string(b), "\ntests:") || strings.HasPrefix(string(b), "tests:")) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) < 10 {
		t.Fatalf("found only %d test files", len(files))
	}
	return files
}

// TestModesAgree runs every promtool-format file in both modes; verdicts
// and failure text must be identical.
func TestModesAgree(t *testing.T) {
	for _, f := range promtoolTestFiles(t) {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			od, ex := runBoth(t, f)
			if od.Passed() != ex.Passed() {
				t.Errorf("on-demand passed=%v, exhaustive passed=%v", od.Passed(), ex.Passed())
			}
		})
	}
}

// TestOnDemandSkipsWork checks that the probe files, whose assertions
// show every computed value, are evaluated with far fewer rule
// evaluations than promtool does.
func TestOnDemandSkipsWork(t *testing.T) {
	for _, f := range []string{"testdata/ondemand/probe.test.yml", "testdata/ondemand/probe_alerts.test.yml", "testdata/pass_basic.test.yml"} {
		od, ex := runBoth(t, f)
		for i := range od.Groups {
			o, e := od.Groups[i].Stats, ex.Groups[i].Stats
			if o.Exhaustive || o.Fallback != "" {
				t.Errorf("%s: group %d ran exhaustively: %q", f, i, o.Fallback)
			}
			if o.RuleEvals+o.MaterializedSteps >= e.RuleEvals {
				t.Errorf("%s: group %d: on-demand did %d evaluations (+%d materialized), exhaustive %d", f, i, o.RuleEvals, o.MaterializedSteps, e.RuleEvals)
			}
		}
	}
}

// TestFallbackOnRuleError: a rule error makes the on-demand run start
// over exhaustively, so the error text is promtool's.
func TestFallbackOnRuleError(t *testing.T) {
	od, _ := runBoth(t, "testdata/eval_error.test.yml")
	st := od.Groups[0].Stats
	if !st.Exhaustive || st.Fallback == "" {
		t.Errorf("stats = %+v, want an exhaustive fallback on the rule error", st)
	}
}

// TestErrorAtUnobservedStep: a rule error at a step no assertion depends
// on fails the test in promtool, which evaluates every step; on demand the
// error scan (errscan.go) finds it and the group runs exhaustively, so the
// failure text is promtool's.
func TestErrorAtUnobservedStep(t *testing.T) {
	dir := t.TempDir()
	simtest.Write(t, dir, "rules.yml", `groups:
  - name: g
    rules:
      - record: dup
        expr: '{__name__=~"a|b"}'
`)
	p := simtest.Write(t, dir, "test.yml", `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'a{x="1"}'
        values: '1x20'
      - series: 'b{x="1"}'
        values: '_x4 1 _x15'
    promql_expr_test:
      - expr: dup
        eval_time: 15m
        exp_samples:
          - labels: 'dup{x="1"}'
            value: 1
`)
	od, ex := runBoth(t, p)
	if od.Passed() || !strings.Contains(strings.Join(od.Errors(), "\n"), "rule: dup, time: 4m0s") {
		t.Errorf("on-demand: want the rule error at 4m, got %v", od.Errors())
	}
	if ex.Passed() {
		t.Errorf("exhaustive: want the rule error at 4m, got a pass")
	}
	if st := od.Groups[0].Stats; st.Fallback == "" {
		t.Errorf("on-demand stats %+v: want a fallback", st)
	}
}

// TestCompressedEmptyLabelSet: an alert whose expression returns the
// empty label set (sum(rate(c[5m])) > 20, from alphagov/govuk-helm-charts)
// turns pending at 5m; asserted at 9m and then 10m, the compressed rule
// must find that step between its evaluations at 4m and 9m, or it would
// take 9m for the start and not fire at 10m, where promtool fires.
func TestCompressedEmptyLabelSet(t *testing.T) {
	dir := t.TempDir()
	simtest.Write(t, dir, "rules.yml", `groups:
  - name: g
    rules:
      - alert: HighRate
        expr: sum(rate(c[5m])) > 20
        for: 5m
`)
	p := simtest.Write(t, dir, "test.yml", `rule_files: [rules.yml]
tests:
  - interval: 1m
    input_series:
      - series: 'c{x="y"}'
        values: '0+1320x30'
    alert_rule_test:
      - alertname: HighRate
        eval_time: 9m
      - alertname: HighRate
        eval_time: 10m
        exp_alerts:
          - exp_labels: {}
`)
	od, ex := runBoth(t, p)
	if !ex.Passed() {
		t.Fatalf("exhaustive: %v", ex.Errors())
	}
	if !od.Passed() {
		t.Errorf("on demand: %v", od.Errors())
	}
	if st := od.Groups[0].Stats; st.Exhaustive || st.Fallback != "" {
		t.Errorf("on-demand stats %+v: want no fallback", st)
	}
}

// TestIdentityLabel: an alert label that sets itself (`team:
// "{{$labels.team}}"`, as in wikimedia/operations-alerts) leaves the
// alert's labels as they are, so it cannot make two alerts collide: the
// group runs on demand (it ran exhaustively, 9,373 evaluations for one
// assertion), with promtool's failure text; a label templated from
// another label still runs exhaustively.
func TestIdentityLabel(t *testing.T) {
	dir := t.TempDir()
	test := `rule_files: [rules.yml]
tests:
  - interval: 1m
    input_series:
      - series: 'x{a="1", team="p"}'
        values: '0 1x60'
      - series: 'x{a="1", team="q"}'
        values: '0x30 1x30'
      - series: 'x{a="1"}'
        values: '1x60'
    alert_rule_test:
      - alertname: High
        eval_time: 40m
        exp_alerts:
          - exp_labels: {a: "1", team: p, severity: page}
      - alertname: High
        eval_time: 59m
        exp_alerts:
          - exp_labels: {a: "1", team: p, severity: page}
          - exp_labels: {a: "1", team: q, severity: page}
`
	// Where it runs on demand, the prover rules out a collision unless
	// scanned says it cannot (the rule is scanned then), and the rule is
	// compressed: evaluated only where its label sets change (steps 0, 1
	// and 31) and at the two assertions, not at every step it returns a
	// series (22).
	for _, tc := range []struct {
		expr, team string
		fallback   bool
		scanned    int
	}{
		{"x > 0", `"{{$labels.team}}"`, false, 0},
		{"x > 0", `"{{ $labels.team }}"`, false, 0},
		{"x > 0", `"{{ $labels.a }}"`, true, 0},
		// Beyond the prover: the error scan applies the alert labels.
		{`label_replace(x, "b", "$1", "a", "(.*)") > 0`, `"{{$labels.team}}"`, false, 1},
	} {
		simtest.Write(t, dir, "rules.yml", `groups:
  - name: g
    rules:
      - alert: High
        expr: '`+tc.expr+`'
        for: 10m
        labels:
          severity: page
          team: `+tc.team+`
`)
		p := simtest.Write(t, dir, "test.yml", test)
		od, ex := runBoth(t, p)
		st := od.Groups[0].Stats
		if (st.Fallback != "") != tc.fallback {
			t.Errorf("%s, team: %s: fallback %q, want one: %v", tc.expr, tc.team, st.Fallback, tc.fallback)
		}
		if !tc.fallback && (st.ScannedRules != tc.scanned || st.RuleEvals > 5) {
			t.Errorf("%s, team: %s: %d rules scanned, %d evaluations; want %d scanned, at most 5 evaluations", tc.expr, tc.team, st.ScannedRules, st.RuleEvals, tc.scanned)
		}
		// The series without team fires too, and {a="1"} collides with
		// itself only where team is templated from a.
		if len(ex.Errors()) == 0 || len(od.Errors()) == 0 {
			t.Errorf("team: %s: want failures (the alert of x{a=\"1\"} is not expected), got none", tc.team)
		}
	}
}

func runBoth2(t *testing.T, p string) (*FileResult, *FileResult) {
	t.Helper()
	od, err := RunFile(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := RunFile(p, Options{Options: simulate.Options{Exhaustive: true}})
	if err != nil {
		t.Fatal(err)
	}
	return od, ex
}

// threeModesAgree runs the test file p on demand, exhaustively and on
// demand without materialization: all three must report the same
// errors, at least minErrors of them (the generated assertions are meant
// to fail, so that the failure text shows every value computed), and the
// on-demand run must not fall back to an exhaustive one.
func threeModesAgree(t *testing.T, p string, minErrors int) {
	t.Helper()
	od, ex := runBoth2(t, p)
	if d := cmp.Diff(ex.Errors(), od.Errors()); d != "" {
		t.Errorf("modes differ (-exhaustive +on-demand):\n%s", d)
	}
	plain, err := RunFile(p, Options{Options: simulate.Options{NoMaterialize: true}})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(ex.Errors(), plain.Errors()); d != "" {
		t.Errorf("modes differ (-exhaustive +on-demand without materialization):\n%s", d)
	}
	if ex.Passed() || len(ex.Errors()) < minErrors {
		t.Errorf("expected the probe assertions to fail, got %d errors", len(ex.Errors()))
	}
	for _, g := range od.Groups {
		if g.Stats.Fallback != "" {
			t.Errorf("unexpected fallback: %s", g.Stats.Fallback)
		}
	}
}

// randomRules exercises range reads of recorded series, offsets,
// subqueries (materialized with range queries like any recording rule; a
// subquery's steps are aligned to absolute time in both),  self-reference, staleness of disappearing series, for and
// keep_firing_for, templated annotations and rules reading rules of
// later groups.
const randomRules = `groups:
  - name: rec
    rules:
      - record: job:x:sum
        expr: sum by (job) (x)
      - record: job:x:rate3m
        expr: sum by (job) (rate(cnt[3m]))
      - record: job:x:up
        expr: x > 4
      - record: job:x:avg7m
        expr: avg_over_time(job:x:sum[7m])
      - record: job:x:prev
        expr: job:x:sum offset 3m
      - record: job:x:sub
        expr: min_over_time(job:x:rate3m[6m:2m])
      - record: job:x:subinc
        expr: sum_over_time(increase(cnt[4m])[11m:3m]) + sum(count_over_time(x[5m:]))
      - record: job:x:acc
        expr: job:x:sum + (job:x:acc offset 2m or job:x:sum * 0)
      - record: job:late:read
        expr: count(late:y) or vector(0)
  - name: late
    rules:
      - record: late:y
        expr: job:x:up * 2
  - name: shifted
    query_offset: 2m
    rules:
      - record: job:x:shifted
        expr: job:x:sum
      - record: job:x:ahead
        expr: late:y offset -1m
      - record: job:x:pinned
        expr: job:x:sum @ 600
      - alert: ShiftedHigh
        expr: job:x:shifted > 8
        for: 2m
  - name: alerts
    rules:
      - alert: XHigh
        expr: job:x:sum > 9
        for: 3m
        labels:
          severity: page
        annotations:
          v: "{{ $value }} {{ $labels.job }}"
      - alert: XUp
        expr: job:x:up
        for: 2m
      - alert: XKeep
        expr: job:x:avg7m > 5
        for: 1m
        keep_firing_for: 3m
      - alert: RateLow
        expr: job:x:rate3m < 0.05
`

func randomTest(r *rand.Rand) string {
	steps := 40 + r.Intn(40)
	var b strings.Builder
	b.WriteString("rule_files: [rules.yml]\nevaluation_interval: 1m\ngroup_eval_order: [rec, late, shifted, alerts]\ntests:\n")
	for g := 0; g < 2; g++ {
		fmt.Fprintf(&b, "  - name: g%d\n    interval: 1m\n    input_series:\n", g)
		for _, job := range []string{"a", "b"} {
			for inst := 0; inst < 1+r.Intn(2); inst++ {
				fmt.Fprintf(&b, "      - series: 'x{job=%q, i=\"%d\"}'\n        values: '%s'\n", job, inst, simtest.RandomValues(r, steps, false))
			}
			fmt.Fprintf(&b, "      - series: 'cnt{job=%q}'\n        values: '%s'\n", job, simtest.RandomValues(r, steps, true))
		}
		b.WriteString("    alert_rule_test:\n")
		for i := 0; i < 6; i++ {
			name := []string{"XHigh", "XUp", "XKeep", "RateLow", "ShiftedHigh"}[r.Intn(5)]
			fmt.Fprintf(&b, "      - {eval_time: %ds, alertname: %s, exp_alerts: [{exp_labels: {probe: x}}]}\n", 30*r.Intn(2*steps), name)
		}
		b.WriteString("    promql_expr_test:\n")
		exprs := []string{"job:x:sum", "job:x:rate3m", "job:x:up", "job:x:avg7m", "job:x:prev", "job:x:sub", "job:x:subinc", "job:x:acc", "job:late:read", "late:y", "count_over_time(job:x:up[9m])", "job:x:sum offset -2m", "job:x:shifted", "job:x:ahead", "job:x:pinned", "sum_over_time(job:x:shifted[5m])"}
		for i := 0; i < 6; i++ {
			fmt.Fprintf(&b, "      - {expr: '%s', eval_time: %ds}\n", exprs[r.Intn(len(exprs))], 30*r.Intn(2*steps))
		}
	}
	return b.String()
}

// TestRandomModesAgree generates files whose assertions all fail, so that
// the failure text shows every computed alert and sample, and compares the
// two modes on them.
func TestRandomModesAgree(t *testing.T) {
	n := 30
	if testing.Short() {
		n = 5
	}
	dir := t.TempDir()
	simtest.Write(t, dir, "rules.yml", randomRules)
	for seed := 1; seed <= n; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewSource(int64(seed)))
			p := simtest.Write(t, dir, fmt.Sprintf("test%d.yml", seed), randomTest(r))
			threeModesAgree(t, p, 6)
		})
	}
}

// TestParallelOrder runs many files concurrently; results must come back
// in input order and equal sequential runs.
func TestParallelOrder(t *testing.T) {
	files := promtoolTestFiles(t)
	par, err := RunFiles(files, Options{Parallelism: 4})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		seq, err := RunFile(f, Options{Parallelism: 1})
		if err != nil {
			t.Fatal(err)
		}
		if par[i].File != f {
			t.Fatalf("result %d is for %s, want %s", i, par[i].File, f)
		}
		if d := cmp.Diff(seq.Errors(), par[i].Errors()); d != "" {
			t.Errorf("%s: parallel and sequential differ:\n%s", f, d)
		}
	}
}

func TestWriteReport(t *testing.T) {
	res, err := RunFile("testdata/fail_labels.test.yml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := res.WriteReport(&b); err != nil {
		t.Fatal(err)
	}
	want := "Unit Testing:  testdata/fail_labels.test.yml\n  FAILED:\n" + res.Errors()[0] + "\n\n\n"
	if b.String() != want {
		t.Errorf("report:\n%q\nwant\n%q", b.String(), want)
	}
	res, _ = RunFile("testdata/pass_basic.test.yml", Options{})
	b.Reset()
	_ = res.WriteReport(&b)
	if b.String() != "Unit Testing:  testdata/pass_basic.test.yml\n  SUCCESS\n\n" {
		t.Errorf("report: %q", b.String())
	}
}

func TestRunFilter(t *testing.T) {
	res, err := RunFile("testdata/fail_missing_alert.test.yml", Options{Run: []string{"^unexpected"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Groups) != 1 || res.Groups[0].Name != "unexpected alert" {
		t.Fatalf("groups = %+v", res.Groups)
	}
	if _, err := RunFile("x", Options{Run: []string{"("}}); err == nil {
		t.Error("want an error for an invalid --run pattern")
	}
}

// latestRules are read by plain instant selectors (plan.go, "Latest
// reads"): series that come and go (stale markers across skipped steps),
// a rule read by an earlier rule (seen one step late), a rule reading
// itself, offsets both ways, a group query offset that is not a multiple
// of the interval, and alerts over them. (Rules that share series with
// other rules or input series make the error scan refuse, plan/prove.go,
// so the planner's own exclusivity check has a unit test instead.)
const latestRules = `groups:
  - name: rec
    rules:
      - record: v:up
        expr: x > 4
      - record: v:early
        expr: v:late + 0
      - record: v:late
        expr: x * 2 > 6
      - record: v:chain
        expr: v:up * 10
      - record: v:self
        expr: v:up + ignoring(__name__) (v:self or v:up * 0)
      - record: v:ahead
        expr: v:up offset -1m
  - name: shifted
    query_offset: 90s
    rules:
      - record: v:shifted
        expr: v:chain
      - record: v:shiftoff
        expr: v:up offset 1m
  - name: alerts
    rules:
      - alert: ChainHigh
        expr: v:chain > 60
        for: 2m
      - alert: Shifted
        expr: v:shifted > 0
        for: 1m
      - alert: Early
        expr: v:early > 0
      - alert: Self
        expr: v:self > 20
        for: 3m
`

func randomLatestTest(r *rand.Rand) string {
	steps := 30 + r.Intn(40)
	var b strings.Builder
	b.WriteString("rule_files: [rules.yml]\nevaluation_interval: 1m\ngroup_eval_order: [rec, shifted, alerts]\ntests:\n")
	for g := 0; g < 2; g++ {
		fmt.Fprintf(&b, "  - name: g%d\n    interval: 1m\n    input_series:\n", g)
		for _, job := range []string{"a", "b"} {
			for inst := 0; inst < 1+r.Intn(2); inst++ {
				fmt.Fprintf(&b, "      - series: 'x{job=%q, i=\"%d\"}'\n        values: '%s'\n", job, inst, simtest.RandomValues(r, steps, false))
			}
		}
		b.WriteString("    alert_rule_test:\n")
		for i := 0; i < 3; i++ {
			name := []string{"ChainHigh", "Shifted", "Early", "Self"}[r.Intn(4)]
			fmt.Fprintf(&b, "      - {eval_time: %ds, alertname: %s, exp_alerts: [{exp_labels: {probe: x}}]}\n", 60*r.Intn(steps), name)
		}
		b.WriteString("    promql_expr_test:\n")
		exprs := []string{"v:up", "v:early", "v:late", "v:chain", "v:self", "v:ahead", "v:shifted", "v:shiftoff",
			"timestamp(v:up)", "count(v:chain) or vector(0)", "v:up offset 2m", "absent(v:shifted)", "last_over_time(v:up[3m])", "v:chain offset -1m"}
		for i := 0; i < 8; i++ {
			fmt.Fprintf(&b, "      - {expr: '%s', eval_time: %ds}\n", exprs[r.Intn(len(exprs))], 10*r.Intn(6*steps))
		}
	}
	return b.String()
}

// TestRandomLatestReadsAgree compares the modes on files whose assertions
// read recorded series through plain instant selectors at scattered
// times, so that the planner asks the producers for isolated steps; every
// assertion fails, so the failure text shows every value read.
func TestRandomLatestReadsAgree(t *testing.T) {
	n := 40
	if testing.Short() {
		n = 8
	}
	dir := t.TempDir()
	simtest.Write(t, dir, "rules.yml", latestRules)
	for seed := 1; seed <= n; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewSource(int64(seed)))
			p := simtest.Write(t, dir, fmt.Sprintf("latest%d.yml", seed), randomLatestTest(r))
			threeModesAgree(t, p, 1)
		})
	}
}

// TestSharedNameScanned: two recording rules that may write the same
// series (one sets t, the other copies t from k with label_replace, as
// kubernetes-mixin's namespace_workload_pod:kube_pod_owner:relabel rules
// do) are scanned rather than evaluated at every step: where their series
// differ, the group runs on demand with the exhaustive run's results;
// where one series is written by both (the storage rejects the second
// sample of a step, and promtool fails the group), it falls back and
// fails as the exhaustive run does.
func TestSharedNameScanned(t *testing.T) {
	dir := t.TempDir()
	simtest.Write(t, dir, "rules.yml", `groups:
  - name: g
    rules:
      - record: n
        expr: x
        labels: {t: fixed}
      - record: n
        expr: label_replace(y, "t", "$1", "k", "(.*)")
      - record: s
        expr: sum by (t) (n)
      - alert: High
        expr: s > 5
        for: 10m
`)
	test := func(yk string) string {
		return `rule_files: [rules.yml]
tests:
  - interval: 1m
    input_series:
      - series: 'x{k="fixed"}'
        values: '1x120'
      - series: 'y{k="` + yk + `"}'
        values: '7x120'
    alert_rule_test:
      - alertname: High
        eval_time: 100m
    promql_expr_test:
      - expr: n
        eval_time: 90m
`
	}
	for _, tc := range []struct {
		yk       string
		fallback string
	}{
		{"b", ""},
		{"fixed", "rules n and n write the same series"},
	} {
		p := simtest.Write(t, dir, "test.yml", test(tc.yk))
		od, ex := runBoth(t, p)
		st := od.Groups[0].Stats
		if st.Fallback != tc.fallback {
			t.Errorf("y{k=%q}: fallback %q, want %q", tc.yk, st.Fallback, tc.fallback)
		}
		// The empty expectations fail, showing what was computed: the
		// alert and both series of n, or the rule's failure.
		if len(ex.Errors()) == 0 {
			t.Errorf("y{k=%q}: no failures; the assertions expect nothing", tc.yk)
		}
		if tc.fallback == "" && st.RuleEvals >= ex.Groups[0].Stats.RuleEvals/4 {
			t.Errorf("y{k=%q}: %d rule evaluations on demand, %d exhaustively: not planned", tc.yk, st.RuleEvals, ex.Groups[0].Stats.RuleEvals)
		}
		t.Logf("y{k=%q}: %v", tc.yk, ex.Errors())
	}
}

// TestSharedNameOrders: recording rules that share a name, with readers
// of it between them in evaluation order, in other groups, with query
// offsets and with alerting rules (compressed and probed) between them;
// their series appear, go stale and reappear. On demand, exhaustively and
// without materialization the results are the same, and the group runs
// on demand unless the two rules write one series before the last step
// (through a rule label here), a rule that may fail reads the name
// before its last producer, or a recording rule writes ALERTS.
func TestSharedNameOrders(t *testing.T) {
	const input = `
      - series: 'x{k="fixed"}'
        values: '1+1x40 _x10 3x60'
      - series: 'y{k="b"}'
        values: '7x10 _x20 9+1x40 _x5 2x40'
      - series: 'y{k="c"}'
        values: '_x30 9x3 _ 9x2 _x50'
      - series: 'z{k="fixed"}'
        values: '_x50 3x10'
`
	between := `groups:
  - name: g
    rules:
      - record: n
        expr: x
        labels: {t: fixed}
      - record: s
        expr: sum by (t) (n)
      - alert: High
        expr: sum by (t) (n) > 8
        for: 3m
      - alert: Keep
        expr: sum by (t) (n) > 6
        keep_firing_for: 5m
      - alert: Never
        expr: sum by (t) (n) > 1000
        for: 2m
      - record: n
        expr: label_replace(y, "t", "$1", "k", "(.*)")
      - record: c
        expr: count_over_time(n[5m])
`
	groups := `groups:
  - name: g1
    query_offset: 1m
    rules:
      - record: n
        expr: x
        labels: {t: fixed}
      - record: n
        expr: label_replace(z, "t", "fixed", "", "")
  - name: g2
    rules:
      - record: s
        expr: sum by (t) (n)
      - alert: High
        expr: sum by (t) (n) > 8
        for: 3m
  - name: g3
    query_offset: 2m
    rules:
      - record: n
        expr: label_replace(y, "t", "$1", "k", "(.*)")
      - record: c
        expr: max by (t) (max_over_time(n[4m]))
`
	assertions := func(last string) string {
		return `
    alert_rule_test:
      - alertname: High
        eval_time: 34m
      - alertname: High
        eval_time: 11m
      - alertname: Keep
        eval_time: 38m
      - alertname: Never
        eval_time: ` + last + `
    promql_expr_test:
      - expr: s
        eval_time: 33m
      - expr: n
        eval_time: 31m
      - expr: c
        eval_time: 36m
      - expr: n offset 3m
        eval_time: 47m
      - expr: s
        eval_time: ` + last + `
`
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name, rules, last, fallback string
	}{
		{"reader between producers", between, "50m", ""},
		// z's series, written as n{k="fixed", t="fixed"} like x's, starts
		// at 50m: the scan covers the test's steps only.
		{"groups and offsets", groups, "49m", ""},
		{"one series from 51m", groups, "55m", "rules n and n write the same series"},
		{"a reader that may fail between producers", strings.Replace(between, "sum by (t) (n) > 8", "n > 8", 1), "50m", "rule High may fail; it reads a rule evaluated after it"},
		// A recording rule named ALERTS is not scanned for series an
		// alerting rule writes: the group runs exhaustively.
		{"ALERTS recorded", strings.Replace(between, "record: s\n        expr: sum by (t) (n)", "record: ALERTS\n        expr: x", 1), "50m", "rule ALERTS may fail; an alerting rule writes the same series"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			simtest.Write(t, dir, "rules.yml", tc.rules)
			p := simtest.Write(t, dir, "test.yml", "rule_files: [rules.yml]\ntests:\n  - interval: 1m\n    input_series:"+input+assertions(tc.last))
			od, ex := runBoth(t, p)
			for _, g := range od.Groups {
				if g.Stats.Fallback != tc.fallback {
					t.Errorf("fallback %q, want %q", g.Stats.Fallback, tc.fallback)
				}
				if tc.fallback == "" && g.Stats.RuleEvals >= ex.Groups[0].Stats.RuleEvals/2 {
					t.Errorf("%d rule evaluations on demand, %d exhaustively: not planned", g.Stats.RuleEvals, ex.Groups[0].Stats.RuleEvals)
				}
			}
			// The empty expectations fail, showing what was computed.
			if len(ex.Errors()) < 3 && tc.fallback == "" {
				t.Errorf("expected failing probes, got %v", ex.Errors())
			}
			t.Logf("%v", ex.Errors())
		})
	}
}
