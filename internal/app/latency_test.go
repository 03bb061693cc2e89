package app

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/harness"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/signal"
)

// latencySpec has latency SLOs and alerts on classic and native
// histograms.
const latencySpec = `version: slo/v1
service: checkout
slos:
  - name: latency
    objective: 99
    period: 7d
    sli:
      latency: {histogram: 'http_request_duration_seconds{job="checkout"}', threshold: 0.3, by: [route]}
  - name: latency-native
    objective: 95
    period: 7d
    sli:
      latency: {histogram: rpc_duration_seconds, threshold: 300ms, native: true}
alerts:
  - name: CheckoutSlow
    signal:
      latency: {histogram: 'http_request_duration_seconds{job="checkout"}', threshold: 0.5, by: [route], min_total: 50}
    above: {warning: 0.05, critical: 0.2}
  - name: RpcSlow
    signal:
      latency: {histogram: rpc_duration_seconds, threshold: 1s, native: true, window: 10m, min_total: 20}
    above: {warning: 0.1}
    for: 5m
  - name: RpcP95High
    signal:
      quantile: {histogram: rpc_duration_seconds, quantile: 0.95, native: true, by: [route]}
    above: {warning: 0.5}
`

// TestLatencyScenarios runs the generated scenarios of latency SLOs and
// alerts, whose input is classic histogram series and native histograms
// in promtool's notation, through the harness: every one passes on the
// compiled rules, and the low-volume mode fails once the traffic floor is
// taken out of the rules.
func TestLatencyScenarios(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "checkout.yaml"), []byte(latencySpec), 0o644); err != nil {
		t.Fatal(err)
	}
	b, diags, err := Compile([]string{dir})
	if err != nil || b == nil {
		t.Fatalf("%v %v", err, diags)
	}
	svc := b.Project.Services[0]
	ss, unc := signal.Generate(svc)
	if len(unc) > 0 {
		t.Errorf("uncovered: %v", unc)
	}
	families := map[string]bool{}
	for _, s := range ss {
		families[s.Family] = true
	}
	for _, f := range []string{signal.FamilyIdle, signal.FamilyLowVolume, signal.FamilyResets, signal.FamilyAllSlow, signal.FamilyVanish, signal.FamilyWithinBudget} {
		if !families[f] {
			t.Errorf("no generated %q scenario", f)
		}
	}
	rf := b.Output.RuleFiles[0]
	data, _ := mutateRules(t, rf, func(*compile.Rule) {})
	results, err := harness.Run([]*scenario.File{{Name: svc.Source, RuleFiles: []scenario.RuleFile{{Name: rf.Name, Data: data}}, Scenarios: ss}}, harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	native := 0
	for i, r := range results {
		if !r.Passed() {
			t.Errorf("%s: %v", r.Scenario.Name, verdicts(results[i:i+1]))
		}
		if slices.ContainsFunc(r.Scenario.Series, func(s scenario.Series) bool { return strings.Contains(s.Values, "{{schema:") }) {
			native++
		}
	}
	if len(results) < 40 || native < 20 {
		t.Errorf("%d scenarios, %d of them on native histograms; want more than 40 and 20", len(results), native)
	}

	// Without the floor, a handful of slow requests pages.
	floor := regexp.MustCompile(`^\((.*)\) and .* >= [0-9.e+]+$`)
	data, hit := mutateRules(t, rf, func(r *compile.Rule) {
		if m := floor.FindStringSubmatch(r.Expr); m != nil && r.Record != "" && strings.Contains(r.Record, "slow") {
			r.Expr = m[1]
		}
	})
	if hit != 2 {
		t.Fatalf("the floor mutation changed %d rules; want the two latency signals", hit)
	}
	var low []*scenario.Scenario
	for _, s := range ss {
		if s.Family == signal.FamilyLowVolume {
			low = append(low, s)
		}
	}
	results, err = harness.Run([]*scenario.File{{Name: svc.Source, RuleFiles: []scenario.RuleFile{{Name: rf.Name, Data: data}}, Scenarios: low}}, harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Passed() {
			t.Errorf("%s: passes without the traffic floor", r.Scenario.Name)
		}
	}
}
