package plan

// Materialized recording rules.
//
// Evaluating a recording rule at tens of thousands of steps one
// rules.Group.Eval at a time costs tens of microseconds per step, most of
// it in per-evaluation bookkeeping. For a recording rule that
//
//   - reads input series, or outputs of materialized rules that come
//     before it in evaluation order (which promtool evaluates before it
//     at every step),
//   - reads only samples at or before its evaluation time, in a span
//     bounded relative to it (no @, negative offset or info()); a
//     subquery is fine, as the engine aligns its steps to absolute time in
//     a range query as in an instant one,
//   - writes no series that an input series or another rule may write
//     (rules with the same record name are told apart by their rule
//     labels), and
//   - is read only by rules that come after it in evaluation order (so at
//     any step they see the same samples of it as in promtool's run: those
//     up to and including that step),
//
// its outputs over a range of steps are computed with one PromQL range
// query (which the engine evaluates as the same instant evaluation at
// every step; runs of steps that repeat at a constant stride, as probes
// make them, with one range query per offset within a run, and scattered
// steps with one per arithmetic progression among them, whatever else such
// a query computes being dropped), once the input series are loaded up to
// the last of those steps and the rules it reads are materialized up to
// it, and written
// into a separate storage with the transformation RecordingRule.Eval and
// Group.Eval apply: __name__ set to the record name, rule labels set, an
// error on duplicate label sets or when the group limit is exceeded, and a
// stale marker for every series of the previous step recorded (across a
// gap between runs too, as Group.Eval marks the series of its previous
// evaluation, however long ago) that is gone. Rules
// and assertions then query both storages merged. A query or rule error
// makes the group run exhaustively, so errors are reported as promtool
// reports them.

import (
	"slices"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// MarkMaterializable decides which rules of the plan are materialized.
// input holds the label sets of the input series.
func (p *Plan) MarkMaterializable(input []labels.Labels) {
NODES:
	for i, n := range p.Nodes {
		// No other rule and no input series may write a series this rule
		// writes: the materialized samples live in a storage of their own.
		if len(n.Steps) == 0 || !p.exclusive(i, input) {
			continue
		}
		for _, r := range n.reads {
			if r.Unbounded || r.Forward > 0 {
				continue NODES
			}
			for j, m := range p.Nodes {
				if m.produces(r) && (j >= i || !m.Materialize) {
					continue NODES
				}
			}
		}
		for j := 0; j <= i; j++ {
			for _, r := range p.Nodes[j].reads {
				if n.produces(r) {
					continue NODES
				}
			}
		}
		n.Materialize = true
	}
}

// sharesOutput reports whether two rules may write the same series.
// Recording rules with the same name do not if their rule labels give
// some label different values.
func sharesOutput(a, b *Node) bool {
	common := false
	for _, o := range a.outputs {
		common = common || slices.Contains(b.outputs, o)
	}
	if !common {
		return false
	}
	if a.Rule.Alert || b.Rule.Alert {
		return true
	}
	bl := b.Rule.Labels
	disjoint := false
	a.Rule.Labels.Range(func(l labels.Label) {
		if l.Name != labels.MetricName && bl.Has(l.Name) && bl.Get(l.Name) != l.Value {
			disjoint = true
		}
	})
	return !disjoint
}

// hasLabels reports whether ls has every label of want (other than the
// metric name) with the same value.
func hasLabels(ls, want labels.Labels) bool {
	ok := true
	want.Range(func(l labels.Label) {
		if l.Name != labels.MetricName && ls.Get(l.Name) != l.Value {
			ok = false
		}
	})
	return ok
}

func hasSubquery(e parser.Expr) bool {
	found := false
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if _, ok := n.(*parser.SubqueryExpr); ok {
			found = true
		}
		return nil
	})
	return found
}

// anchoredSubquery reports whether e has a subquery whose span is not
// relative to the evaluation time (@, start(), end() or a duration
// expression). ExprReads marks the reads of the selectors inside such a
// subquery unbounded, but one over no selector (vector(time())[5m:1m]
// @ start()) reads none, and its value still depends on more than the
// evaluation time: a range query, whole or split, evaluates start() and
// end() as its own, not as each step's.
func anchoredSubquery(e parser.Expr) bool {
	found := false
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if sq, ok := n.(*parser.SubqueryExpr); ok && (sq.Timestamp != nil || sq.StartOrEnd != 0 || sq.RangeExpr != nil || sq.OriginalOffsetExpr != nil) {
			found = true
		}
		return nil
	})
	return found
}
