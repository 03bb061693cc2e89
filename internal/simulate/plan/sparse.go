package plan

// Firing-only ranges: "never fires" without observing every step.
//
// A range assertion that an alert never fires between two times reads no
// state but "firing", yet as an observed range it needs the alerting rule,
// and so every rule it reads, at every step of the range (demand 1): a
// week of one-minute steps of a rule over avg_over_time(x[1w]) costs a
// week of samples at each of them. A FiringOnly range needs much less.
//
// Let an alerting rule have `for: F` > 0, no keep_firing_for, and let
// m = ceil(F/interval). In promtool's run, an alert is firing after step s
// only if it was created at some step p with (s-p)*interval >= F, so
// s-p >= m, and its expression returned the alert's label set at every
// step p..s: an alert not returned at an evaluation is resolved (or, when
// pending, dropped) there, and one returned again is a new alert, active
// from that step. So if it fires at some step s of [a, b], the expression
// returned its label set at every step of [max(p, a), s], and that run
// holds a step a + j*(m+1) <= b: a itself when p <= a, otherwise one of
// the m+1 or more consecutive steps p..s, all >= a (any m+1 consecutive
// steps hold one of every m+1). The alert's labels are the returned
// series' labels without __name__, with the rule's labels set and
// alertname; when those labels are not templated they do not depend on
// the value. Hence: if at none of the steps a, a+m+1, ... <= b the rule's
// expression returns a series whose alert labels match the range's
// selector, no alert the selector matches fires at any step of [a, b].
//
// These probes are expression evaluations like promql_expr_test's, at the
// rule's query time of each probed step (step time minus query offset), so
// demand 2 gives every producer of the rule the steps that make its
// samples within the probe's read spans promtool's. The probes run after
// the last step, when the storage holds later steps too; that is the same
// as at the probed step when the expression reads nothing after its
// evaluation time (no @, negative offset or template queries) and its
// producers come before it in evaluation order with a query offset no
// larger than its own (as for compressed rules, compress.go): samples they
// write at later steps are stamped after the probe's query time. Rules
// with subqueries are left out too, as from compression.
//
// With keep_firing_for, an alert firing at s may not be returned at s: it
// stays firing while every step without it is within keep_firing_for of
// the last one with it, so in [a, b] it may have been returned only now
// and then. But its firing began at some step s0 <= s, when it became
// firing out of pending, after a run p..s0 of m+1 or more steps that
// returned it (a pending alert not returned is dropped; keep_firing_for
// keeps only firing ones). Probing from step 0 rather than from a, at the
// same stride, hits that run: no probe returning a matching series means
// no alert the selector matches fires at any step up to b.
//
// A range with a rule that does not qualify (`for: 0`,
// templated labels, ...) is observed as a states-only range instead
// (Plan.Dense). When a probe does return a matching series, the alert may
// or may not fire: the caller then runs again with the range observed
// (and the failure, if any, described) exactly as before.

import (
	"time"

	"github.com/slo-compiler/slo/internal/simulate/engine"
)

// FiringOnly asks only whether an alert of the named rules (with the
// label values Labels, as in Observed) fires at some evaluation from From
// to To (see sparse.go).
type FiringOnly struct {
	Names    map[string]bool
	From, To time.Duration
	Labels   map[string]string
	// Stride, when larger, sets the steps between probes instead of
	// ceil(for/interval)+1: fewer probes, which no longer show that no
	// alert fires, for a caller that only guesses from them where one
	// may fire (simulate's until-firing ranges).
	Stride int
}

// Observed returns fo as a states-only range, as it is observed when it
// cannot be probed (Plan.Dense) or a probe found a matching series.
func (fo FiringOnly) Observed() Observed {
	return Observed{Names: fo.Names, From: fo.From, To: fo.To, StatesOnly: true, Labels: fo.Labels}
}

// Probe is an alerting rule's expression to evaluate at the steps From,
// From+Every, ... up to To, for the FiringOnly range of index Range.
type Probe struct {
	Range           int
	Rule            engine.Rule
	From, To, Every int
}

// probeable reports whether the expression of alerting rule i may be
// probed at some of its steps after the run (sparse.go).
func (p *Plan) probeable(i int) bool {
	return p.Nodes[i].Rule.For > 0 && p.returnsPast(i)
}

// probes returns the probes of each firing-only range, and the ranges
// that must be observed instead (nil probes, dense set).
func (p *Plan) probes(fos []FiringOnly, iv time.Duration) (probes [][]Probe, dense []bool) {
	probes = make([][]Probe, len(fos))
	dense = make([]bool, len(fos))
	for fi, fo := range fos {
		lo, hi := Step(fo.From, iv), Step(fo.To, iv)
		for i, n := range p.Nodes {
			if !n.Rule.Alert || !fo.Observed().Selects(n.Rule) {
				continue
			}
			if !p.probeable(i) {
				probes[fi], dense[fi] = nil, true
				break
			}
			every := max(ceilDiv(n.Rule.For, iv)+1, fo.Stride)
			from := lo
			if n.Rule.KeepFiringFor > 0 {
				// An alert kept firing in [a, b] may have been returned
				// there only now and then, each time within
				// keep_firing_for of the last: its firing began earlier,
				// with a run of m+1 steps that probes from step 0 hit.
				from = 0
			}
			probes[fi] = append(probes[fi], Probe{Range: fi, Rule: n.Rule, From: from, To: from + (hi-from)/every*every, Every: every})
		}
	}
	return probes, dense
}
