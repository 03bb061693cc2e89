package simulate_test

import (
	"fmt"
	"math/rand"
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
// alert_rule_test verdicts must too.
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
			{Alertnames: []string{"High"}, From: time.Duration(n-5) * time.Minute, To: time.Duration(n-5) * time.Minute},
		}
		in.AlertTests = []simulate.AlertTest{{At: time.Duration(n-2) * time.Minute, Alertname: "Raw"}}
		od, err := simulate.Observe(in, simulate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ex, err := simulate.Observe(in, simulate.Options{Exhaustive: true})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := simulate.Observe(in, simulate.Options{NoCompress: true})
		if err != nil {
			t.Fatal(err)
		}
		if od.Stats.Fallback != "" {
			t.Fatalf("seed %d fell back: %s", seed, od.Stats.Fallback)
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
