package plan

// Alerting rules evaluated over runs of steps.
//
// An alert assertion at step k needs the rule evaluated at every step from
// k-for to k (plan.go, demand 1), so the work of a scenario grew with
// `for`: a `for: 30d` alert at one-minute steps took 43,200 evaluations,
// each templating every alert's annotations, to answer one assertion. But
// between two evaluations of an alerting rule, its state can only change
// where the set of label sets its expression returns changes, or by time
// passing:
//
//   - an alert returned at every step of a run keeps its ActiveAt, and is
//     firing at step s exactly when s's time minus ActiveAt is at least
//     `for` (AlertingRule.Eval recomputes this at every evaluation from
//     ActiveAt alone, so skipping the steps where it turned firing changes
//     nothing but FiredAt, which no state transition reads);
//   - without keep_firing_for, an alert not returned at the first step of
//     the run is resolved (or dropped) there and stays so; when it comes
//     back, it is a new alert with ActiveAt at the step it came back,
//     whether or not the resolved one was kept for resolvedRetention;
//   - with keep_firing_for K, a firing alert not returned is kept firing
//     (see "Keep firing" below) until K has passed since the first step
//     that did not return it, then resolved; returned later, it is a new
//     alert, as above.
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
// Keep firing. AlertingRule.Eval, at a step s that does not return a
// firing alert's label set, sets the alert's KeepFiringSince to s unless
// it is set, and keeps the alert firing when s minus KeepFiringSince is
// less than K, resolving it otherwise; a step that returns it clears
// KeepFiringSince, and one that returns the label set of a resolved alert
// starts a new pending alert. Whether an alert that disappears at a step c
// is kept depends on its state at c-1 (a pending alert is dropped, a
// firing one kept), and its annotations while kept are those of c-1:
// neither is known when the rule was last evaluated for real before c-1.
// So a rule with keep_firing_for is also evaluated for real at the step
// before each step whose label sets differ from those of the step before
// it, the must step included (the range query reaches up to it to see
// that). Claim: after each real evaluation at a step s, the rule's active
// alerts (labels, annotations, state, ActiveAt, KeepFiringSince) are
// promtool's at s. By induction, with a the previous real evaluation:
//
//   - s = a+1: one evaluation from promtool's state at a, of what promtool
//     evaluates at s.
//   - s > a+1: then no step of a+1..s returns other label sets than a did
//     (a step whose label sets differ from the step before's has that
//     step evaluated, so s is the step before a change, or a must step
//     reached without one).
//     In promtool's run, over a+1..s, a returned pending alert fires once
//     `for` has passed since ActiveAt, a returned firing one stays firing
//     with KeepFiringSince cleared (it was at a), a kept one (not returned,
//     its KeepFiringSince f set at or before a) is resolved at the first
//     step e with (e-f)*interval >= K and stays inactive, and the others
//     are dropped or inactive since a. Each condition holds from some step
//     on, so the state at s is what one evaluation at s computes from the
//     state at a. Returned alerts get the annotations of s in both
//     runs; kept ones keep those of the last step that returned them.
//
// The only differences are FiredAt (as above) and when an expired alert
// is marked resolved (s instead of e), which decides only when the inactive alert leaves the
// rule's map: inactive alerts are not active, are not written and do not
// count against the limit, and a returned label set replaces one with a
// new pending alert, as if it were gone. The derived states of skipped
// steps follow the second case too: pending alerts fire once `for` has
// passed, kept ones are gone once K has passed since their
// KeepFiringSince. All this needs a single run of steps from step 0,
// which a rule with keep_firing_for always has (demand 1 gives it
// [0, k] for every assertion).
//
// Evaluating late, at step s while the storage holds input up to a later
// step k, is exact when the rule's expression sees the same samples as at
// step s: it reads no samples after its evaluation time (no @, negative
// offset or template queries), its producers come before it in evaluation
// order with a query offset no larger than its own (so everything they
// write after step s is stamped after the rule's query time at s), and
// nothing reads what it writes (ALERTS, ALERTS_FOR_STATE), which is
// therefore discarded. Rules with templated labels (whose label set
// depends on the value) or subqueries are never compressed.

import (
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/slo-compiler/slo/internal/simulate/engine"
)

// markCompressible decides which alerting rules are compressed and their
// must steps. readBy says which nodes' outputs something reads. The
// runner must make the engine discard what compressed rules write.
func (p *Plan) markCompressible(d Demands, iv time.Duration, readBy []bool) {
	for i, n := range p.Nodes {
		r := n.Rule
		if len(n.Steps) == 0 || readBy[i] || !p.returnsPast(i) {
			continue
		}
		var must Spans
		for _, sp := range n.Steps {
			must = must.Add(sp.Lo, sp.Lo).Add(sp.Hi, sp.Hi)
		}
		for _, at := range d.Alerts {
			if at.Alertname == r.Name {
				k := Step(at.At, iv)
				must = must.Add(k, k)
			}
		}
		for _, o := range d.Observed {
			if !o.StatesOnly && o.Selects(r) {
				must = must.Add(Step(o.From, iv), Step(o.To, iv))
			}
		}
		n.Compress = true
		n.Must = must
		n.MCur = Cursor{s: must}
		n.Last = -1
	}
}

// SameRun reports whether steps a < b are in the same run of s (so every
// step between them is in s).
func (s Spans) SameRun(a, b int) bool {
	if a < 0 || a >= b {
		return false
	}
	for _, x := range s {
		if x.Lo <= a && b <= x.Hi {
			return true
		}
	}
	return false
}

// returnsPast reports whether alerting rule i's expression, evaluated at
// a step after later steps were evaluated, returns what it returned at
// that step, and whether its alerts' labels do not depend on the values:
// no subquery or templated label, every read bounded and at or before its
// evaluation time, and every rule it reads evaluated before it with a
// query offset no larger than its own. Compression (above) and
// firing-only probes (sparse.go) both rely on it.
func (p *Plan) returnsPast(i int) bool {
	n := p.Nodes[i]
	r := n.Rule
	if !r.Alert || hasSubquery(r.Query) {
		return false
	}
	if templatedLabels(r.Labels) {
		return false
	}
	for _, rd := range n.reads {
		if rd.Unbounded || rd.Forward > 0 {
			return false
		}
		for j, m := range p.Nodes {
			if m.produces(rd) && (j >= i || m.Rule.QueryOffset > r.QueryOffset) {
				return false
			}
		}
	}
	return true
}

// templatedLabels reports whether an alerting rule has a templated
// label, whose value may depend on the series and its value, other than
// one that sets itself to the series' own value (engine.IdentityLabel).
func templatedLabels(ls labels.Labels) bool {
	templated := false
	ls.Range(func(l labels.Label) {
		templated = templated || strings.Contains(l.Value, "{{") && !engine.IdentityLabel(l)
	})
	return templated
}
