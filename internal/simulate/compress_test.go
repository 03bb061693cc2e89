package simulate_test

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/slo-compiler/slo/internal/simulate"
	"github.com/slo-compiler/slo/internal/simulate/promtool"
	"github.com/slo-compiler/slo/internal/simulate/simtest"
)

// TestCompressedStatesAgree observes alerts whose state flips often
// (random input around their thresholds, gaps, stale markers, several
// series) over states-only ranges, on demand with compression and
// exhaustively: every observed state but the annotations must agree, and
// alert_rule_test verdicts must too. Keep and KeepNow, with
// keep_firing_for, are kept firing across gaps shorter than it and
// resolved by longer ones, with `for` and without.
func TestCompressedStatesAgree(t *testing.T) {
	dir := t.TempDir()
	rules := simtest.Write(t, dir, "rules.yml", `groups:
  - name: g
    rules:
      - record: job:x:max
        expr: max by (job) (x)
      - alert: High
        expr: job:x:max > 5
        for: 7m
        labels: {severity: page}
        annotations: {summary: "{{ $value }}"}
      - alert: High
        expr: job:x:max > 7
        for: 3m
        labels: {severity: critical}
      - alert: Raw
        expr: x < 3
        for: 5m
      - alert: Rate
        expr: rate(c[5m]) > 0.05
        for: 4m
      - alert: Keep
        expr: job:x:max > 6
        for: 2m
        keep_firing_for: 4m
        annotations: {summary: "{{ $value }}"}
      - alert: KeepNow
        expr: x < 3
        keep_firing_for: 3m
        annotations: {summary: "{{ $value }}"}
`)
	var evals, plainEvals int
	for seed := int64(1); seed <= 12; seed++ {
		r := rand.New(rand.NewSource(seed))
		n := 60 + r.Intn(60)
		in := simulate.Input{
			Name:         fmt.Sprint("seed ", seed),
			RuleFiles:    []string{rules},
			EvalInterval: time.Minute,
			Series: []simulate.SeriesInput{
				{`x{job="a",instance="1"}`, simtest.RandomValues(r, n, false)},
				{`x{job="a",instance="2"}`, simtest.RandomValues(r, n, false)},
				{`x{job="b",instance="1"}`, simtest.RandomValues(r, n, false)},
				{`c{job="a"}`, simtest.RandomValues(r, n, true)},
			},
		}
		from := time.Duration(r.Intn(n/2)) * time.Minute
		in.Observe = []simulate.ObserveRange{
			{Alertnames: []string{"High"}, From: from, To: from + time.Duration(n/3)*time.Minute, StatesOnly: true},
			{Alertnames: []string{"Raw", "Rate"}, From: 0, To: time.Duration(n-1) * time.Minute, StatesOnly: true},
			{Alertnames: []string{"Keep", "KeepNow"}, From: from / 2, To: time.Duration(n-1) * time.Minute, StatesOnly: true},
			{Alertnames: []string{"High", "Keep", "KeepNow"}, From: time.Duration(n-5) * time.Minute, To: time.Duration(n-5) * time.Minute},
		}
		in.AlertTests = []simulate.AlertTest{
			{At: time.Duration(n-2) * time.Minute, Alertname: "Raw"},
			{At: from + 7*time.Minute, Alertname: "Keep"},
			{At: time.Duration(n-3) * time.Minute, Alertname: "KeepNow"},
		}
		od, ex := observeModes(t, in)
		plain, err := simulate.Observe(in, simulate.Options{NoCompress: true})
		if err != nil {
			t.Fatal(err)
		}
		// On demand, an alert active across steps the plan skips keeps
		// the ActiveAt of the first evaluated step (see AlertState), with
		// or without compression: compare it with uncompressed on-demand,
		// and the rest with exhaustive.
		noAnn := cmpopts.IgnoreFields(simulate.AlertState{}, "Annotations")
		if diff := cmp.Diff(plain.States, od.States, noAnn); diff != "" {
			t.Errorf("seed %d: states differ (-uncompressed +compressed):\n%s", seed, diff)
		}
		noActive := cmpopts.IgnoreFields(simulate.AlertState{}, "Annotations", "ActiveAt")
		if diff := cmp.Diff(ex.States, od.States, noActive); diff != "" {
			t.Errorf("seed %d: states differ (-exhaustive +compressed):\n%s", seed, diff)
		}
		if diff := cmp.Diff(promtool.Messages(ex.Failures), promtool.Messages(od.Failures)); diff != "" {
			t.Errorf("seed %d: errors differ (-exhaustive +compressed):\n%s", seed, diff)
		}
		// Annotations are exact where a range asks for them.
		at := time.Duration(n-5) * time.Minute
		if diff := cmp.Diff(plain.States[at], od.States[at]); diff != "" {
			t.Errorf("seed %d: states at %s differ (-uncompressed +compressed):\n%s", seed, at, diff)
		}
		if od.Stats.RuleEvals > plain.Stats.RuleEvals {
			t.Errorf("seed %d: compressed took %d rule evaluations, uncompressed %d", seed, od.Stats.RuleEvals, plain.Stats.RuleEvals)
		}
		evals, plainEvals = evals+od.Stats.RuleEvals, plainEvals+plain.Stats.RuleEvals
	}
	if evals >= plainEvals {
		t.Errorf("compressed took %d rule evaluations, uncompressed %d: nothing was compressed", evals, plainEvals)
	}
	t.Logf("rule evaluations: compressed %d, uncompressed %d", evals, plainEvals)
}

// TestCompressedLongFor: an alert with a long `for`, asserted at a few
// steps, takes a few evaluations, not one per step of `for`.
func TestCompressedLongFor(t *testing.T) {
	dir := t.TempDir()
	rules := simtest.Write(t, dir, "rules.yml", `groups:
  - name: g
    rules:
      - record: job:up:min
        expr: min by (job) (up)
      - alert: Down
        expr: job:up:min == 0
        for: 10d
`)
	steps := 15 * 24 * 60
	in := simulate.Input{
		Name:         "long for",
		RuleFiles:    []string{rules},
		EvalInterval: time.Minute,
		Series:       []simulate.SeriesInput{{`up{job="a"}`, fmt.Sprintf("1x9 0x%d", steps)}},
		Observe: []simulate.ObserveRange{
			{Alertnames: []string{"Down"}, From: 0, To: 11 * 24 * time.Hour, StatesOnly: true},
		},
		AlertTests: []simulate.AlertTest{{At: 10*24*time.Hour + 9*time.Minute, Alertname: "Down"}, {At: 10*24*time.Hour + 10*time.Minute, Alertname: "Down", Firing: []simulate.ExpectedAlert{{Labels: map[string]string{"job": "a"}}}}},
	}
	od, err := simulate.Observe(in, simulate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(od.Failures) > 0 || od.Stats.Fallback != "" {
		t.Fatalf("errors %v, fallback %q", promtool.Messages(od.Failures), od.Stats.Fallback)
	}
	if od.Stats.RuleEvals > 20 {
		t.Errorf("%d rule evaluations for a 10d for; want a handful", od.Stats.RuleEvals)
	}
	firstFiring := time.Duration(-1)
	for k := 0; k <= 11*24*60; k++ {
		at := time.Duration(k) * time.Minute
		sts, ok := od.States[at]
		if !ok {
			t.Fatalf("no states at %s", at)
		}
		if len(sts) > 0 && sts[0].Firing {
			firstFiring = at
			break
		}
	}
	if want := 10*24*time.Hour + 10*time.Minute; firstFiring != want {
		t.Errorf("fires first at %s, want %s", firstFiring, want)
	}
}

// TestCompressedKeepFiring runs alerts with keep_firing_for, with `for`
// and without, through gaps shorter than it, exactly as long and longer,
// and returns within and after it, asserted at the steps where they
// disappear, are kept, expire and come back: compressed, every state
// (ActiveAt included, the rule's steps starting at 0) and every verdict
// must be the exhaustive run's, in a handful of evaluations.
func TestCompressedKeepFiring(t *testing.T) {
	dir := t.TempDir()
	rules := simtest.Write(t, dir, "rules.yml", `groups:
  - name: g
    rules:
      - alert: Keep
        expr: y > 5
        for: 3m
        keep_firing_for: 5m
        annotations: {summary: "{{ $value }}"}
      - alert: KeepNow
        expr: y > 5
        keep_firing_for: 5m
        annotations: {summary: "{{ $value }}"}
`)
	// Steps: 10-19 above (Keep fires at 13), 20-22 a gap within
	// keep_firing_for, 23-27 above, 28-37 a gap past it (resolved at 33),
	// 38-39 above (too short for `for`), 42-48 above, 49-53 a gap of
	// exactly keep_firing_for (a step without the alert 5m after the
	// first would resolve it; 54 returns it instead), 54-60 above, 61-64
	// a gap within it, 65-70 above, 71-76 a gap one step longer than it
	// (resolved at 76), 77-80 above (a new alert, Keep firing at 80), then
	// below.
	var vals []string
	above := func(n int) {
		for i := range n {
			vals = append(vals, fmt.Sprint(6+i%4))
		}
	}
	below := func(n int) {
		for range n {
			vals = append(vals, "0")
		}
	}
	below(10)
	above(10)
	below(3)
	above(5)
	below(10)
	above(2)
	below(2)
	above(7)
	below(5)
	above(7)
	below(4)
	above(6)
	below(6)
	above(4)
	below(120)
	const m = time.Minute
	var tests []simulate.AlertTest
	for _, k := range []int{12, 13, 19, 20, 22, 23, 28, 32, 33, 38, 40, 49, 53, 54, 61, 64, 65, 71, 75, 76, 77, 80, 85, 190} {
		tests = append(tests, simulate.AlertTest{At: time.Duration(k) * m, Alertname: "Keep"}, simulate.AlertTest{At: time.Duration(k) * m, Alertname: "KeepNow"})
	}
	in := simulate.Input{
		Name:         "keep firing",
		RuleFiles:    []string{rules},
		EvalInterval: m,
		Series:       []simulate.SeriesInput{{`y{job="a"}`, strings.Join(vals, " ")}},
		Observe: []simulate.ObserveRange{
			{Alertnames: []string{"Keep", "KeepNow"}, From: 0, To: 200 * m, StatesOnly: true},
			// Annotations of kept alerts: those of the last step that
			// returned them.
			{Alertnames: []string{"Keep", "KeepNow"}, From: 21 * m, To: 21 * m},
			{Alertnames: []string{"Keep", "KeepNow"}, From: 52 * m, To: 52 * m},
		},
		AlertTests: tests,
	}
	od, ex := observeModes(t, in)
	// The input does what the comment says.
	firing := func(k int, name string) string {
		for _, st := range ex.States[time.Duration(k)*m] {
			if st.Name == name {
				return fmt.Sprint(st.Firing, " from ", int(st.ActiveAt/m))
			}
		}
		return "none"
	}
	for _, c := range []struct {
		k          int
		name, want string
	}{
		{12, "Keep", "false from 10"}, {13, "Keep", "true from 10"}, {22, "Keep", "true from 10"}, {32, "Keep", "true from 10"},
		{33, "Keep", "none"}, {39, "Keep", "false from 38"}, {40, "Keep", "none"}, {40, "KeepNow", "true from 38"},
		{53, "Keep", "true from 42"}, {54, "Keep", "true from 42"}, {64, "Keep", "true from 42"}, {75, "KeepNow", "true from 38"},
		{76, "Keep", "none"}, {77, "Keep", "false from 77"}, {77, "KeepNow", "true from 77"}, {80, "Keep", "true from 77"},
		{85, "Keep", "true from 77"}, {86, "KeepNow", "none"},
	} {
		if got := firing(c.k, c.name); got != c.want {
			t.Errorf("exhaustively, %s at step %d: %s, want %s", c.name, c.k, got, c.want)
		}
	}
	// States-only steps may show the annotations of the last real
	// evaluation; the steps asked with annotations must not.
	noAnn := cmpopts.IgnoreFields(simulate.AlertState{}, "Annotations")
	if diff := cmp.Diff(ex.States, od.States, noAnn); diff != "" {
		t.Errorf("states differ (-exhaustive +compressed):\n%s", diff)
	}
	for _, at := range []time.Duration{21 * m, 52 * m} {
		if diff := cmp.Diff(ex.States[at], od.States[at]); diff != "" {
			t.Errorf("states at %s differ (-exhaustive +compressed):\n%s", at, diff)
		}
	}
	if diff := cmp.Diff(promtool.Messages(ex.Failures), promtool.Messages(od.Failures)); diff != "" {
		t.Errorf("verdicts differ (-exhaustive +compressed):\n%s", diff)
	}
	if len(ex.Failures) == 0 {
		t.Error("no alert test failed: they compare nothing")
	}
	// 201 steps of two rules exhaustively; compressed, the steps around
	// each of the 14 changes of the label sets and the assertions.
	if od.Stats.RuleEvals > 120 {
		t.Errorf("%d rule evaluations compressed, exhaustively %d: keep_firing_for is not compressed", od.Stats.RuleEvals, ex.Stats.RuleEvals)
	}
	t.Logf("rule evaluations: compressed %d, exhaustive %d", od.Stats.RuleEvals, ex.Stats.RuleEvals)
}

// observeModes runs in on demand and exhaustively; an on-demand run that
// falls back to exhaustive compares nothing, and fails t.
func observeModes(t *testing.T, in simulate.Input) (od, ex *simulate.Output) {
	t.Helper()
	od, err := simulate.Observe(in, simulate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ex, err = simulate.Observe(in, simulate.Options{Exhaustive: true})
	if err != nil {
		t.Fatal(err)
	}
	if od.Stats.Fallback != "" {
		t.Fatalf("%s fell back: %s", in.Name, od.Stats.Fallback)
	}
	return od, ex
}
