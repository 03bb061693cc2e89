package signal_test

import (
	"testing"

	. "github.com/slo-compiler/slo/internal/signal"
)

// TestOneOfManyRisingBelow: an increase below a threshold starts each
// group's series at 0, past the threshold, until its window is full; the
// "one of many" scenario judges the healthy groups from then on, not
// from the start (where they fired with a short `for`, as
// FuzzGeneratedScenariosPass found), and the scenario runs until its
// keep_firing_for has passed.
func TestOneOfManyRisingBelow(t *testing.T) {
	const spec = `version: slo/v1
service: orders
alerts:
  - name: OrdersLow
    signal:
      increase: {counter: orders_total, by: [region], window: 10m}
    below: {warning: 100, critical: 50}
    for: 0m
    keep_firing_for: 1h
`
	run := testSpec(t, "orders.yaml", spec)
	found := false
	for _, r := range run.Results {
		if r.Scenario.Family != FamilyOneOfMany {
			continue // absent and vanishing input: blind, as lint/absent-blind says
		}
		found = true
		for _, f := range r.Failures {
			t.Errorf("%s: %s", r.Scenario.Name, f.Message)
		}
	}
	if !found {
		t.Errorf("no %q scenario; uncovered %v", FamilyOneOfMany, run.Uncovered)
	}
}
