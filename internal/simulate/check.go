package simulate

// The alert and expression checks are promtool's (cmd/promtool/unittest.go,
// v0.315.0), comparing the same values; only the failure text is left to
// the report writer.

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/slo-compiler/slo/internal/simulate/engine"
	"github.com/slo-compiler/slo/internal/simulate/plan"
)

// alertChecker holds the alert assertions of a test group, by eval time,
// and compares them with the alerting rules' state (promtool's logic).
type alertChecker struct {
	in       *Input
	times    []time.Duration
	inTest   map[time.Duration]map[string]struct{}
	tests    map[time.Duration][]int
	curr     int
	cmpFloat gocmp.Option
}

func fuzzyOption(fuzzy bool) gocmp.Option {
	if !fuzzy {
		return gocmp.Options{}
	}
	return gocmp.Comparer(func(x, y float64) bool {
		return x == y || math.Nextafter(x, math.Inf(-1)) == y || math.Nextafter(x, math.Inf(1)) == y
	})
}

func newAlertChecker(in *Input) (*alertChecker, error) {
	ac := &alertChecker{
		in:       in,
		inTest:   map[time.Duration]map[string]struct{}{},
		tests:    map[time.Duration][]int{},
		cmpFloat: fuzzyOption(in.Fuzzy),
	}
	for i, a := range in.AlertTests {
		if a.Alertname == "" {
			var testGroupLog string
			if in.Name != "" {
				testGroupLog = fmt.Sprintf(" (in TestGroup %s)", in.Name)
			}
			return nil, fmt.Errorf("an item under alert_rule_test misses required attribute alertname at eval_time %v%s", fmtDuration(a.At), testGroupLog)
		}
		if _, ok := ac.inTest[a.At]; !ok {
			ac.inTest[a.At] = map[string]struct{}{}
			ac.times = append(ac.times, a.At)
		}
		ac.inTest[a.At][a.Alertname] = struct{}{}
		ac.tests[a.At] = append(ac.tests[a.At], i)
	}
	slices.Sort(ac.times)
	return ac, nil
}

// check compares the assertions due after the evaluation at step k.
func (ac *alertChecker) check(k int, iv time.Duration, sess *engine.Session, rules []engine.Rule) []Failure {
	var fails []Failure
	for ac.curr < len(ac.times) && plan.Step(ac.times[ac.curr], iv) <= k {
		t := ac.times[ac.curr]
		presentAlerts := ac.inTest[t]
		got := make(map[string][]Alert)
		// Same Alert name can be present in multiple groups.
		for _, r := range rules {
			if !r.Alert {
				continue
			}
			if _, ok := presentAlerts[r.Name]; !ok {
				continue
			}
			var alerts []Alert
			for _, a := range sess.Alerts(r.Index) {
				if a.Firing {
					alerts = append(alerts, Alert{Labels: a.Labels, Annotations: a.Annotations})
				}
			}
			got[r.Name] = append(got[r.Name], alerts...)
		}

		for _, i := range ac.tests[t] {
			testcase := ac.in.AlertTests[i]
			gotAlerts := got[testcase.Alertname]
			var expAlerts []Alert
			for _, a := range testcase.Firing {
				// User gives only the labels from alerting rule, which doesn't
				// include this label (added by Prometheus during Eval).
				expLabels := make(map[string]string, len(a.Labels)+1)
				for k, v := range a.Labels {
					expLabels[k] = v
				}
				expLabels[labels.AlertName] = testcase.Alertname
				expAlerts = append(expAlerts, Alert{
					Labels:      labels.FromMap(expLabels),
					Annotations: labels.FromMap(a.Annotations),
				})
			}
			sortAlerts(gotAlerts)
			sortAlerts(expAlerts)
			if !gocmp.Equal(expAlerts, gotAlerts, gocmp.Comparer(labels.Equal), ac.cmpFloat) {
				fails = append(fails, Failure{Kind: AlertMismatch, Group: ac.in.Name, Index: i, At: testcase.At,
					Alertname: testcase.Alertname, ExpAlerts: expAlerts, GotAlerts: gotAlerts})
			}
		}
		ac.curr++
	}
	return fails
}

// sortAlerts sorts by labels, then annotations (promtool's order).
func sortAlerts(as []Alert) {
	sort.Slice(as, func(i, j int) bool {
		if d := labels.Compare(as[i].Labels, as[j].Labels); d != 0 {
			return d < 0
		}
		return labels.Compare(as[i].Annotations, as[j].Annotations) < 0
	})
}

// checkExprs runs the promql_expr_test cases (promtool's logic).
func (gr *groupRun) checkExprs(sess *engine.Session) []Failure {
	in := gr.in
	var fails []Failure
	compareFloat64 := fuzzyOption(in.Fuzzy)
	exprFailed := func(i int, err error) Failure {
		tc := in.ExprTests[i]
		return Failure{Kind: ExprFailed, Group: in.Name, Index: i, At: tc.At, Expr: tc.Expr, Err: err}
	}
Outer:
	for i, testCase := range in.ExprTests {
		got, err := sess.Instant(testCase.Expr, gr.mint.Add(testCase.At))
		if err != nil {
			fails = append(fails, exprFailed(i, err))
			continue
		}

		var gotSamples []Sample
		for _, s := range got {
			gotSamples = append(gotSamples, Sample{
				Labels:    s.Metric,
				Value:     s.F,
				Histogram: engine.HistogramString(s.H),
			})
		}

		var expSamples []Sample
		for _, s := range testCase.Samples {
			lb, err := gr.parser.ParseMetric(s.Labels)
			var hist *histogram.FloatHistogram
			if err == nil && s.Histogram != "" {
				_, values, parseErr := gr.parser.ParseSeriesDesc("{} " + s.Histogram)
				switch {
				case parseErr != nil:
					err = parseErr
				case len(values) != 1:
					err = fmt.Errorf("expected 1 value, got %d", len(values))
				case values[0].Histogram == nil:
					err = fmt.Errorf("expected histogram, got %v", values[0])
				default:
					hist = values[0].Histogram
				}
			}
			if err != nil {
				fails = append(fails, exprFailed(i, fmt.Errorf("labels %q: %w", s.Labels, err)))
				continue Outer
			}
			expSamples = append(expSamples, Sample{
				Labels:    lb,
				Value:     s.Value,
				Histogram: engine.HistogramString(hist),
			})
		}

		sort.Slice(expSamples, func(i, j int) bool {
			return labels.Compare(expSamples[i].Labels, expSamples[j].Labels) <= 0
		})
		sort.Slice(gotSamples, func(i, j int) bool {
			return labels.Compare(gotSamples[i].Labels, gotSamples[j].Labels) <= 0
		})
		if !gocmp.Equal(expSamples, gotSamples, gocmp.Comparer(labels.Equal), compareFloat64) {
			fails = append(fails, Failure{Kind: ExprMismatch, Group: in.Name, Index: i, At: testCase.At,
				Expr: testCase.Expr, ExpSamples: expSamples, GotSamples: gotSamples})
		}
	}
	return fails
}
