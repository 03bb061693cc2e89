package simulate_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/simulate"
	"github.com/slo-compiler/slo/internal/simulate/simtest"
)

// TestFiresSomeAgrees asks whether alerts fire at some step of random
// ranges of random input, as FiresSome ranges on demand and as observed
// ranges exhaustively: the answer read from the on-demand states (any
// observed step of the range with a firing alert the selector matches,
// as the harness's "fires within" check reads them) must be the
// exhaustive run's. A range answered by its last step alone must leave
// its first step unobserved (the saving), and a range whose last step has
// no firing alert must have the exhaustive run's states at every step;
// the test needs ranges of both kinds.
func TestFiresSomeAgrees(t *testing.T) {
	rules := simtest.Write(t, t.TempDir(), "rules.yml", randomRules)
	witnessed, observed := 0, 0
	for seed := int64(1); seed <= 8; seed++ {
		in, r, n := randomInput(rules, seed)
		sels := []map[string]string{nil, {"job": "a"}, {"severity": "page"}, {"job": "b", "severity": "critical"}, {"instance": "2"}}
		var ranges []simulate.ObserveRange
		for range 10 {
			// Off the grid too: the last step is the one at or before To.
			from := time.Duration(r.Intn(n))*time.Minute + time.Duration(r.Intn(2))*30*time.Second
			to := from + time.Duration(1+r.Intn([]int{n / 2, 20}[r.Intn(2)]))*time.Minute - time.Duration(r.Intn(2))*45*time.Second
			names := [][]string{{"High"}, {"Raw"}, {"Now"}, {"Late"}, {"High", "Late"}, {"Edge"}, {"Keep"}, {"KeepRaw"}}[r.Intn(8)]
			ranges = append(ranges, simulate.ObserveRange{Alertnames: names, From: from, To: to, StatesOnly: true, Labels: sels[r.Intn(len(sels))]})
		}
		exIn := in
		exIn.Observe = ranges
		ex, err := simulate.Observe(exIn, simulate.Options{Exhaustive: true})
		if err != nil || len(ex.Failures) > 0 {
			t.Fatalf("seed %d: %v %v", seed, err, ex.Failures)
		}
		for i, o := range ranges {
			// One range a run: the steps observed are this range's.
			o.FiresSome = true
			in.Observe = []simulate.ObserveRange{o}
			od, err := simulate.Observe(in, simulate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if od.Stats.Fallback != "" || len(od.Failures) > 0 {
				t.Fatalf("seed %d, range %d: fallback %q, failures %v", seed, i, od.Stats.Fallback, od.Failures)
			}
			if got, want := firesIn(od.States, o), firesIn(ex.States, o); got != want {
				t.Errorf("seed %d, range %d %+v: fires on demand %v, exhaustively %v", seed, i, o, got, want)
			}
			first, last := minutesOf(o)
			if _, ok := od.States[first]; !ok && first < last {
				// Answered by the last step alone: an alert the range
				// selects fires there, as exhaustively.
				witnessed++
				if got, want := firingOf(od.States[last], o), firingOf(ex.States[last], o); got != want {
					t.Errorf("seed %d, range %d at %s: on demand %s, exhaustively %s", seed, i, last, got, want)
				}
				continue
			}
			observed++
			sameFiring(t, fmt.Sprintf("seed %d, range %d", seed, i), o, first, last, "on demand", od.States, "exhaustively", ex.States)
		}
	}
	if witnessed == 0 || observed == 0 {
		t.Fatalf("%d ranges answered by their last step alone, %d observed: the test needs both", witnessed, observed)
	}
	t.Logf("%d ranges answered by their last step alone, %d observed", witnessed, observed)
}

// firesIn reports whether an alert o selects fires at an observed step of
// o's range, as the harness's "fires within" check reads the states.
func firesIn(states map[time.Duration][]simulate.AlertState, o simulate.ObserveRange) bool {
	for t, sts := range states {
		if t < o.From || t > o.To {
			continue
		}
		for _, st := range sts {
			if st.Firing && slices.Contains(o.Alertnames, st.Name) && selected(st.Labels, o.Labels) {
				return true
			}
		}
	}
	return false
}

// TestSilentIndexedByObserveRange: Output.Silent is indexed like
// Input.Observe, whatever kinds of range come before a firing-only one.
// A firing-only range after a FiresSome one was marked at the FiresSome
// range's index: the harness then skipped the check of a "fires within"
// range that the alert never met (a mutation test caught it, where the
// rules lost their `by` labels).
func TestSilentIndexedByObserveRange(t *testing.T) {
	rules := simtest.Write(t, t.TempDir(), "rules.yml", `groups:
  - name: g
    rules:
      - alert: High
        expr: x > 1
        for: 5m
      - alert: Other
        expr: x > 2
`)
	in := simulate.Input{
		Name:         "silent index",
		RuleFiles:    []string{rules},
		EvalInterval: time.Minute,
		Series:       []simulate.SeriesInput{{Series: `x{job="a"}`, Values: "0x30"}},
		Observe: []simulate.ObserveRange{
			{Alertnames: []string{"Other"}, From: 20 * time.Minute, To: 20 * time.Minute, StatesOnly: true},
			{Alertnames: []string{"Other"}, From: 0, To: 30 * time.Minute, StatesOnly: true, FiresSome: true},
			{Alertnames: []string{"High"}, From: 0, To: 30 * time.Minute, StatesOnly: true, FiringOnly: true},
		},
	}
	od, err := simulate.Observe(in, simulate.Options{})
	if err != nil || len(od.Failures) > 0 {
		t.Fatalf("%v %v", err, od.Failures)
	}
	if want := []bool{false, false, true}; !slices.Equal(od.Silent, want) {
		t.Errorf("Silent = %v, want %v (only the firing-only range, shown silent by its probes)", od.Silent, want)
	}
}
