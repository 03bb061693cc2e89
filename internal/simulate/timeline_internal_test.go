package simulate

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/slo-compiler/slo/internal/simulate/engine"
)

// TestReadBy checks which recording rules a plot must compute: those its
// selectors may select, by name, __name__ matcher or label-set __name__,
// and those the selected rules read in turn; never alerting rules.
func TestReadBy(t *testing.T) {
	p := Options{}.parser()
	rule := func(name, expr string, alert bool, ls ...string) engine.Rule {
		e, err := p.ParseExpr(expr)
		if err != nil {
			t.Fatal(err)
		}
		return engine.Rule{Name: name, Query: e, Alert: alert, Labels: labels.FromStrings(ls...)}
	}
	rules := []engine.Rule{
		rule("job:a:rate5m", "rate(a[5m])", false),
		rule("job:b:rate5m", "rate(b[5m])", false),
		rule("job:c:ratio", "job:a:rate5m / 2", false),
		rule("job:d:renamed", "b", false, "__name__", "job:d:real"),
		rule("ALow", "job:b:rate5m < 1", true),
		rule("other", "b", false),
	}
	for _, tc := range []struct {
		exprs []string
		want  []bool
	}{
		{[]string{"job:c:ratio"}, []bool{true, false, true, false, false, false}},
		{[]string{`{__name__=~"job:b:.*"}`}, []bool{false, true, false, false, false, false}},
		{[]string{`{__name__="job:d:real"}`}, []bool{false, false, false, true, false, false}},
		{[]string{`{job="x"}`}, []bool{true, true, true, true, false, true}},
		{[]string{"ALERTS", "not ( valid"}, []bool{false, false, false, false, false, false}},
	} {
		if diff := cmp.Diff(tc.want, readBy(rules, tc.exprs, p)); diff != "" {
			t.Errorf("readBy(%q) (-want +got):\n%s", tc.exprs, diff)
		}
	}
}
