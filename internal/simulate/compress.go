package simulate

// Alerting rules evaluated over runs of steps.
//
// An alert assertion at step k needs the rule evaluated at every step from
// k-for to k (plan.go, demand 1), so the work of a scenario grew with
// `for`: a `for: 30d` alert at one-minute steps took 43,200 evaluations,
// each templating every alert's annotations, to answer one assertion. But
// between two evaluations of an alerting rule, its state can only change
// where the set of label sets its expression returns changes:
//
//   - an alert returned at every step of a run keeps its ActiveAt, and is
//     firing at step s exactly when s's time minus ActiveAt is at least
//     `for` (AlertingRule.Eval recomputes this at every evaluation from
//     ActiveAt alone, so skipping the steps where it turned firing changes
//     nothing but FiredAt, which nothing observes without keep_firing_for);
//   - an alert not returned at the first step of the run is resolved (or
//     dropped) there and stays so; when it comes back, it is a new alert
//     with ActiveAt at the step it came back, whether or not the resolved
//     one was kept for resolvedRetention.
//
// So a compressed rule is evaluated for real only at its "must" steps: the
// first and last step of each run of its plan steps, and every step an
// assertion compares its alerts at (promtool's alert_rule_test, and
// observed ranges that need annotations). At a must step, before the real
// evaluation, one range query of the rule's expression over the skipped
// steps since the previous evaluation finds the first step whose label sets
// differ; the rule is evaluated for real there (late: see below), and so on
// until the must step. Alert states at skipped steps that a states-only
// range observes (ObserveRange.StatesOnly) are derived from the last real
// evaluation, with the firing state recomputed as above; their annotations
// are those of that evaluation.
//
// Evaluating late, at step s while the storage holds input up to a later
// step k, is exact when the rule's expression sees the same samples as at
// step s: it reads no samples after its evaluation time (no @, negative
// offset or template queries), its producers come before it in evaluation
// order with a query offset no larger than its own (so everything they
// write after step s is stamped after the rule's query time at s), and
// nothing reads what it writes (ALERTS, ALERTS_FOR_STATE), which is
// therefore discarded. Rules with keep_firing_for (whose state depends on
// when the alert turned firing), templated labels (whose label set depends
// on the value) or subqueries are never compressed.

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/timestamp"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"
)

// markCompressible decides which alerting rules are compressed and their
// must steps. readBy says which nodes' outputs something reads.
func (p *plan) markCompressible(gr *groupRun, readBy []bool, mopts *rules.ManagerOptions) {
	iv := gr.evalInterval
NODES:
	for i, n := range p.nodes {
		ar := n.alert
		if ar == nil || len(n.steps) == 0 || readBy[i] || ar.KeepFiringFor() > 0 || hasSubquery(n.rule.Query()) {
			continue
		}
		templated := false
		ar.Labels().Range(func(l labels.Label) { templated = templated || strings.Contains(l.Value, "{{") })
		if templated {
			continue
		}
		for _, r := range n.reads {
			if r.Unbounded || r.Forward > 0 {
				continue NODES
			}
			for j, m := range p.nodes {
				if m.produces(r) && (j >= i || m.qo > n.qo) {
					continue NODES
				}
			}
		}
		var must spans
		for _, sp := range n.steps {
			must = must.add(sp.lo, sp.lo).add(sp.hi, sp.hi)
		}
		for _, at := range gr.tg.AlertRuleTests {
			if at.Alertname == ar.Name() {
				k := alertStep(at.EvalTime, iv)
				must = must.add(k, k)
			}
		}
		if o := gr.tg.observe; o != nil {
			for _, r := range o.ranges {
				if !r.statesOnly && r.names[ar.Name()] {
					must = must.add(alertStep(model.Duration(r.from), iv), alertStep(model.Duration(r.to), iv))
				}
			}
		}
		n.compress = true
		n.must = must
		n.mcur = cursor{s: must}
		n.last = -1
		// What it writes is read by nothing: discard it, so that late
		// evaluations append nothing out of order.
		o := *mopts
		o.Appendable = discard{}
		qo := n.qo
		n.group = rules.NewGroup(rules.GroupOptions{
			Name:        n.group.Name(),
			File:        n.group.File(),
			Interval:    n.group.Interval(),
			Limit:       n.group.Limit(),
			Rules:       []rules.Rule{n.rule},
			Opts:        &o,
			QueryOffset: &qo,
		})
	}
}

// catchUp brings a compressed rule from its last evaluation up to step k
// (exclusive): it evaluates the rule for real at every skipped step where
// its expression's label sets change, and records the derived states of
// the skipped steps that are observed. It returns the rule evaluations it
// took, or a reason to run exhaustively.
func (gr *groupRun) catchUp(ctx context.Context, n *node, k int, engine *promql.Engine, q storage.Queryable, mint time.Time) (int, string) {
	if n.last < 0 || k-n.last <= 1 {
		return 0, ""
	}
	iv := gr.evalInterval
	start := mint.Add(time.Duration(n.last)*iv - n.qo)
	end := mint.Add(time.Duration(k-1)*iv - n.qo)
	mat, err := rangeQuery(ctx, engine, q, n.rule.Query().String(), start, end, iv)
	if err != nil {
		return 0, "rule " + n.rule.Name() + ": " + err.Error()
	}
	// sets[s-n.last] is the label sets returned at step s, as a sorted
	// list of their keys joined.
	sets := make([][]string, k-n.last)
	for _, s := range mat {
		key := string(s.Metric.Bytes(nil))
		add := func(t int64) {
			i := int((timestamp.Time(t).Sub(start)) / iv)
			if i >= 0 && i < len(sets) {
				sets[i] = append(sets[i], key)
			}
		}
		for _, p := range s.Floats {
			add(p.T)
		}
		for _, p := range s.Histograms {
			add(p.T)
		}
	}
	join := func(i int) string {
		slices.Sort(sets[i])
		return strings.Join(sets[i], "\xff")
	}
	evals := 0
	cur := join(0)
	for s := n.last + 1; s < k; s++ {
		ts := mint.Add(time.Duration(s) * iv)
		if set := join(s - n.last); set != cur {
			cur = set
			n.group.Eval(ctx, ts)
			evals++
			if err := n.rule.LastError(); err != nil {
				return evals, "rule evaluation failed: " + ruleError(n.rule, ts).Error()
			}
		}
		gr.tg.observe.derive(s, n)
	}
	return evals, ""
}

// discard is an Appendable that drops everything.
type discard struct{}

func (discard) Appender(context.Context) storage.Appender { return discardAppender{} }

type discardAppender struct{ storage.Appender }

func (discardAppender) Append(ref storage.SeriesRef, _ labels.Labels, _ int64, _ float64) (storage.SeriesRef, error) {
	return ref, nil
}

func (discardAppender) AppendHistogram(ref storage.SeriesRef, _ labels.Labels, _ int64, _ *histogram.Histogram, _ *histogram.FloatHistogram) (storage.SeriesRef, error) {
	return ref, nil
}
func (discardAppender) SetOptions(*storage.AppendOptions) {}
func (discardAppender) Commit() error                     { return nil }
func (discardAppender) Rollback() error                   { return nil }

// sameRun reports whether steps a < b are in the same run of s (so every
// step between them is in s).
func (s spans) sameRun(a, b int) bool {
	if a < 0 || a >= b {
		return false
	}
	for _, x := range s {
		if x.lo <= a && b <= x.hi {
			return true
		}
	}
	return false
}
