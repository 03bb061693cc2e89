package signal_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/app"
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
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "jobs.yaml"), []byte(baselineSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	run, diags, err := app.Test(app.TestOptions{Paths: []string{dir}})
	if err != nil || diags.HasErrors() {
		t.Fatalf("%v %v", err, diags)
	}
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
