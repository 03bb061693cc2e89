package simulate

// On-demand evaluation.
//
// promtool evaluates every rule group at every step k = 0..N of the grid
// mint + k*evaluation_interval. A plan instead gives each rule a set of
// steps, computed as the least fixpoint of these demands:
//
//  1. Alert assertion at eval_time T (compared with the state after step
//     k = floor(T/interval)), for each alerting rule with that name:
//     every step in [S, k], S = the last step at or before k*interval-for
//     (0 if none). Alert state is a function of consecutive evaluations.
//     Whatever the rule's state before S, after evaluating S..k the firing
//     set at k is the same as promtool's: an alert firing in either run was
//     returned by the expression at every step of S..k, so both have an
//     ActiveAt at or before S <= k*interval-for; an alert that was not
//     returned at some step of S..k was resolved or dropped at the last
//     such step f in both runs, and both recreate it identically after f.
//     Annotations and labels are templated from the latest evaluation only.
//     With keep_firing_for an alert can stay firing across gaps of any
//     length, so such rules get [0, k] instead.
//  2. promql_expr_test at T: for every selector of the expression, every
//     step of every rule whose output the selector can match (by metric
//     name) and whose samples fall into the selector's read span
//     [T-offset-range-lookback (- subquery ranges), T-offset], clamped to
//     [0, N]. Rules stamp samples at step time minus their query offset.
//  3. A rule evaluated at step j is itself a reader: its expression makes
//     demands as in 2, clamped to steps <= j (later steps do not exist yet
//     when promtool evaluates step j, in either mode).
//  4. A recording rule's stale markers at step j depend on its output at
//     step j-1 (Group.Eval marks series of the previous evaluation that
//     are gone). So each run [a, b] of its steps is extended to [a-1, b]:
//     markers at a are then exact; those written at a-1 may differ from
//     promtool's, but no reader looks at a-1 (otherwise a-1 would have
//     been demanded and the run would start earlier). This is belt and
//     braces: a stale marker only hides older samples, and those are
//     outside every read span that starts at a anyway.
//  5. Alerting rules write ALERTS and ALERTS_FOR_STATE. If anything reads
//     those, an alerting rule's steps become [0, max], exactly promtool's.
//     Alert templates that may call query read everything.
//
// At each step in the union, the rules that have it are evaluated in
// promtool's order (group order, then rule order), each as a one-rule
// rules.Group so that the rules package keeps its own per-rule staleness
// bookkeeping. Input series are loaded up to the step first, as promtool
// does, so every reader sees the same storage contents within its read
// span as in promtool's run. Recording rules that only read input series
// (or such rules before them) and only look backwards are computed with
// range queries instead; materialize.go explains why that is the same.
//
// Alerting rules that nothing reads and whose state depends only on which
// label sets their expression returns are then evaluated for real only at
// some of their steps, and their states at the others derived
// (compress.go).
//
// The demands are supersets (every selector is assumed to read its whole
// lookback window, label matchers other than __name__ are ignored), so a
// plan may evaluate more than needed, never less.
//
// Rule evaluation errors make promtool stop at the first failing step.
// Before an on-demand run, every rule is shown not to fail at any step of
// the test's range, statically or with one range query per rule
// (errscan.go); if that fails, or an on-demand run meets an error anyway,
// the group is run again exhaustively, so the reported errors are
// promtool's.

import (
	"time"

	"github.com/prometheus/common/model"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/rules"

	"github.com/slo-compiler/slo/internal/promx"
)

// maxPlanIterations bounds the fixpoint; rules that read themselves
// through an offset converge slowly, and then the whole group runs
// exhaustively.
const maxPlanIterations = 500

type span struct{ lo, hi int }

// spans is a sorted list of disjoint, non-adjacent closed step intervals.
type spans []span

func (s spans) add(lo, hi int) spans {
	if lo > hi {
		return s
	}
	out := make(spans, 0, len(s)+1)
	i := 0
	for ; i < len(s) && s[i].hi < lo-1; i++ {
		out = append(out, s[i])
	}
	for ; i < len(s) && s[i].lo <= hi+1; i++ {
		lo, hi = min(lo, s[i].lo), max(hi, s[i].hi)
	}
	out = append(out, span{lo, hi})
	return append(out, s[i:]...)
}

func (s spans) union(o spans) spans {
	for _, x := range o {
		s = s.add(x.lo, x.hi)
	}
	return s
}

func (s spans) equal(o spans) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

func (s spans) count() int {
	n := 0
	for _, x := range s {
		n += x.hi - x.lo + 1
	}
	return n
}

// cursor answers contains(k) for non-decreasing k.
type cursor struct {
	s spans
	i int
}

func (c *cursor) contains(k int) bool {
	for c.i < len(c.s) && c.s[c.i].hi < k {
		c.i++
	}
	return c.i < len(c.s) && c.s[c.i].lo <= k
}

type node struct {
	rule    rules.Rule
	alert   *rules.AlertingRule
	group   *rules.Group
	qo      time.Duration
	outputs []string
	reads   []promx.Read
	steps   spans
	cur     cursor
	// materialize is set when the rule's outputs are computed up front
	// (see materialize.go) instead of at each step.
	materialize bool
	// compress is set on alerting rules evaluated for real only at their
	// must steps (compress.go); last is the last step they were.
	compress bool
	must     spans
	mcur     cursor
	last     int
}

func (n *node) produces(r promx.Read) bool {
	for _, o := range n.outputs {
		if !r.MayReadMetric(o) {
			continue
		}
		// A recording rule's labels override those of its results, so a
		// selector that wants other values of them cannot see its output.
		if n.alert == nil && !r.MayReadLabels(n.rule.Labels()) {
			continue
		}
		return true
	}
	return false
}

type plan struct {
	nodes      []*node
	alertSteps spans
}

func floorDiv(a, b time.Duration) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return int(q)
}

func ceilDiv(a, b time.Duration) int {
	return -floorDiv(-a, b)
}

// readSteps returns the steps of producer p whose samples a read of an
// expression evaluated at times [tlo, thi] can see, clamped to [0, bound].
func readSteps(r promx.Read, tlo, thi time.Duration, p *node, iv time.Duration, bound int) (int, int) {
	if r.Unbounded {
		return 0, bound
	}
	lo := ceilDiv(tlo-r.Back+p.qo, iv)
	hi := floorDiv(thi+r.Forward+p.qo, iv)
	return max(lo, 0), min(hi, bound)
}

// buildPlan computes each rule's evaluation steps. A non-empty reason
// means the group must be evaluated exhaustively.
func buildPlan(gr *groupRun, groups []*rules.Group, mopts *rules.ManagerOptions, lastStep int) (*plan, string) {
	iv := gr.evalInterval
	lookback := gr.opts.lookback()
	p := &plan{}
	for _, g := range groups {
		qo := g.QueryOffset()
		for _, r := range g.Rules() {
			n := &node{rule: r, qo: qo}
			n.group = rules.NewGroup(rules.GroupOptions{
				Name:        g.Name(),
				File:        g.File(),
				Interval:    g.Interval(),
				Limit:       g.Limit(),
				Rules:       []rules.Rule{r},
				Opts:        mopts,
				QueryOffset: &qo,
			})
			n.reads = promx.ExprReads(r.Query(), lookback)
			if ar, ok := r.(*rules.AlertingRule); ok {
				n.alert = ar
				n.outputs = []string{"ALERTS", "ALERTS_FOR_STATE"}
				if templatesMayQuery(ar) {
					n.reads = append(n.reads, promx.Read{Unbounded: true})
				}
			} else {
				n.outputs = []string{r.Name()}
				if v := r.Labels().Get(labels.MetricName); v != "" {
					n.outputs = append(n.outputs, v)
				}
			}
			p.nodes = append(p.nodes, n)
		}
	}

	// Demands of the assertions.
	assertDem := make([]spans, len(p.nodes))
	readDem := make([]spans, len(p.nodes))
	for _, at := range gr.tg.AlertRuleTests {
		k := alertStep(at.EvalTime, iv)
		p.alertSteps = p.alertSteps.add(k, k)
		for i, n := range p.nodes {
			if n.alert == nil || n.alert.Name() != at.Alertname {
				continue
			}
			s := 0
			if n.alert.KeepFiringFor() <= 0 {
				s = max(floorDiv(time.Duration(k)*iv-n.alert.HoldDuration(), iv), 0)
			}
			assertDem[i] = assertDem[i].add(s, k)
		}
	}
	if o := gr.tg.observe; o != nil {
		// Observed ranges: each step is an alert assertion of its own.
		for _, r := range o.ranges {
			lo, hi := alertStep(model.Duration(r.from), iv), alertStep(model.Duration(r.to), iv)
			if !r.statesOnly {
				// States-only steps are visited where a rule has them;
				// compressed rules derive them (compress.go).
				p.alertSteps = p.alertSteps.add(lo, hi)
			}
			for i, n := range p.nodes {
				if n.alert == nil || !r.names[n.alert.Name()] {
					continue
				}
				s := 0
				if n.alert.KeepFiringFor() <= 0 {
					s = max(floorDiv(time.Duration(lo)*iv-n.alert.HoldDuration(), iv), 0)
				}
				assertDem[i] = assertDem[i].add(s, hi)
			}
		}
	}
	for _, et := range gr.tg.PromqlExprTests {
		expr, err := gr.parser.ParseExpr(et.Expr)
		if err != nil {
			continue // The query fails the same way in either mode.
		}
		t := time.Duration(et.EvalTime)
		for _, r := range promx.ExprReads(expr, lookback) {
			for i, n := range p.nodes {
				if n.produces(r) {
					lo, hi := readSteps(r, t, t, n, iv, lastStep)
					readDem[i] = readDem[i].add(lo, hi)
				}
			}
		}
	}

	// Which reads of which rule can see which producer.
	type edge struct {
		from  int
		reads []promx.Read
	}
	in := make([][]edge, len(p.nodes))
	for j, reader := range p.nodes {
		for i, prod := range p.nodes {
			var rs []promx.Read
			for _, r := range reader.reads {
				if prod.produces(r) {
					rs = append(rs, r)
				}
			}
			if rs != nil {
				in[i] = append(in[i], edge{j, rs})
			}
		}
	}

	for iter := 0; ; iter++ {
		if iter == maxPlanIterations {
			return nil, "dependency analysis did not converge (rules read themselves through an offset?)"
		}
		changed := false
		for i, n := range p.nodes {
			rd := append(spans(nil), readDem[i]...)
			for _, e := range in[i] {
				reader := p.nodes[e.from]
				for _, sp := range reader.steps {
					tlo := time.Duration(sp.lo)*iv - reader.qo
					thi := time.Duration(sp.hi)*iv - reader.qo
					for _, r := range e.reads {
						lo, hi := readSteps(r, tlo, thi, n, iv, sp.hi)
						rd = rd.add(lo, hi)
					}
				}
			}
			want := append(spans(nil), assertDem[i]...).union(rd)
			switch {
			case len(want) == 0:
			case n.alert != nil:
				if len(rd) > 0 {
					// ALERTS or ALERTS_FOR_STATE is read: promtool's history.
					want = spans{{0, want[len(want)-1].hi}}
				}
			default:
				// Warm-up step for staleness markers.
				var w spans
				for _, sp := range want {
					w = w.add(max(sp.lo-1, 0), sp.hi)
				}
				want = w
			}
			if !want.equal(n.steps) {
				n.steps = want
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	for _, n := range p.nodes {
		n.cur = cursor{s: n.steps}
	}
	if !gr.opts.NoCompress {
		readBy := make([]bool, len(p.nodes))
		for i := range p.nodes {
			readBy[i] = len(in[i]) > 0 || len(readDem[i]) > 0
		}
		p.markCompressible(gr, readBy, mopts)
	}
	return p, ""
}

func templatesMayQuery(ar *rules.AlertingRule) bool {
	may := false
	check := func(l labels.Label) {
		if promx.TemplateMayQuery(l.Value) {
			may = true
		}
	}
	ar.Labels().Range(check)
	ar.Annotations().Range(check)
	return may
}

// steps iterates over the union of all rule steps (must steps of
// compressed rules) and alert check steps.
func (p *plan) steps() func() (int, bool) {
	all := append(spans(nil), p.alertSteps...)
	for _, n := range p.nodes {
		switch {
		case n.materialize:
		case n.compress:
			all = all.union(n.must)
		default:
			all = all.union(n.steps)
		}
	}
	i, k := 0, -1
	return func() (int, bool) {
		for i < len(all) {
			if k < all[i].lo {
				k = all[i].lo
				return k, true
			}
			if k < all[i].hi {
				k++
				return k, true
			}
			i++
		}
		return 0, false
	}
}

// describe maps rule names to their steps (for tests).
func (p *plan) describe() map[string]spans {
	out := map[string]spans{}
	for _, n := range p.nodes {
		out[n.rule.Name()] = out[n.rule.Name()].union(n.steps)
	}
	return out
}
