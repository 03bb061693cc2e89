package signal_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/app"
	. "github.com/slo-compiler/slo/internal/signal"
	"github.com/slo-compiler/slo/internal/testfs"
)

// businessSpec has the month-end projections and the counter changes in
// both directions.
const businessSpec = `version: slo/v1
service: shop
alerts:
  - name: CostMonthEnd
    signal:
      projection: {counter: cloud_cost_usd_total, by: [account], window: 6h, to: end_of_month}
    above: {warning: 15000, critical: 20000}
    for: 30m
  - name: BillingMonthEnd
    signal:
      projection: {gauge: 'billing_month_to_date_usd{provider="gcp"}', by: [], window: 6h, to: end_of_month}
    above: {warning: 1000}
  - name: RevenueShort
    signal:
      projection: {counter: revenue_usd_total, by: [], window: 6h, to: end_of_month}
    below: {warning: 100000}
  - name: OrdersDropWeekly
    signal:
      change: {counter: orders_total, by: [region], window: 1h, offset: 1w}
    below: {warning: -0.3, critical: -0.6}
    for: 15m
  - name: OrdersSurgeDaily
    signal:
      change: {counter: 'orders_total{channel="web"}', window: 30m, offset: 1d}
    above: {warning: 1}
`

// TestBusinessScenariosPass runs every generated scenario of businessSpec
// through slo test: the threshold scenarios and the failure modes of
// month-end projections (a month boundary, a counter reset) and of counter
// changes (an idle hour now and a week ago, resets and scrape gaps) pass
// on the compiled rules, and every alert gets the modes meant for it.
func TestBusinessScenariosPass(t *testing.T) {
	run := testSpec(t, "shop.yaml", businessSpec)
	for _, u := range run.Uncovered {
		t.Errorf("%s: not covered: %s", u.Alert, u.Why)
	}
	got := map[string][]string{}
	for _, r := range run.Results {
		for _, f := range r.Failures {
			t.Errorf("%s: %s", r.Scenario.Name, f.Message)
		}
		if r.Scenario.Family != "" {
			alert := r.Scenario.Name[:strings.Index(r.Scenario.Name, ":")]
			got[alert] = append(got[alert], r.Scenario.Family)
		}
	}
	for alert, families := range map[string][]string{
		"CostMonthEnd":     {FamilyMonthEnd, FamilyResets, FamilyOneOfMany},
		"BillingMonthEnd":  {FamilyMonthEnd},
		"RevenueShort":     {FamilyResets},
		"OrdersDropWeekly": {FamilyIdle, FamilyResets, FamilyOneOfMany},
		"OrdersSurgeDaily": {FamilyIdle, FamilyResets},
	} {
		for _, f := range families {
			if !slices.Contains(got[alert], f) {
				t.Errorf("%s: no %q scenario; got %v", alert, f, got[alert])
			}
		}
	}
}

// testSpec writes src as the spec file name in a folder of its own and
// runs slo test on it: its generated scenarios. Any error, in the tool or
// as a diagnostic, fails the test.
func testSpec(t *testing.T, name, src string) *app.TestRun {
	t.Helper()
	dir := t.TempDir()
	testfs.Write(t, dir, map[string]string{name: src})
	run, diags, err := app.Test(app.TestOptions{Paths: []string{dir}})
	if err != nil || diags.HasErrors() {
		t.Fatalf("%v %v", err, diags)
	}
	return run
}
