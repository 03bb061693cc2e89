package promx

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

func TestExprReads(t *testing.T) {
	p := parser.NewParser(parser.Options{ExperimentalDurationExpr: true, EnableExtendedRangeSelectors: true})
	const lb = 5 * time.Minute
	for _, tc := range []struct {
		expr string
		want []string // name back forward [latest] (or "unbounded")
	}{
		{"up", []string{"up 5m0s 0s latest"}},
		{"rate(x[10m])", []string{"x 15m0s 0s"}},
		{"x offset 1h", []string{"x 1h5m0s -1h0m0s latest"}},
		{"x offset -10m", []string{"x -5m0s 10m0s latest"}},
		{"sum_over_time(x[1h] offset 1d)", []string{"x 25h5m0s -24h0m0s"}},
		{"max_over_time(rate(x[5m])[30m:1m] offset 10m)", []string{"x 50m0s -10m0s"}},
		{"max_over_time(x[30m:1m])", []string{"x 35m0s 0s"}},
		{"x @ 100", []string{"x unbounded"}},
		{"x @ end()", []string{"x unbounded"}},
		{"max_over_time(x[10m:1m] @ 10)", []string{"x unbounded"}},
		{"a + on(job) b offset 2m", []string{"a 5m0s 0s latest", "b 7m0s -2m0s latest"}},
		{`{__name__=~"a|b"}`, []string{"? 5m0s 0s latest"}},
		// Smoothed selectors interpolate with the next sample.
		{"x smoothed", []string{"x 5m0s 5m0s"}},
		{"rate(x[10m] smoothed)", []string{"x 15m0s 5m0s"}},
		{"rate(x[10m] anchored)", []string{"x 15m0s 0s"}},
	} {
		expr, err := p.ParseExpr(tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		var got []string
		for _, r := range ExprReads(expr, lb) {
			name := "?"
			for _, m := range r.Matchers {
				if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
					name = m.Value
				}
			}
			if r.Unbounded {
				got = append(got, name+" unbounded")
			} else {
				s := fmt.Sprintf("%s %s %s", name, r.Back, r.Forward)
				if r.Latest {
					s += " latest"
				}
				got = append(got, s)
			}
		}
		if tc.want != nil && strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: got %q, want %q", tc.expr, got, tc.want)
		}
	}
}

func TestMayReadMetric(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	for _, tc := range []struct {
		expr, name string
		want       bool
	}{
		{"up", "up", true},
		{"up", "down", false},
		{`{__name__=~"job:.*"}`, "job:x", true},
		{`{__name__=~"job:.*"}`, "x", false},
		{`{job="a"}`, "anything", true},
		{`ALERTS{alertstate="firing"}`, "ALERTS", true},
		{`ALERTS{alertstate="firing"}`, "ALERTS_FOR_STATE", false},
	} {
		e, err := p.ParseExpr(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		rs := ExprReads(e, time.Minute)
		if len(rs) != 1 || rs[0].MayReadMetric(tc.name) != tc.want {
			t.Errorf("%s reads %s: want %v", tc.expr, tc.name, tc.want)
		}
	}
	if !(Read{Unbounded: true}).MayReadMetric("x") {
		t.Error("a read without matchers must match everything")
	}
}

func TestMayReadLabels(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	e, err := p.ParseExpr(`x{slo="a", team=~"t.*", env!="dev"}`)
	if err != nil {
		t.Fatal(err)
	}
	r := ExprReads(e, time.Minute)[0]
	for _, tc := range []struct {
		fixed labels.Labels
		want  bool
	}{
		{labels.EmptyLabels(), true},
		{labels.FromStrings("slo", "a"), true},
		{labels.FromStrings("slo", "b"), false},
		{labels.FromStrings("team", "ops"), false},
		{labels.FromStrings("team", "tools", "other", "x"), true},
		{labels.FromStrings("env", "dev"), false},
	} {
		if got := r.MayReadLabels(tc.fixed); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.fixed, got, tc.want)
		}
	}
}
