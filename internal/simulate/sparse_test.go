package simulate_test

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/simulate"
	"github.com/slo-compiler/slo/internal/simulate/simtest"
)

// TestFiringOnlyAgrees asks whether alerts fire over random ranges of
// random input (runs of the expression just shorter and just longer than
// `for`, long windows, offsets), as firing-only ranges on demand and as
// observed ranges exhaustively: a range found silent must have no firing
// alert the selector matches at any of its steps in the exhaustive run,
// and a range not found silent must have the exhaustive run's states (the
// exhaustive run observes every alert of the names, whatever the labels).
func TestFiringOnlyAgrees(t *testing.T) {
	rules := simtest.Write(t, t.TempDir(), "rules.yml", randomRules)
	silent, observed := 0, 0
	for seed := int64(1); seed <= 20; seed++ {
		in, r, n := randomInput(rules, seed)
		sels := []map[string]string{nil, {"job": "a"}, {"severity": "page"}, {"job": "b", "severity": "critical"}, {"instance": "2"}}
		for range 10 {
			from := time.Duration(r.Intn(n)) * time.Minute
			to := from + time.Duration(r.Intn([]int{n / 2, 20}[r.Intn(2)]))*time.Minute
			names := [][]string{{"High"}, {"Raw"}, {"Now"}, {"Late"}, {"High", "Late"}, {"Edge"}, {"Edge"}, {"Edge"}, {"Keep"}, {"Keep"}, {"KeepRaw"}}[r.Intn(11)]
			sel := sels[r.Intn(len(sels))]
			if names[0] == "Edge" || names[0] == "Keep" {
				sel = sels[r.Intn(2)]
			}
			in.Observe = append(in.Observe, simulate.ObserveRange{Alertnames: names, From: from, To: to, StatesOnly: true, FiringOnly: true, Labels: sel})
		}
		od, err := simulate.Observe(in, simulate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		exIn := in
		exIn.Observe = nil
		for _, o := range in.Observe {
			// Every alert of the names, so that a rule the selector's
			// labels leave out wrongly (Observed.Selects) shows here.
			o.FiringOnly, o.Labels = false, nil
			exIn.Observe = append(exIn.Observe, o)
		}
		ex, err := simulate.Observe(exIn, simulate.Options{Exhaustive: true})
		if err != nil {
			t.Fatal(err)
		}
		if od.Stats.Fallback != "" || len(od.Failures)+len(ex.Failures) > 0 {
			t.Fatalf("seed %d: fallback %q, failures %v %v", seed, od.Stats.Fallback, od.Failures, ex.Failures)
		}
		for i, o := range in.Observe {
			var fired []string
			for k := o.From; k <= o.To; k += time.Minute {
				for _, st := range ex.States[k] {
					if !st.Firing || !slices.Contains(o.Alertnames, st.Name) || !selected(st.Labels, o.Labels) {
						continue
					}
					fired = append(fired, fmt.Sprint(k, st.Name, st.Labels))
				}
			}
			if od.Silent[i] {
				silent++
				if len(fired) > 0 {
					t.Errorf("seed %d, range %d %+v: found silent, but exhaustively %v", seed, i, o, fired)
				}
				continue
			}
			observed++
			sameFiring(t, fmt.Sprintf("seed %d, range %d", seed, i), o, o.From, o.To, "on demand", od.States, "exhaustively", ex.States)
		}
	}
	if silent == 0 || observed == 0 {
		t.Fatalf("%d ranges found silent, %d observed: the test needs both", silent, observed)
	}
	t.Logf("%d ranges found silent, %d observed", silent, observed)
}

// randomRules are the rules of the tests over random input: alerts with
// and without `for` and keep_firing_for, a recording rule over a long
// window, a group with a query offset.
const randomRules = `groups:
  - name: g
    rules:
      - record: job:x:avg30m
        expr: avg by (job) (avg_over_time(x[30m]))
      - alert: High
        expr: job:x:avg30m > 5.5
        for: 7m
        labels: {severity: page}
      - alert: High
        expr: max by (job) (x) > 8
        for: 3m
        labels: {severity: critical}
      - alert: Raw
        expr: x > 6
        for: 150s
      - alert: Now
        expr: x > 8
      - alert: Edge
        expr: y > 5
        for: 7m
      - alert: Keep
        expr: y > 5
        for: 7m
        keep_firing_for: 6m
      - alert: KeepRaw
        expr: x > 6
        for: 3m
        keep_firing_for: 10m
  - name: late
    query_offset: 2m
    rules:
      - alert: Late
        expr: job:x:avg30m > 5
        for: 10m
`

// randomInput is a test group over rules of seed's random input (n steps
// of x of three series, and y in runs of 6 to 9 steps above 5) and the
// source of randomness it drew from, for the ranges to observe.
func randomInput(rules string, seed int64) (simulate.Input, *rand.Rand, int) {
	r := rand.New(rand.NewSource(seed))
	n := 120 + r.Intn(120)
	return simulate.Input{
		Name:         fmt.Sprint("seed ", seed),
		RuleFiles:    []string{rules},
		EvalInterval: time.Minute,
		Series: []simulate.SeriesInput{
			{`x{job="a",instance="1"}`, simtest.RandomValues(r, n, false)},
			{`x{job="a",instance="2"}`, simtest.RandomValues(r, n, false)},
			{`x{job="b",instance="1"}`, simtest.RandomValues(r, n, false)},
			// Runs of 6 to 9 steps above the threshold: a `for` of 7
			// steps fires after exactly 8.
			{`y{job="a"}`, runs(r, n)},
		},
	}, r, n
}

// runs returns n values, 9 in runs of 6 to 9 steps, 0 between.
func runs(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; {
		gap := 1 + r.Intn(12)
		for j := 0; j < gap && i < n; j, i = j+1, i+1 {
			b.WriteString("0 ")
		}
		run := 6 + r.Intn(4)
		for j := 0; j < run && i < n; j, i = j+1, i+1 {
			b.WriteString("9 ")
		}
	}
	return strings.TrimSpace(b.String())
}

func selected(ls, sel map[string]string) bool {
	for k, v := range sel {
		if ls[k] != v {
			return false
		}
	}
	return true
}

// minutesOf returns the first and last evaluation of o at a 1m interval:
// the minutes from From, rounded up, to To, rounded down (first > last
// when o has none).
func minutesOf(o simulate.ObserveRange) (first, last time.Duration) {
	return (o.From + time.Minute - 1) / time.Minute * time.Minute, o.To / time.Minute * time.Minute
}

// sameFiring reports each minute from `from` to `to` where the alerts o
// selects, with their firing states, differ between two runs' states.
func sameFiring(t *testing.T, what string, o simulate.ObserveRange, from, to time.Duration, aName string, a map[time.Duration][]simulate.AlertState, bName string, b map[time.Duration][]simulate.AlertState) {
	t.Helper()
	for k := from; k <= to; k += time.Minute {
		if x, y := firingOf(a[k], o), firingOf(b[k], o); x != y {
			t.Errorf("%s at %s: %s %s, %s %s", what, k, aName, x, bName, y)
		}
	}
}

func firingOf(states []simulate.AlertState, o simulate.ObserveRange) string {
	s := ""
	for _, st := range states {
		if slices.Contains(o.Alertnames, st.Name) && selected(st.Labels, o.Labels) {
			s += fmt.Sprint(st.Name, st.Labels, st.Firing, ";")
		}
	}
	return s
}

// TestFiringOnlyProbeStride puts one run of exactly for/interval+1 steps
// above the threshold (the shortest run that fires) at every offset of a
// firing-only range: the probes, ceil(for/interval)+1 steps apart, must
// find every one of them, so that no range that fires is found silent;
// and a range after the run, where the expression returns nothing, must
// be found silent.
func TestFiringOnlyProbeStride(t *testing.T) {
	dir := t.TempDir()
	rules := simtest.Write(t, dir, "rules.yml", `groups:
  - name: g
    rules:
      - alert: Edge
        expr: y > 5
        for: 7m
      - alert: Keep
        expr: y > 5
        for: 7m
        keep_firing_for: 6m
      - alert: KeepRaw
        expr: x > 6
        for: 3m
        keep_firing_for: 10m
`)
	for off := 0; off < 20; off++ {
		vals := strings.Repeat("0 ", off) + strings.Repeat("9 ", 8) + strings.Repeat("0 ", 5)
		in := simulate.Input{
			Name:         fmt.Sprint("offset ", off),
			RuleFiles:    []string{rules},
			EvalInterval: time.Minute,
			Series:       []simulate.SeriesInput{{`y{job="a"}`, strings.TrimSpace(vals)}},
			Observe: []simulate.ObserveRange{
				{Alertnames: []string{"Edge"}, From: 0, To: time.Duration(off+10) * time.Minute, StatesOnly: true, FiringOnly: true},
				// The control: after the run y is 0, the expression
				// returns nothing, so the probes must find this range
				// silent (not every range is observed).
				{Alertnames: []string{"Edge"}, From: time.Duration(off+8) * time.Minute, To: time.Duration(off+12) * time.Minute, StatesOnly: true, FiringOnly: true},
			},
		}
		od, err := simulate.Observe(in, simulate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if od.Silent[0] {
			t.Errorf("offset %d: the run of 8 steps fires at step %d, but the range was found silent", off, off+7)
		}
		if !od.Silent[1] {
			t.Errorf("offset %d: steps %d..%d return nothing, but the range was not found silent", off, off+8, off+12)
		}
	}
}
