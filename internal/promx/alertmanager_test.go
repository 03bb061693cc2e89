package promx

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func loadShipped(t *testing.T) *Alertmanager {
	t.Helper()
	b, err := os.ReadFile("../../alertmanager/alertmanager.yml")
	if err != nil {
		t.Fatal(err)
	}
	am, err := LoadAlertmanager(b)
	if err != nil {
		t.Fatal(err)
	}
	return am
}

func TestRoute(t *testing.T) {
	am := loadShipped(t)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tuesday10 := time.Date(2026, 11, 24, 10, 0, 0, 0, berlin)
	saturday3 := time.Date(2026, 11, 28, 3, 0, 0, 0, berlin)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		at     time.Time
		want   []Delivery
	}{
		{"platform critical pages", map[string]string{"alertname": "ApiDown", "service": "dubbing-api", "team": "platform", "severity": "critical"}, saturday3, []Delivery{{Receiver: "platform-pager"}}},
		{"ml warning to chat", map[string]string{"alertname": "GpuTemperatureHigh", "service": "dubbing-models", "team": "ml", "severity": "warning"}, saturday3, []Delivery{{Receiver: "ml-slack"}}},
		{"unknown team to default", map[string]string{"alertname": "ApiDown", "service": "dubbing-api", "team": "nobody", "severity": "critical"}, saturday3, []Delivery{{Receiver: "ops-slack"}}},
		{"finance critical in office hours", map[string]string{"alertname": "MonthlyCostProjectionHigh", "service": "dubbing-cost", "team": "finance", "severity": "critical"}, tuesday10, []Delivery{{Receiver: "finance-email"}}},
		{"finance critical at night is held", map[string]string{"alertname": "MonthlyCostProjectionHigh", "service": "dubbing-cost", "team": "finance", "severity": "critical"}, saturday3, []Delivery{{Receiver: "finance-email", Muted: true, MutedBy: []string{"outside [office-hours]"}}}},
		// The base config's own route, kept by the merge.
		{"Watchdog to the dead-man's switch", map[string]string{"alertname": "Watchdog", "severity": "none"}, saturday3, []Delivery{{Receiver: "deadmansswitch"}}},
		// Not one of slo's alerts, though it carries a team label slo routes on.
		{"an alert not slo's to the base root", map[string]string{"alertname": "KubePodCrashLooping", "team": "platform", "severity": "critical"}, saturday3, []Delivery{{Receiver: "ops-slack"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := am.Route(tc.labels, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestInhibited(t *testing.T) {
	am := loadShipped(t)
	crit := map[string]string{"alertname": "QueueDepthHigh", "severity": "critical", "service": "dubbing-jobs", "stage": "mix"}
	warnSame := map[string]string{"alertname": "QueueDepthHigh", "severity": "warning", "service": "dubbing-jobs", "stage": "mix"}
	warnOther := map[string]string{"alertname": "QueueDepthHigh", "severity": "warning", "service": "dubbing-jobs", "stage": "transcribe"}
	got, err := am.Inhibited([]map[string]string{crit, warnSame, warnOther})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]bool{false, true, false}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Without the critical, nothing is inhibited.
	got, _ = am.Inhibited([]map[string]string{warnSame, warnOther})
	if diff := cmp.Diff([]bool{false, false}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestRouteSelector: a route's matchers select an alert when every one
// matches its labels; the answer is undecided when a matcher reads a label
// the alert's known labels do not hold, unless another matcher already
// fails. A matcher that does not parse is an error.
func TestRouteSelector(t *testing.T) {
	ls := map[string]string{"alertname": "CheckoutQueueHigh", "severity": "critical", "service": "checkout"}
	for _, tc := range []struct {
		matchers       []string
		match, decided bool
	}{
		{[]string{"severity = critical"}, true, true},
		{[]string{`severity=~"warning|critical"`, `service="checkout"`}, true, true},
		{[]string{`severity="warning"`}, false, true},
		{[]string{`alertname="Watchdog"`, `namespace="kube-system"`}, false, true},
		{[]string{`namespace="kube-system"`}, false, false},
		{[]string{`severity="critical"`, `env=""`}, false, false},
		{[]string{`severity=~"crit"`}, false, true},
		{nil, true, true},
	} {
		sel, err := ParseRouteSelector(tc.matchers)
		if err != nil {
			t.Errorf("ParseRouteSelector(%q): %v", tc.matchers, err)
			continue
		}
		match, decided := sel.Select(ls)
		if match != tc.match || decided != tc.decided {
			t.Errorf("Select(%q) = %v, %v; want %v, %v", tc.matchers, match, decided, tc.match, tc.decided)
		}
	}
	if _, err := ParseRouteSelector([]string{`service="checkout"`, `severity="critical`}); err == nil {
		t.Error("ParseRouteSelector of an unterminated quote: no error")
	}
}
