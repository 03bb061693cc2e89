package promx

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestComparisons(t *testing.T) {
	for name, tc := range map[string]struct {
		expr string
		want []Comparison
	}{
		"threshold": {`stage:q:value{platform="x"} > 200`, []Comparison{{"stage:q:value", ">", 200}}},
		"burn rate": {`(a:ratio_rate1h{s="x"} > (14.4 * 0.001) and a:ratio_rate5m > (14.4 * 0.001)) or (a:ratio_rate6h > 6 * 0.001)`,
			[]Comparison{{"a:ratio_rate1h", ">", 0.0144}, {"a:ratio_rate5m", ">", 0.0144}, {"a:ratio_rate6h", ">", 0.006}}},
		"constant left": {`0.5 >= up_ratio`, []Comparison{{"up_ratio", "<=", 0.5}}},
		"negative":      {`x < -(2 - 1)`, []Comparison{{"x", "<", -1}}},
		"not constant":  {`x > y`, nil},
		"aggregate":     {`sum(x) > 3`, nil},
		"unparsable":    {`x >`, nil},
	} {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Comparisons(tc.expr), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
