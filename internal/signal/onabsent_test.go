package signal_test

import (
	"strings"
	"testing"
)

// TestOnAbsentFireThresholds: an alert with on_absent: fire fires while
// its input is missing, so also before a threshold scenario's input
// starts; its firing scenarios (for a gauge and an increase, above and
// below, with two levels) judge it once the input is in, and pass.
func TestOnAbsentFireThresholds(t *testing.T) {
	const spec = `version: slo/v1
service: q
alerts:
  - name: DepthHigh
    signal:
      expr: sum by (stage) (queue_depth)
      on_absent: fire
    above: {warning: 100, critical: 200}
    for: 5m
  - name: OrdersLow
    signal:
      increase: {counter: orders_total, by: [region], window: 10m}
      on_absent: fire
    below: {warning: 100}
    keep_firing_for: 2m
`
	run := testSpec(t, "q.yaml", spec)
	firing := map[string]bool{}
	for _, r := range run.Results {
		for _, f := range r.Failures {
			t.Errorf("%s: %s", r.Scenario.Name, f.Message)
		}
		if r.Scenario.Family == "" && strings.Contains(r.Scenario.Name, ": fires after") {
			firing[r.Scenario.Name[:strings.Index(r.Scenario.Name, ":")]] = true
		}
	}
	for _, want := range []string{"DepthHigh critical", "DepthHigh warning", "OrdersLow warning"} {
		if !firing[want] {
			t.Errorf("no firing scenario for %s; got %v", want, firing)
		}
	}
}
