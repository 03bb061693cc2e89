package signal_test

import (
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/app"
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

// TestOnAbsentFireFailureModes: the failure modes of a traffic share
// (idle, low volume, counter resets) start their input after a lead, and a
// counter's change has a week with two windows of no samples; an alert
// with on_absent: fire rightly fires while its input is absent there, so
// their verdicts are judged once it is in (and keep_firing_for has
// passed, an hour longer than the idle mode's hour: the scenarios run
// that much longer), and pass.
func TestOnAbsentFireFailureModes(t *testing.T) {
	const spec = `version: slo/v1
service: q
alerts:
  - name: ErrorsHigh
    signal:
      ratio: {bad: 'http_requests_total{code=~"5.."}', total: http_requests_total, by: [job], window: 10m, min_total: 20}
      on_absent: fire
    above: {warning: 0.05}
    for: 0m
  - name: SlowHigh
    signal:
      latency: {histogram: http_request_duration_seconds, threshold: 0.5, window: 5m, min_total: 20}
      on_absent: fire
    above: {warning: 0.1}
    for: 5m
    keep_firing_for: 1h
  - name: OrdersDrop
    signal:
      change: {counter: orders_total, window: 30m, offset: 1d}
      on_absent: fire
    below: {warning: -0.2}
`
	seen := passed(t, testSpec(t, "q.yaml", spec))
	for _, want := range []string{"ErrorsHigh idle before an anomaly", "ErrorsHigh low volume", "ErrorsHigh counter resets and gaps", "SlowHigh low volume", "SlowHigh counter resets and gaps", "OrdersDrop counter resets and gaps"} {
		if !seen[want] {
			t.Errorf("no %s scenario; got %v", want, seen)
		}
	}
}

// TestOnAbsentFireAtTwoMinutes: evaluated every 2m, three missing samples
// would leave the input stale, which on_absent: fire rightly pages on, so
// a scrape gap leaves out fewer; and a firing claim once `for: 5m` has
// passed falls on an evaluation.
func TestOnAbsentFireAtTwoMinutes(t *testing.T) {
	const spec = `version: slo/v1
service: q
interval: 2m
alerts:
  - name: ErrorsHigh
    signal:
      ratio: {bad: 'http_requests_total{code=~"5.."}', total: http_requests_total, by: [job], window: 10m, min_total: 20}
      on_absent: fire
    above: {warning: 0.05}
  - name: OrdersHigh
    signal:
      increase: {counter: orders_total, window: 10m}
      on_absent: fire
    above: {warning: 100}
    for: 5m
`
	seen := passed(t, testSpec(t, "q.yaml", spec))
	for _, want := range []string{"ErrorsHigh counter resets and gaps", "OrdersHigh counter resets and gaps", "OrdersHigh warning "} {
		if !seen[want] {
			t.Errorf("no %s scenario; got %v", want, seen)
		}
	}
}

// passed reports every failure of run, and returns the scenarios it ran
// as "<alert and severity> <family>".
func passed(t *testing.T, run *app.TestRun) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range run.Results {
		for _, f := range r.Failures {
			t.Errorf("%s: %s", r.Scenario.Name, f.Message)
		}
		seen[r.Scenario.Name[:strings.Index(r.Scenario.Name, ":")]+" "+r.Scenario.Family] = true
	}
	return seen
}
