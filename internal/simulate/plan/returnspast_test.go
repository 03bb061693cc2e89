package plan

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/slo-compiler/slo/internal/simulate/engine"
)

// TestReturnsPast lists which alerting rules compression and firing-only
// probes may evaluate after later steps ran, one reason to refuse each;
// keep_firing_for is none (compress.go).
func TestReturnsPast(t *testing.T) {
	const m = time.Minute
	p, expr := exprParser(t)
	rules := []engine.Rule{
		{Name: "job:x:rate5m", Query: expr("rate(x[5m])")},
		{Name: "Ok", Alert: true, Query: expr("job:x:rate5m > 1"), For: 5 * m},
		{Name: "Templated", Alert: true, Query: expr("x > 1"), Labels: labels.FromStrings("severity", "{{ $value }}")},
		{Name: "Keep", Alert: true, Query: expr("x > 1"), KeepFiringFor: 5 * m},
		{Name: "Subquery", Alert: true, Query: expr("max_over_time(x[10m:1m]) > 1")},
		{Name: "At", Alert: true, Query: expr("x @ 100 > 1")},
		{Name: "Ahead", Alert: true, Query: expr("x offset -5m > 1")},
		{Name: "ReadsLater", Alert: true, Query: expr("job:y:sum > 1")},
		{Name: "job:y:sum", Query: expr("sum(x)")},
		{Name: "job:z:sum", Query: expr("sum(x)"), QueryOffset: m},
		{Name: "ReadsLaterOffset", Alert: true, Query: expr("job:z:sum > 1")},
		{Name: "SameOffset", Alert: true, Query: expr("job:z:sum > 1"), QueryOffset: m},
	}
	for i := range rules {
		rules[i].Index = i
	}
	pl, reason := Build(rules, Demands{}, Options{Interval: m, Lookback: 5 * m, LastStep: 10, Parser: p})
	if reason != "" {
		t.Fatal(reason)
	}
	var got []string
	for i, r := range rules {
		if pl.returnsPast(i) {
			got = append(got, r.Name)
		}
	}
	if d := cmp.Diff([]string{"Ok", "Keep", "SameOffset"}, got); d != "" {
		t.Errorf("rules that see the past (-want +got):\n%s", d)
	}
}
