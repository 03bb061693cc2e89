package app

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/slo-compiler/slo/internal/scenario"
)

// TestOnDemandMatchesExhaustiveKeepFiring is TestOnDemandMatchesExhaustive
// on the generated scenarios of alerts with keep_firing_for, with `for`
// and without, one and two severities (the repository has one such
// alert; the month-long scenarios of a change alert made this test 38 s): their firing scenarios are compressed (simulate/plan
// compress.go). It compares them as generated, where the alerts fire,
// are kept through dips and resolve, and moved as
// TestOnDemandMatchesExhaustiveFailing moves them, so that the failure
// messages, which carry the states computed at the times asserted, are
// compared too.
func TestOnDemandMatchesExhaustiveKeepFiring(t *testing.T) {
	if testing.Short() {
		t.Skip("compares the modes on generated scenarios; run without -short")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keep.yaml")
	spec := `version: slo/v1
service: keep
alerts:
  - name: KeepNow
    summary: "{{ $labels.stage }} at {{ $value }}"
    signal: {expr: 'sum by (stage) (queue_depth)'}
    above: {warning: 100}
    keep_firing_for: 10m
  - name: KeepFor
    summary: "{{ $labels.stage }} at {{ $value }}"
    signal: {expr: 'max by (stage) (queue_wait_seconds)'}
    above: {warning: 30, critical: 60}
    for: 5m
    keep_firing_for: 3m
`
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{path}
	onDemand, exhaustive := compareModes(t, paths, nil)
	evals := func(rs []*scenario.Result) int {
		n := 0
		for _, r := range rs {
			n += r.Evaluations
		}
		return n
	}
	t.Logf("%d scenarios; evaluations: on-demand %d, exhaustive %d", len(onDemand), evals(onDemand), evals(exhaustive))
	mutated := map[*scenario.Scenario]bool{}
	_, exhaustive = compareModes(t, paths, func(_ string, s *scenario.Scenario) bool {
		if !mutated[s] {
			mutated[s] = true
			mutate(s)
		}
		return true
	})
	failing := 0
	for _, r := range exhaustive {
		if len(r.Failures) > 0 {
			failing++
		}
	}
	t.Logf("mutated: %d of %d scenarios fail", failing, len(exhaustive))
	if failing*2 < len(exhaustive) {
		t.Errorf("only %d of %d mutated scenarios fail: the comparison covers few failure messages", failing, len(exhaustive))
	}
}
