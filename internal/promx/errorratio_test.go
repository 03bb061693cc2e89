package promx

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestErrorRatioShape(t *testing.T) {
	tests := []struct {
		name, expr string
		want       ErrorRatio
		ok         bool
	}{
		{"rates", `sum(rate(errs_total{job="a"}[5m])) / sum(rate(reqs_total{job="a"}[5m]))`,
			ErrorRatio{Kind: RateShare, Num: `errs_total{job="a"}`, Den: `reqs_total{job="a"}`}, true},
		{"good increases by", `1 - (sum by (q) (increase(ok_total[5m])) / sum by (q) (increase(all_total[5m])))`,
			ErrorRatio{Kind: RateShare, Num: "ok_total", Den: "all_total", By: []string{"q"}, Complement: true}, true},
		{"rates of other windows", `sum(rate(a[5m])) / sum(rate(b[1h]))`, ErrorRatio{}, false},
		{"rate and increase", `sum(rate(a[5m])) / sum(increase(b[5m]))`, ErrorRatio{}, false},
		{"other groupings", `sum by (x) (rate(a[5m])) / sum(rate(b[5m]))`, ErrorRatio{}, false},
		{"Sloth's raw-home-wifi", "1 - (\n  sum(sum_over_time(sat[5m]))\n  /\n  sum(count_over_time(sat[5m]))\n)\n",
			ErrorRatio{Kind: GaugeMean, Gauge: "sat", Complement: true}, true},
		{"mean of other gauges", `sum(sum_over_time(a[5m])) / sum(count_over_time(b[5m]))`, ErrorRatio{}, false},
		{"avg_over_time", `avg_over_time(disk_errors{disk="a"}[5m])`, ErrorRatio{Kind: GaugeMean, Gauge: `disk_errors{disk="a"}`}, true},
		{"Sloth's home-wifi", "(sum_over_time((count(sat < 0.75))[5m:]) OR on() vector(0))\n/\n(sum_over_time((count(sat))[5m:]))",
			ErrorRatio{Kind: SeriesShare, Gauge: "sat", Pass: 0.375, Fail: 0.875}, true},
		{"share above", `sum_over_time(count(temp >= 80)[5m:]) / sum_over_time(count(temp)[5m:])`,
			ErrorRatio{Kind: SeriesShare, Gauge: "temp", Pass: 81, Fail: 79}, true},
		{"share of other gauges", `sum_over_time(count(a < 1)[5m:]) / sum_over_time(count(b)[5m:])`, ErrorRatio{}, false},
		{"share with a step", `sum_over_time(count(a < 1)[5m:1m]) / sum_over_time(count(a)[5m:1m])`, ErrorRatio{}, false},
		{"comparison with bool", `sum_over_time(count(a < bool 1)[5m:]) / sum_over_time(count(a)[5m:])`, ErrorRatio{}, false},
		{"quantile", `histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))`, ErrorRatio{}, false},
		{"not PromQL", `sum(`, ErrorRatio{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ErrorRatioShape(tt.expr)
			if ok != tt.ok {
				t.Fatalf("ok %v, want %v (%+v)", ok, tt.ok, got)
			}
			if !ok {
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestRateMatchersAgree: ErrorRatioShape, RateRatioSeries and SumRateOf
// match sum(rate(selector[w])) with one matcher (sumOf), so they take and
// refuse the same forms: parentheses around the range selector are the
// same query; an offset is not the current rate.
func TestRateMatchersAgree(t *testing.T) {
	for side, want := range map[string]bool{
		`sum(rate(x{c="5"}[5m]))`:           true,
		`sum by (a) (rate((x{c="5"}[5m])))`: true,
		`(sum(rate(x{c="5"}[5m]))) by (a)`:  false, // by after a parenthesised sum does not parse
		`sum(rate(x{c="5"}[5m] offset 1m))`: false,
		`sum(rate(x{c="5"}[5m] @ 100))`:     false,
		`sum without (a) (rate(x[5m]))`:     false,
		`max(rate(x{c="5"}[5m]))`:           false,
	} {
		den := strings.ReplaceAll(strings.ReplaceAll(side, `{c="5"}`, ""), "x", "y")
		_, _, _, _, ratio := RateRatioSeries(side + " / " + den)
		_, shape := ErrorRatioShape(side + " / " + den)
		_, sum := SumRateOf(side)
		if ratio != want || shape != want || sum != want {
			t.Errorf("%s: RateRatioSeries %v, ErrorRatioShape %v, SumRateOf %v; want %v", side, ratio, shape, sum, want)
		}
	}
}
