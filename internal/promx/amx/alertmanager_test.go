package amx

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func loadShipped(t *testing.T) *Alertmanager {
	t.Helper()
	b, err := os.ReadFile("../../../alertmanager/alertmanager.yml")
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
