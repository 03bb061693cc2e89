package promtool

import (
	"testing"

	"github.com/slo-compiler/slo/internal/simulate/simtest"
)

// TestAnchoredSubqueryModesAgree: a recording rule whose subquery is
// anchored with @ start() or @ end() and reads no series is evaluated
// at every step as the instant query promtool runs (start() and end() are
// the step's time), not as a range query over the steps, where they are
// the query's first and last step.
func TestAnchoredSubqueryModesAgree(t *testing.T) {
	for _, expr := range []string{
		`max_over_time(vector(time())[5m:1m] @ start())`,
		`max_over_time(vector(time())[5m:1m] @ end())`,
	} {
		dir := t.TempDir()
		simtest.Write(t, dir, "rules.yml", `groups:
  - name: g
    rules:
      - record: r
        expr: '`+expr+`'
`)
		p := simtest.Write(t, dir, "test.yml", `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'a'
        values: '1x2000'
    promql_expr_test:
      - {expr: r, eval_time: 10m, exp_samples: [{labels: r, value: 600}]}
      - {expr: r, eval_time: 1000m, exp_samples: [{labels: r, value: 60000}]}
      - {expr: r, eval_time: 1001m, exp_samples: [{labels: r, value: 60060}]}
`)
		od, ex := runBoth(t, p)
		if !ex.Passed() || !od.Passed() {
			t.Errorf("%s: exhaustive passed=%v %v, on-demand passed=%v %v", expr, ex.Passed(), ex.Errors(), od.Passed(), od.Errors())
		}
	}
}
