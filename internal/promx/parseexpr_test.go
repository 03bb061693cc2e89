package promx

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseExprErrors: a bracket left open is reported at the bracket,
// alone, and an aggregation's "no arguments" is dropped beside the error
// in its argument that caused it; neither is recognised by its message.
func TestParseExprErrors(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`sum(rate(x[5m])`, []string{`3: unclosed '(': no ')' closes it`}},
		{`sum(`, []string{`3: unclosed '(': no ')' closes it`}},
		{`sum(x[5m)`, []string{`5: unclosed '[': no ']' closes it`}},
		{`sum(x{a="b"`, []string{`5: unclosed '{': no '}' closes it`}},
		{`sum(x{a=")"`, []string{`5: unclosed '{': no '}' closes it`}},
		{`max(foo +)`, []string{`9: unexpected ")" in aggregation`}},
		{`count(x y)`, []string{`8: unexpected identifier "y" in aggregation`}},
		{`sum by (a) (foo bar)`, []string{`16: unexpected identifier "bar" in aggregation`}},
		{`sum()`, []string{`0: no arguments for aggregate expression provided`}},
		{`sum(x{a="b")`, []string{`11: unexpected character inside braces: ')'`}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			_, errs := ParseExpr(tc.expr)
			var got []string
			for _, e := range errs {
				got = append(got, fmt.Sprintf("%d: %s", e.Offset, e.Message))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
