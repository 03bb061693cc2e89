package signal_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/input"
	. "github.com/slo-compiler/slo/internal/signal"
)

// TestErrorRatioScenarios: an error_ratio SLI of a shape generation knows
// gets the burn-rate scenarios of a ratio SLI (a page and a ticket with
// two window pairs, each at 1.1x and 0.9x, a spike each, and the
// within-budget failure mode); a share of series whose thresholds need
// more than 200 series, and an expression of another shape, are
// uncovered, saying why.
func TestErrorRatioScenarios(t *testing.T) {
	const spec = `version: slo/v1
service: wifi
slos:
  - name: rates
    objective: 99.9
    sli:
      error_ratio: sum(rate(jobs_failed_total[{{.window}}])) / sum(rate(jobs_total[{{.window}}]))
  - name: mean
    objective: 95
    sli:
      error_ratio: 1 - avg_over_time(sat[{{.window}}])
  - name: share
    objective: 95
    sli:
      error_ratio: sum_over_time(count(sat < 0.75)[{{.window}}:]) / sum_over_time(count(sat)[{{.window}}:])
  - name: fine-share
    objective: 99.9
    sli:
      error_ratio: sum_over_time(count(sat < 0.5)[{{.window}}:]) / sum_over_time(count(sat)[{{.window}}:])
  - name: quantile
    objective: 99
    sli:
      error_ratio: histogram_quantile(0.99, sum by (le) (rate(x_bucket[{{.window}}])))
`
	path := filepath.Join(t.TempDir(), "wifi.yaml")
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	p, diags, err := input.Load([]string{path})
	if err != nil || p == nil {
		t.Fatalf("%v %v", err, diags)
	}
	ss, unc := Generate(p.Services[0])
	count := map[string]int{}
	for _, s := range ss {
		if len(s.Ranges) > 0 {
			count[s.Ranges[0].Labels["slo"]]++
		}
		if len(s.Series) == 0 {
			t.Errorf("%s: no input series", s.Name)
		}
	}
	// 8 thresholds, 2 spikes, within budget.
	for _, slo := range []string{"rates", "mean", "share"} {
		if count[slo] != 11 {
			t.Errorf("%s: %d scenarios, want 11", slo, count[slo])
		}
	}
	// The page's 4 thresholds and spike; the ticket's spike (at ratio 1);
	// not the ticket's thresholds (0.0033 and below) or within budget.
	if count["fine-share"] != 6 {
		t.Errorf("fine-share: %d scenarios, want 6", count["fine-share"])
	}
	if count["quantile"] != 0 {
		t.Errorf("quantile: %d scenarios, want none", count["quantile"])
	}
	var why []string
	for _, u := range unc {
		why = append(why, u.Alert+": "+u.Why)
	}
	got := strings.Join(why, "\n")
	for _, want := range []string{
		"FineShareErrorBudgetBurn: warning 1d: an error ratio of 0.0033 needs more than 200 series",
		"FineShareErrorBudgetBurn: warning 3d: an error ratio of 0.0009 needs more than 200 series",
		"QuantileErrorBudgetBurn: an error_ratio SLI slo cannot hold at a value",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("uncovered does not say %q:\n%s", want, got)
		}
	}
	// The share holds 0.792 (1.1x 14.4x of 0.05) with 5 series, 4 bad.
	for _, s := range ss {
		if strings.HasPrefix(s.Name, "ShareErrorBudgetBurn critical: an error ratio of 0.8 (1.1x the 1h/5m") {
			bad := 0
			for _, se := range s.Series {
				if strings.Contains(se.Values, "0.375") {
					bad++
				}
			}
			if len(s.Series) != 5 || bad != 4 {
				t.Errorf("%s: %d series, %d of them bad; want 5 and 4", s.Name, len(s.Series), bad)
			}
			return
		}
	}
	t.Errorf("no share scenario at 0.8 for 1.1x the page's 1h/5m threshold")
}
