package simulate_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/simulate"
	"github.com/slo-compiler/slo/internal/simulate/simtest"
)

// firstFiring is what the harness's "pending, then fires" check reads of
// a range: the first observed step of [From, To] with a firing alert the
// range selects, that alert's labels and when it went pending ("before"
// when before From, where on demand shows the first evaluated step), or
// "" when none fires.
func firstFiring(states map[time.Duration][]simulate.AlertState, o simulate.ObserveRange) string {
	var ts []time.Duration
	for t := range states {
		if t >= o.From && t <= o.To {
			ts = append(ts, t)
		}
	}
	slices.Sort(ts)
	for _, t := range ts {
		for _, st := range states[t] {
			if !st.Firing || !slices.Contains(o.Alertnames, st.Name) || !selected(st.Labels, o.Labels) {
				continue
			}
			pending := "before"
			if st.ActiveAt >= o.From {
				pending = st.ActiveAt.String()
			}
			return fmt.Sprint(t, " ", st.Name, st.Labels, " pending ", pending)
		}
	}
	return ""
}

// observeOne observes range o alone (the steps observed are o's), on
// demand, and fails the test on an error, a failure or a fallback to an
// exhaustive run.
func observeOne(t *testing.T, in simulate.Input, o simulate.ObserveRange) *simulate.Output {
	t.Helper()
	in.Observe = []simulate.ObserveRange{o}
	out, err := simulate.Observe(in, simulate.Options{})
	if err != nil || len(out.Failures) > 0 || out.Stats.Fallback != "" {
		t.Fatalf("%s, range %+v: %v, failures %v, fallback %q", in.Name, o, err, out.Failures, out.Stats.Fallback)
	}
	return out
}

// lastObserved is the last step of o's range with states.
func lastObserved(states map[time.Duration][]simulate.AlertState, o simulate.ObserveRange) time.Duration {
	last := time.Duration(-1)
	for t := range states {
		if t >= o.From && t <= o.To {
			last = max(last, t)
		}
	}
	return last
}

// TestUntilFiringAgrees observes random ranges of random input (runs of
// the expression just shorter and just longer than `for`, flickers before
// a run that fires, long windows, offsets, keep_firing_for, `for: 0`) as
// UntilFiring ranges on demand, as plain states-only ranges on demand
// (observed whole, as before UntilFiring) and exhaustively. The first
// firing the harness reads must be the whole range's on demand, and its
// step and alert the exhaustive run's; a range where no
// selected alert fires must have the whole range's states at every step.
// A range answered by a prefix must leave its last step unobserved (the
// saving); the test needs ranges of both kinds.
func TestUntilFiringAgrees(t *testing.T) {
	defer simulate.SetMinPrefixSteps(0)()
	rules := simtest.Write(t, t.TempDir(), "rules.yml", randomRules)
	prefixed, whole := 0, 0
	for seed := int64(1); seed <= 12; seed++ {
		in, r, n := randomInput(rules, seed)
		sels := []map[string]string{nil, {"job": "a"}, {"severity": "page"}, {"job": "b", "severity": "critical"}, {"instance": "2"}}
		var ranges []simulate.ObserveRange
		for range 10 {
			from := time.Duration(r.Intn(n))*time.Minute + time.Duration(r.Intn(2))*30*time.Second
			to := from + time.Duration(1+r.Intn([]int{n / 2, 40}[r.Intn(2)]))*time.Minute - time.Duration(r.Intn(2))*45*time.Second
			names := [][]string{{"High"}, {"Raw"}, {"Now"}, {"Late"}, {"High", "Late"}, {"Edge"}, {"Edge"}, {"Keep"}, {"KeepRaw"}}[r.Intn(9)]
			ranges = append(ranges, simulate.ObserveRange{Alertnames: names, From: from, To: to, StatesOnly: true, Labels: sels[r.Intn(len(sels))]})
		}
		exIn := in
		exIn.Observe = ranges
		ex, err := simulate.Observe(exIn, simulate.Options{Exhaustive: true})
		if err != nil || len(ex.Failures) > 0 {
			t.Fatalf("seed %d: %v %v", seed, err, ex.Failures)
		}
		for i, o := range ranges {
			full := observeOne(t, in, o)
			o.UntilFiring = true
			od := observeOne(t, in, o)
			got, want := firstFiring(od.States, o), firstFiring(full.States, o)
			if got != want {
				t.Errorf("seed %d, range %d %+v: first firing %q, with the range observed whole %q", seed, i, o, got, want)
			}
			// The step and the alert. Not ActiveAt: on demand, an alert
			// active since before its rule's first evaluated step (`for`
			// and one step before From) shows that step, observed whole
			// or not.
			exFirst := firstFiring(ex.States, o)
			if g, _, _ := strings.Cut(got, " pending"); g != strings.SplitN(exFirst, " pending", 2)[0] {
				t.Errorf("seed %d, range %d %+v: first firing on demand %q, exhaustively %q", seed, i, o, got, exFirst)
			}
			first, last := minutesOf(o)
			if first > last {
				continue // No step.
			}
			if lastObserved(od.States, o) < last {
				prefixed++
				if got == "" {
					t.Errorf("seed %d, range %d %+v: observed up to %s only, but no selected alert fires there", seed, i, o, lastObserved(od.States, o))
				}
				continue
			}
			whole++
			sameFiring(t, fmt.Sprintf("seed %d, range %d", seed, i), o, first, last, "until firing", od.States, "observed whole", full.States)
		}
	}
	if prefixed == 0 || whole == 0 {
		t.Fatalf("%d ranges answered by a prefix, %d observed whole: the test needs both", prefixed, whole)
	}
	t.Logf("%d ranges answered by a prefix, %d observed whole", prefixed, whole)
}

// TestUntilFiringPrefix puts a run of y above the threshold of an alert
// with `for: 7m` (m = 7 steps, probes 8 steps apart) at every offset of a
// range, after a flicker shorter than `for` (which the probes may or may
// not meet): the alert fires 7 steps after the run starts, and the range
// must be observed up to no later than 7 steps after that (the first
// probe meeting the run is at most 7 steps after its start), not to its
// end. A guess one step too short misses the firing when a probe meets
// the run's first step, and observes the whole range instead. A range
// whose alert is already pending at its start must give the same first
// firing as observed whole, and one where the alert never fires must be
// observed whole, with the states it had before.
func TestUntilFiringPrefix(t *testing.T) {
	defer simulate.SetMinPrefixSteps(0)()
	rules := simtest.Write(t, t.TempDir(), "rules.yml", `groups:
  - name: g
    rules:
      - alert: Edge
        expr: y > 5
        for: 7m
`)
	m := time.Minute
	flickered := 0
	for off := 0; off < 20; off++ {
		// A flicker of 3 steps at off, the run that fires at off+6.
		vals := strings.Repeat("0 ", off) + "9 9 9 0 0 0 " + strings.Repeat("9 ", 12) + strings.Repeat("0 ", 40)
		run := time.Duration(off+6) * m
		fires := run + 7*m
		in := simulate.Input{
			Name:         fmt.Sprint("offset ", off),
			RuleFiles:    []string{rules},
			EvalInterval: m,
			Series:       []simulate.SeriesInput{{`y{job="a"}`, strings.TrimSpace(vals)}},
			Observe: []simulate.ObserveRange{
				{Alertnames: []string{"Edge"}, From: 0, To: 60 * m, StatesOnly: true, UntilFiring: true},
				// Pending since before From: the harness reads that the
				// alert that fired went pending before the range.
				{Alertnames: []string{"Edge"}, From: run + 2*m, To: 60 * m, StatesOnly: true, UntilFiring: true},
				// Never fires: after the run.
				{Alertnames: []string{"Edge"}, From: run + 13*m, To: 60 * m, StatesOnly: true, UntilFiring: true},
			},
		}
		for i, o := range in.Observe {
			od := observeOne(t, in, o)
			o.UntilFiring = false
			full := observeOne(t, in, o)
			if got, want := firstFiring(od.States, o), firstFiring(full.States, o); got != want {
				t.Errorf("offset %d, range %d: first firing %q, with the range observed whole %q", off, i, got, want)
			}
			last := lastObserved(od.States, o)
			if i == 0 {
				if want := fmt.Sprint(fires, " Edge", map[string]string{"alertname": "Edge", "job": "a"}, " pending ", run); firstFiring(od.States, o) != want {
					t.Errorf("offset %d: first firing %q, want %q", off, firstFiring(od.States, o), want)
				}
				switch {
				case off%8 == 0 || off%8 >= 6:
					// A probe (steps 0, 8, 16, ...) meets the flicker:
					// the guess is 7 steps after it, before the run
					// fires, and the range is observed whole.
					if last != o.To {
						t.Errorf("offset %d: observed up to %s, want the whole range (a probe meets the flicker)", off, last)
					}
					flickered++
				case last < fires || last > fires+7*m:
					t.Errorf("offset %d: observed up to %s, want from %s (the firing) to %s (7 steps after it)", off, last, fires, fires+7*m)
				}
				continue
			}
			if i == 1 {
				if got := firstFiring(od.States, o); !strings.HasSuffix(got, " pending before") {
					t.Errorf("offset %d: first firing %q, want one pending before the range", off, got)
				}
				continue
			}
			if last != o.To {
				t.Errorf("offset %d, range %d: observed up to %s, want the whole range, to %s", off, i, last, o.To)
			}
			sameFiring(t, fmt.Sprintf("offset %d, range %d", off, i), o, o.From, o.To, "until firing", od.States, "observed whole", full.States)
		}
	}
	if flickered == 0 || flickered == 20 {
		t.Errorf("%d of 20 offsets have a probe meeting the flicker: the test needs both kinds", flickered)
	}
}

// TestUntilFiringWithOtherRanges: an until-firing range probed in the
// same run as a firing-only one (their probes share Plan.Probes, the
// firing-only ranges' first) keeps each range's answer: Silent indexed by
// Input.Observe, the firing-only range found silent, the until-firing one
// answered by a prefix with the same first firing.
func TestUntilFiringWithOtherRanges(t *testing.T) {
	defer simulate.SetMinPrefixSteps(0)()
	rules := simtest.Write(t, t.TempDir(), "rules.yml", `groups:
  - name: g
    rules:
      - alert: High
        expr: x > 1
        for: 5m
      - alert: Other
        expr: x > 2
        for: 2m
`)
	m := time.Minute
	in := simulate.Input{
		Name:         "mixed",
		RuleFiles:    []string{rules},
		EvalInterval: m,
		Series:       []simulate.SeriesInput{{Series: `x{job="a"}`, Values: "0x20 2x40"}},
		Observe: []simulate.ObserveRange{
			{Alertnames: []string{"High"}, From: 0, To: 60 * m, StatesOnly: true, UntilFiring: true},
			{Alertnames: []string{"Other"}, From: 0, To: 60 * m, StatesOnly: true, FiringOnly: true},
		},
	}
	od, err := simulate.Observe(in, simulate.Options{})
	if err != nil || len(od.Failures) > 0 {
		t.Fatalf("%v %v", err, od.Failures)
	}
	if want := []bool{false, true}; !slices.Equal(od.Silent, want) {
		t.Errorf("Silent = %v, want %v", od.Silent, want)
	}
	o := in.Observe[0]
	if got, want := firstFiring(od.States, o), fmt.Sprint(26*m, " High", map[string]string{"alertname": "High", "job": "a"}, " pending ", 21*m); got != want {
		t.Errorf("first firing %q, want %q", got, want)
	}
	if last := lastObserved(od.States, o); last >= o.To {
		t.Errorf("observed up to %s: the whole range, not a prefix", last)
	}
}

// TestUntilFiringOffGrid: ranges starting between two steps, where the
// step before From, which is recorded but not in the range, has a firing
// alert. The first firing the harness reads must be the whole range's:
//   - an alert with keep_firing_for (probed from step 0) whose probes
//     guess the step before From, which leaves no step of the range;
//   - an alert firing at the step before From only, resolved after it,
//     and firing again after the guess: the prefix has no firing in the
//     range, and the range must be observed whole.
func TestUntilFiringOffGrid(t *testing.T) {
	defer simulate.SetMinPrefixSteps(0)()
	rules := simtest.Write(t, t.TempDir(), "rules.yml", `groups:
  - name: g
    rules:
      - alert: Keep
        expr: y > 5
        for: 7m
        keep_firing_for: 6m
      - alert: Edge
        expr: y > 5
        for: 7m
`)
	m := time.Minute
	for _, c := range []struct{ name, y string }{
		// Returned from step 0: the probe at 0 guesses step 7, when the
		// alert fires.
		{"Keep", "9x30"},
		// Fires at 7, resolved at 8; the probe at 7 guesses 14; fires
		// again at 17.
		{"Edge", "9x7 0 0 9x15 0x10"},
	} {
		o := simulate.ObserveRange{Alertnames: []string{c.name}, From: 7*m + 30*time.Second, To: 30 * m, StatesOnly: true}
		in := simulate.Input{
			Name:         "off grid " + c.name,
			RuleFiles:    []string{rules},
			EvalInterval: m,
			Series:       []simulate.SeriesInput{{`y{job="a"}`, c.y}},
		}
		full := observeOne(t, in, o)
		o.UntilFiring = true
		od := observeOne(t, in, o)
		want := firstFiring(full.States, o)
		if want == "" {
			t.Fatalf("%s: the alert does not fire in the range: the test needs it to", c.name)
		}
		if got := firstFiring(od.States, o); got != want {
			t.Errorf("%s: first firing %q, with the range observed whole %q", c.name, got, want)
		}
	}
}

// TestUntilFiringLongRange: with the default minimum of steps, a range of
// 3,001 steps is probed about 32 times (94 steps apart, far more than
// `for`), and a short one is observed whole. The probe at step 188 meets
// a flicker of two steps (which resolves before it fires); the probes
// from 1034 on meet the run that fires at 1003. The guess is from the
// last run of probes meeting the alert: the range is observed up to 1036,
// not to its end, with the first firing of the whole range.
func TestUntilFiringLongRange(t *testing.T) {
	rules := simtest.Write(t, t.TempDir(), "rules.yml", `groups:
  - name: g
    rules:
      - alert: High
        expr: x > 1
        for: 2m
`)
	m := time.Minute
	in := simulate.Input{
		Name:         "long",
		RuleFiles:    []string{rules},
		EvalInterval: m,
		Series:       []simulate.SeriesInput{{Series: `x{job="a"}`, Values: "0x187 2x1 0x810 2x2000"}},
	}
	for _, c := range []struct {
		o    simulate.ObserveRange
		last time.Duration
	}{
		{simulate.ObserveRange{Alertnames: []string{"High"}, From: 0, To: 3000 * m, StatesOnly: true}, 1036 * m},
		{simulate.ObserveRange{Alertnames: []string{"High"}, From: 900 * m, To: 1100 * m, StatesOnly: true}, 1100 * m},
	} {
		full := observeOne(t, in, c.o)
		o := c.o
		o.UntilFiring = true
		od := observeOne(t, in, o)
		want := fmt.Sprint(1003*m, " High", map[string]string{"alertname": "High", "job": "a"}, " pending ", 1001*m)
		if got, whole := firstFiring(od.States, o), firstFiring(full.States, o); got != want || whole != want {
			t.Errorf("range to %s: first firing %q, with the range observed whole %q, want %q", o.To, got, whole, want)
		}
		if last := lastObserved(od.States, o); last != c.last {
			t.Errorf("range to %s: observed up to %s, want %s", o.To, last, c.last)
		}
	}
}
