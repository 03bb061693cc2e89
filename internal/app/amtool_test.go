package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMergedRoutesAmtool compiles testdata/compile/routing-merge, whose base
// config has a route tree of its own (a Watchdog route among them), and asks
// the real amtool where alerts go: the base's own alerts reach the same
// receivers in the compiled config as in the base, and slo's alerts reach
// the routes the routing document gives them.
func TestMergedRoutesAmtool(t *testing.T) {
	amtool, err := exec.LookPath("amtool")
	if err != nil {
		t.Skip("amtool is not installed; skipped (apt-get install prometheus-alertmanager)")
	}
	dir, err := filepath.Abs("testdata/compile/routing-merge")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	b, diags, err := Compile([]string{"specs"})
	if err != nil || b == nil {
		t.Fatalf("compile: %v\n%s", err, renderDiags(t, diags))
	}
	compiled := filepath.Join(t.TempDir(), "alertmanager.yml")
	if err := os.WriteFile(compiled, b.Files[len(b.Files)-1].Data, 0o644); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "config", "alertmanager.base.yml")
	checkAmtoolRoutes(t, amtool, base, compiled, []routeCase{
		{[]string{"alertname=Watchdog", "severity=none"}, "deadmansswitch"},
		{[]string{"alertname=KubePodCrashLooping", "namespace=kube-system", "severity=critical"}, "kube-pager"},
		{[]string{"alertname=KubeletDown", "namespace=kube-system", "severity=warning"}, "kube-slack"},
		// The team's own alert carries slo's service label, but not one of
		// slo's alert names: the subtree does not take it.
		{[]string{"alertname=CheckoutLatencyHigh", "service=checkout", "team=checkout", "severity=critical"}, "checkout-slack"},
		{[]string{"alertname=NodeDown", "severity=critical"}, "ops-slack"},
	}, []routeCase{
		// A critical fans out to the incident log and the team's pager.
		{[]string{"alertname=CheckoutQueueHigh", "service=checkout", "team=checkout", "severity=critical"}, "incident-log,checkout-pager"},
		{[]string{"alertname=CheckoutQueueHigh", "service=checkout", "team=checkout", "severity=warning"}, "checkout-slack"},
		{[]string{"alertname=CheckoutAvailabilityErrorBudgetBurn", "service=checkout", "team=checkout", "slo=checkout-availability", "severity=critical"}, "incident-log,checkout-pager"},
		// A label route of the team: business alerts go to e-mail.
		{[]string{"alertname=CheckoutOrdersLow", "service=checkout", "team=checkout", "category=business", "severity=warning"}, "business-email"},
		// The per-alert override, continuing to the other routes.
		{[]string{"alertname=CheckoutPaymentsDown", "service=checkout", "team=checkout", "severity=critical"}, "checkout-pager,incident-log,checkout-pager"},
	})
}

// TestCheckoutExampleAmtool asks the real amtool where alerts go in
// examples/checkout, the project written from the docs alone: its base
// config's own routes (the Watchdog dead-man's switch, the platform pager)
// send the base's alerts where they went before slo compiled it, and the
// committed alertmanager/alertmanager.yml (slo check keeps it what the specs
// compile to) sends checkout's alerts to PagerDuty, Slack and e-mail.
func TestCheckoutExampleAmtool(t *testing.T) {
	amtool, err := exec.LookPath("amtool")
	if err != nil {
		t.Skip("amtool is not installed; skipped (apt-get install prometheus-alertmanager)")
	}
	dir := filepath.Join("..", "..", "examples", "checkout")
	base := filepath.Join(dir, "config", "alertmanager.base.yml")
	compiled := filepath.Join(dir, "alertmanager", "alertmanager.yml")
	checkAmtoolRoutes(t, amtool, base, compiled, []routeCase{
		{[]string{"alertname=Watchdog", "severity=none"}, "deadmansswitch"},
		{[]string{"alertname=KubeAPIDown", "namespace=kube-system", "severity=critical"}, "platform-pagerduty"},
		// An alert of the checkout team's own, not one slo compiles.
		{[]string{"alertname=CheckoutPodCrashLooping", "service=checkout", "team=checkout", "severity=critical"}, "ops-slack"},
		{[]string{"alertname=NodeDown", "severity=critical"}, "ops-slack"},
	}, []routeCase{
		{[]string{"alertname=CheckoutQueueDepthHigh", "service=checkout", "team=checkout", "queue=card", "severity=critical"}, "checkout-pagerduty"},
		{[]string{"alertname=CheckoutQueueDepthHigh", "service=checkout", "team=checkout", "queue=card", "severity=warning"}, "checkout-slack"},
		{[]string{"alertname=CheckoutLatencyErrorBudgetBurn", "service=checkout", "team=checkout", "slo=checkout-latency", "severity=critical"}, "checkout-pagerduty"},
		// Orders and cost go to e-mail (in office hours), whatever the severity.
		{[]string{"alertname=CheckoutOrdersDropWeekOverWeek", "service=checkout", "team=checkout", "category=business", "severity=critical"}, "checkout-email"},
		{[]string{"alertname=CheckoutMonthlyCostHigh", "service=checkout", "team=checkout", "category=business", "severity=warning"}, "checkout-email"},
	})
}

// routeCase is an alert's labels and the receivers amtool prints for it.
type routeCase struct {
	labels []string
	want   string
}

// checkAmtoolRoutes asks the real amtool where alerts go: each of the
// base's own alerts reaches want in base (else the case is wrong) and
// the same receivers in compiled; each of slo's alerts reaches want in
// compiled.
func checkAmtoolRoutes(t *testing.T, amtool, base, compiled string, baseOwn, slos []routeCase) {
	t.Helper()
	for _, c := range baseOwn {
		if got := amtoolRoutes(t, amtool, base, c.labels); got != c.want {
			t.Fatalf("the base config sends %v to %s, the test expects %s", c.labels, got, c.want)
		}
		if got := amtoolRoutes(t, amtool, compiled, c.labels); got != c.want {
			t.Errorf("the base's own alert %v goes to %s after compiling, to %s before", c.labels, got, c.want)
		}
	}
	for _, c := range slos {
		if got := amtoolRoutes(t, amtool, compiled, c.labels); got != c.want {
			t.Errorf("slo's alert %v goes to %s, want %s", c.labels, got, c.want)
		}
	}
}

// amtoolRoutes is the receivers the real amtool routes an alert with
// labels to in config.
func amtoolRoutes(t *testing.T, amtool, config string, labels []string) string {
	t.Helper()
	out, err := exec.Command(amtool, append([]string{"config", "routes", "test", "--config.file=" + config}, labels...)...).Output()
	if err != nil {
		t.Fatalf("amtool config routes test --config.file=%s %s: %v", config, strings.Join(labels, " "), err)
	}
	return strings.TrimSpace(string(out))
}
