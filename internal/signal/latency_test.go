package signal_test

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/scenario"
	. "github.com/slo-compiler/slo/internal/signal"
)

// TestLatencyRatesIdleNative: an idle native histogram has no fraction
// (NaN); the period's sum of the slow-request rate over an hour with an
// idle half must still be the slow requests of the busy half, where the
// unguarded product is NaN for the whole sum.
func TestLatencyRatesIdleNative(t *testing.T) {
	l := &model.Latency{Histogram: "rpc_seconds", Threshold: 0.3, Native: true}
	bad, total := LatencyRates(l, nil, 5*time.Minute)
	// 30 idle minutes, then 10 fast and 10 slow requests a minute.
	h := func(fast, slow int) string {
		return "{{schema:0 count:" + itoa(fast+slow) + " sum:0 offset:-2 buckets:[" + itoa(fast) + " 0 " + itoa(slow) + "]}}"
	}
	s := &scenario.Scenario{Interval: time.Minute, Series: []scenario.Series{{
		Series: "rpc_seconds",
		Values: h(100, 100) + "x30 " + h(110, 110) + "+" + h(10, 10) + "x30",
	}}}
	at := time.Hour
	sum := func(expr string) float64 {
		got, err := evalAt(s, "sum_over_time(("+expr+")[1h:1m])", at)
		if err != nil || len(got) != 1 {
			t.Fatalf("%s: %v %v", expr, got, err)
		}
		return got[0].value
	}
	b, tot := sum(bad), sum(total)
	if math.IsNaN(b) || math.Abs(b/tot-0.5) > 1e-9 {
		t.Errorf("slow share over the hour: %v / %v; want 0.5", b, tot)
	}
	unguarded, _, _ := strings.Cut(strings.TrimPrefix(bad, "("), " >= 0)")
	if !math.IsNaN(sum(unguarded)) {
		t.Errorf("the unguarded slow rate %s sums to a number; the test cannot tell the guard's work", unguarded)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
