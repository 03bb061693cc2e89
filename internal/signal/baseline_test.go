package signal_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/slo-compiler/slo/internal/signal"
)

// baselineSpec has baseline alerts whose "one of many" scenario may take a
// history shorter than the averaging window (a gauge and a ratio of rates,
// above and below) and ones that must keep the whole window: a threshold
// so far from 1 that the bad group's ratio would drift back past it over a
// short history, and a window shorter than the short history.
const baselineSpec = `version: slo/v1
service: jobs
labels: {platform: jobs}
alerts:
  - name: QueueWaitHigh
    signal:
      baseline: {expr: 'sum by (stage) (queue_wait_seconds)', window: 1w}
    above: {warning: 2}
    for: 30m
  - name: MeanDurationHigh
    signal:
      baseline:
        expr: |
          sum by (stage) (rate(job_duration_seconds_sum[1h]))
            / sum by (stage) (rate(job_duration_seconds_count[1h]))
        window: 1w
    above: {warning: 2}
    for: 30m
  - name: ThroughputLow
    signal:
      baseline: {expr: 'sum by (stage) (jobs_per_second)', window: 1w}
    below: {warning: 0.5}
    for: 15m
  - name: QueueWaitExtreme
    signal:
      baseline: {expr: 'sum by (stage) (queue_wait_seconds)', window: 1w}
    above: {warning: 30}
    for: 30m
  - name: QueueWaitShortWindow
    signal:
      baseline: {expr: 'sum by (stage) (queue_wait_seconds)', window: 12h}
    above: {warning: 2}
    for: 30m
`

// TestBaselineOneOfManyHistory runs the generated scenarios of baselineSpec
// through slo test. Every one passes; the "one of many" scenario of a
// weekly baseline with a threshold of 2x or 0.5x is a day or two long, not
// a week, and the extreme threshold and the 12h window keep their whole
// window: with a day of history the bad group's 60x would have averaged
// down to about 13x its baseline by the end, short of 30x.
func TestBaselineOneOfManyHistory(t *testing.T) {
	run := testSpec(t, "jobs.yaml", baselineSpec)
	for _, u := range run.Uncovered {
		if strings.Contains(u.Why, FamilyOneOfMany) {
			t.Errorf("%s: not covered: %s", u.Alert, u.Why)
		}
	}
	length := map[string]time.Duration{}
	for _, r := range run.Results {
		for _, f := range r.Failures {
			t.Errorf("%s: %s", r.Scenario.Name, f.Message)
		}
		if r.Scenario.Family != FamilyOneOfMany {
			continue
		}
		alert := r.Scenario.Name[:strings.Index(r.Scenario.Name, ":")]
		for _, rg := range r.Scenario.Ranges {
			length[alert] = max(length[alert], rg.To)
		}
	}
	for alert, want := range map[string]struct{ min, max time.Duration }{
		"QueueWaitHigh":        {24 * time.Hour, 2 * 24 * time.Hour},
		"MeanDurationHigh":     {24 * time.Hour, 2 * 24 * time.Hour},
		"ThroughputLow":        {24 * time.Hour, 2 * 24 * time.Hour},
		"QueueWaitExtreme":     {7 * 24 * time.Hour, 8 * 24 * time.Hour},
		"QueueWaitShortWindow": {12 * time.Hour, 24 * time.Hour},
	} {
		got, ok := length[alert]
		if !ok {
			t.Errorf("%s: no %q scenario", alert, FamilyOneOfMany)
			continue
		}
		if got < want.min || got > want.max {
			t.Errorf("%s: the %q scenario ends at %v, want between %v and %v", alert, FamilyOneOfMany, got, want.min, want.max)
		}
	}
}

// driftSpec has baselines whose ratio drifts back towards 1 within their
// scenarios: the new values enter the average they are divided by, fast
// with a short window, a high threshold or a long `for`. The last one
// cannot be held at all: a 6h average catches up with any step within 4h.
const driftSpec = `version: slo/v1
service: drift
alerts:
  - name: QuickBaseline
    signal:
      baseline: {expr: 'sum by (stage) (queue_wait_seconds)', window: 6h}
    above: {warning: 7.1}
    for: 5m
  - name: PatientBaseline
    signal:
      baseline: {expr: 'sum by (stage) (queue_wait_seconds)', window: 1d}
    above: {warning: 2.1, critical: 4.2}
    for: 2h
  - name: SlowDrop
    signal:
      baseline: {expr: 'sum by (stage) (jobs_per_second)', window: 1d}
    below: {warning: 0.32}
    for: 239m
  - name: RateRatioQuick
    signal:
      baseline:
        expr: sum by (stage) (rate(job_seconds_sum[1h])) / sum by (stage) (rate(job_seconds_count[1h]))
        window: 17h
    above: {warning: 7.1}
    for: 30m
  - name: Hopeless
    signal:
      baseline: {expr: 'sum by (stage) (queue_wait_seconds)', window: 6h}
    above: {warning: 40}
    for: 4h
`

// TestBaselineDrift runs the generated scenarios of driftSpec: every one
// passes (before the steps were raised, the threshold scenarios of the
// first three and the idle hour of the fourth went pending and never
// fired, or never went pending: a 2x step in a ratio of 1h rates ramps up
// over an hour, and a 17h average less its two dropped hours takes in
// enough of it to bring the ratio under the threshold), the firing threshold scenarios
// step further than 1.1x where the drift needs it, and Hopeless gets no
// firing scenario, with the reason.
func TestBaselineDrift(t *testing.T) {
	run := testSpec(t, "drift.yaml", driftSpec)
	families := map[string][]string{}
	names := map[string][]string{}
	for _, r := range run.Results {
		for _, f := range r.Failures {
			t.Errorf("%s: %s", r.Scenario.Name, f.Message)
		}
		alert := r.Scenario.Name[:strings.IndexAny(r.Scenario.Name, " :")]
		families[alert] = append(families[alert], r.Scenario.Family)
		names[alert] = append(names[alert], r.Scenario.Name)
	}
	for _, want := range []string{
		"QuickBaseline warning: fires after 5m at 10.7 ",   // 7.81 would drift under 7.1
		"PatientBaseline critical: fires after 2h at 6.7 ", // 4.62 would drift under 4.2
		"PatientBaseline warning: fires after 2h at 2.51 ", // 2.31 would drift under 2.1
		"SlowDrop warning: fires after 3h59m at 0.265 ",    // 0.288 would drift over 0.32
	} {
		alert := want[:strings.Index(want, " ")]
		if !slices.ContainsFunc(names[alert], func(n string) bool { return strings.HasPrefix(n, want) }) {
			t.Errorf("no scenario named %q...; %s has %q", want, alert, names[alert])
		}
	}
	for _, f := range []string{FamilyOneOfMany, FamilyIdle} {
		if !slices.Contains(families["RateRatioQuick"], f) {
			t.Errorf("RateRatioQuick: no %q scenario", f)
		}
	}
	for _, n := range names["Hopeless"] {
		if strings.Contains(n, "fires after") {
			t.Errorf("Hopeless has a firing scenario that cannot hold: %s", n)
		}
	}
	found := false
	for _, u := range run.Uncovered {
		if u.Alert == "Hopeless" && strings.Contains(u.Why, "no step in the input keeps the signal above 40 for 4h10m") {
			found = true
		}
	}
	if !found {
		t.Errorf("Hopeless: no uncovered reason naming the drift; got %v", run.Uncovered)
	}
}
