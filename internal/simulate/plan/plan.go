// Package plan decides, for an on-demand run of a test group, which rules
// are evaluated at which steps, which are computed with range queries
// instead, and which need an error scan. It reads the rules as plain data
// (engine.Rule) and calls no engine itself.
//
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
//     A plain instant selector (promx.Read.Latest) of the output of an
//     exclusive recording rule asks for one step only; see "Latest
//     reads" below.
//     An expression evaluated over a range of times after the run (a
//     plot, ExprRange) reads as one evaluated at each of them: every
//     step of every producer it may see from the first time to the last.
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
// A range that asks only whether an alert never fires (Demands.FiringOnly)
// is not observed at every step: the alerting rule's expression is probed
// at every (ceil(for/interval)+1)-th step, as an expression test of its own
// (demand 2), which is enough to show that no alert fires (sparse.go).
//
// The demands are supersets (label matchers other than __name__ are
// ignored, and selectors other than latest reads are assumed to read their
// whole window), so a plan may evaluate more than needed, never less.
//
// Latest reads.
//
// A plain instant selector at time t (after its offset) uses, of each
// series it matches, only the latest sample at or before t, and nothing
// if that is a stale marker or older than the lookback delta. Let P be a
// recording rule whose series nothing else writes (no other rule may
// write a series of its, no input series has its name and rule labels:
// "exclusive"). Claim: in either run, right after P is evaluated at a step
// e (at time ts_e = e*interval - P's query offset), the latest sample at or
// before ts_e of any series S of P's name is P's value of S at e if P
// returned S at e, and a stale marker (or nothing at all) otherwise. By
// induction over P's evaluations in the run, whichever steps they are:
// P's previous evaluation e' wrote nothing after ts_e'; at e, P writes S
// if it returns S; if not, and it returned S at e', Group.Eval writes a
// stale marker for S at ts_e (the materializer does the same across gaps
// between its runs, materialize.go); if it returned S at neither, nothing
// is written at e and the claim for e' carries over. Samples P writes
// later are stamped after ts_e.
//
// So a reader whose selector at t sees P's output sees exactly the result
// of P's last evaluation already done at read time among those at or
// before t: at step j = floor((t + P's query offset)/interval), or j-1 if
// P comes at or after the reader in evaluation order at that step (then P
// has not been evaluated at the reader's step yet, in either run). If
// that step is demanded, P's result there is promtool's (P's own reads
// are demanded at every step P has, demand 3), and P's other steps,
// whatever they are, do not matter to this read. Hence a latest read of
// an exclusive recording rule demands the single step j (j-1), and no
// warm-up step (demand 4): the claim holds without one. Probes and
// expression assertions read after the run, when every step is done;
// their j is clamped to the probed step and the last step.
//
// Rule evaluation errors make promtool stop at the first failing step.
// Before an on-demand run, every rule is shown not to fail at any step of
// the test's range, statically or with one range query per rule
// (errscan.go); if that fails, or an on-demand run meets an error anyway,
// the group is run again exhaustively, so the reported errors are
// promtool's.
package plan

import (
	"slices"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/simulate/engine"
)

// maxPlanIterations bounds the fixpoint; rules that read themselves
// through an offset converge slowly, and then the whole group runs
// exhaustively.
const maxPlanIterations = 500

// Span is a closed interval of steps.
type Span struct{ Lo, Hi int }

// Spans is a sorted list of disjoint, non-adjacent closed step intervals.
type Spans []Span

// Add returns s with the steps lo..hi added. Like append, it may reuse
// s's array: use only what it returns.
func (s Spans) Add(lo, hi int) Spans {
	if lo > hi {
		return s
	}
	// Spans mostly arrive in order: extend or append at the end.
	if n := len(s); n == 0 || s[n-1].Hi < lo-1 {
		return append(s, Span{lo, hi})
	} else if s[n-1].Lo <= lo {
		s[n-1].Hi = max(s[n-1].Hi, hi)
		return s
	}
	out := make(Spans, 0, len(s)+1)
	i := 0
	for ; i < len(s) && s[i].Hi < lo-1; i++ {
		out = append(out, s[i])
	}
	for ; i < len(s) && s[i].Lo <= hi+1; i++ {
		lo, hi = min(lo, s[i].Lo), max(hi, s[i].Hi)
	}
	out = append(out, Span{lo, hi})
	return append(out, s[i:]...)
}

// spanSet collects step intervals in any order; spans returns their
// union. Adding out of order to Spans costs a copy each time, which a plan
// with thousands of probed steps cannot afford.
type spanSet []Span

func (l *spanSet) add(lo, hi int) {
	if lo <= hi {
		*l = append(*l, Span{lo, hi})
	}
}

func (l spanSet) spans() Spans {
	slices.SortFunc(l, func(a, b Span) int { return a.Lo - b.Lo })
	var out Spans
	for _, x := range l {
		out = out.Add(x.Lo, x.Hi)
	}
	return out
}

// union returns the steps of s and o, in a new slice.
func (s Spans) union(o Spans) Spans {
	out := make(Spans, 0, len(s)+len(o))
	i, j := 0, 0
	for i < len(s) || j < len(o) {
		var x Span
		if j == len(o) || (i < len(s) && s[i].Lo <= o[j].Lo) {
			x, i = s[i], i+1
		} else {
			x, j = o[j], j+1
		}
		if n := len(out); n > 0 && out[n-1].Hi >= x.Lo-1 {
			out[n-1].Hi = max(out[n-1].Hi, x.Hi)
		} else {
			out = append(out, x)
		}
	}
	return out
}

func (s Spans) equal(o Spans) bool {
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

func (s Spans) count() int {
	n := 0
	for _, x := range s {
		n += x.Hi - x.Lo + 1
	}
	return n
}

// Cursor answers Contains(k) for non-decreasing k.
type Cursor struct {
	s Spans
	i int
}

// Contains reports whether k is in the spans.
func (c *Cursor) Contains(k int) bool {
	for c.i < len(c.s) && c.s[c.i].Hi < k {
		c.i++
	}
	return c.i < len(c.s) && c.s[c.i].Lo <= k
}

// Node is a rule and its evaluation steps.
type Node struct {
	Rule    engine.Rule
	outputs []string
	reads   []promx.Read
	// Steps the rule is evaluated at (or materialized at).
	Steps Spans
	Cur   Cursor
	// Materialize is set when the rule's outputs are computed with range
	// queries (see materialize.go) instead of at each step.
	Materialize bool
	// Compress is set on alerting rules evaluated for real only at their
	// Must steps (compress.go); Last is the last step they were.
	Compress bool
	Must     Spans
	MCur     Cursor
	Last     int
}

func (n *Node) produces(r promx.Read) bool {
	for _, o := range n.outputs {
		if !r.MayReadMetric(o) {
			continue
		}
		// A recording rule's labels override those of its results, so a
		// selector that wants other values of them cannot see its output.
		if !n.Rule.Alert && !r.MayReadLabels(n.Rule.Labels) {
			continue
		}
		return true
	}
	return false
}

// Plan gives each rule of a test group its steps.
type Plan struct {
	Nodes      []*Node
	alertSteps Spans
	// Probes are the expression probes of the firing-only ranges
	// (sparse.go); Dense marks the firing-only ranges that are observed
	// as states-only ranges instead.
	Probes []Probe
	Dense  []bool
}

// AlertAssertion is an alert assertion at a time (promtool's
// alert_rule_test).
type AlertAssertion struct {
	At        time.Duration
	Alertname string
}

// Observed asks for the states of the named alerts after every
// evaluation from From to To; StatesOnly ones need no annotations (see
// compress.go). With Labels set, only alerts with those label values are
// asked for: the rules that cannot give their alerts those values (a rule
// label that is not templated sets it on every alert) are left out.
type Observed struct {
	Names      map[string]bool
	From, To   time.Duration
	StatesOnly bool
	Labels     map[string]string
}

// Selects reports whether alerting rule r is observed by o.
func (o Observed) Selects(r engine.Rule) bool {
	return o.Names[r.Name] && mayHaveLabels(r, o.Labels)
}

// mayHaveLabels reports whether an alert of alerting rule r may have the
// label values sel: AlertingRule.Eval sets every rule label on each alert,
// templated from the alert's value and labels, and alertname.
func mayHaveLabels(r engine.Rule, sel map[string]string) bool {
	for k, v := range sel {
		if k == labels.AlertName {
			if v != r.Name {
				return false
			}
			continue
		}
		if !r.Labels.Has(k) {
			continue
		}
		if w := r.Labels.Get(k); !strings.Contains(w, "{{") && w != v {
			return false
		}
	}
	return true
}

// Demands are what a test group's assertions read.
type Demands struct {
	Alerts   []AlertAssertion
	Observed []Observed
	Exprs    []ExprAssertion
	// FiringOnly ranges ask only whether an alert fires (sparse.go).
	FiringOnly []FiringOnly
	// Ranges are expressions evaluated from one time to another after
	// the run (plots).
	Ranges []ExprRange
}

// ExprRange is an expression evaluated at times from From to To after
// the run, as a range query (a plot of a scenario).
type ExprRange struct {
	Expr     string
	From, To time.Duration
}

// ExprAssertion is an expression evaluated at a time (promtool's
// promql_expr_test).
type ExprAssertion struct {
	Expr string
	At   time.Duration
}

// Options of Build.
type Options struct {
	// Interval between evaluation steps.
	Interval time.Duration
	// Lookback delta of the engine.
	Lookback time.Duration
	// LastStep is the last evaluation step of the test.
	LastStep int
	// NoCompress evaluates alerting rules at every step of their plan.
	NoCompress bool
	// Input holds the label sets of the input series: a rule whose
	// outputs one of them may share is not exclusive (latest reads).
	Input []labels.Labels
	// NoLatest treats latest reads as reads of their whole lookback
	// window (for tests).
	NoLatest bool
	// Parser reads the expressions of Demands.Exprs.
	Parser parser.Parser
}

// Step returns the evaluation step whose state an alert assertion at t
// is compared with: the last step at or before t.
func Step(t, iv time.Duration) int {
	return int(t / iv)
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
func readSteps(r promx.Read, tlo, thi time.Duration, p *Node, iv time.Duration, bound int) (int, int) {
	if r.Unbounded {
		return 0, bound
	}
	lo := ceilDiv(tlo-r.Back+p.Rule.QueryOffset, iv)
	hi := floorDiv(thi+r.Forward+p.Rule.QueryOffset, iv)
	return max(lo, 0), min(hi, bound)
}

// latestStep returns the producer step whose result a latest read r (see
// "Latest reads") at time t sees, at most bound, and false if there is
// none.
func latestStep(r promx.Read, t time.Duration, p *Node, iv time.Duration, bound int) (int, bool) {
	j := min(floorDiv(t+r.Forward+p.Rule.QueryOffset, iv), bound)
	return j, j >= 0
}

// exclusive reports whether node i is a recording rule whose series no
// other rule and no input series may write (see "Latest reads").
func (p *Plan) exclusive(i int, input []labels.Labels) bool {
	n := p.Nodes[i]
	if n.Rule.Alert {
		return false
	}
	for j, m := range p.Nodes {
		if j != i && sharesOutput(n, m) {
			return false
		}
	}
	for _, o := range n.outputs {
		for _, in := range input {
			if in.Get(labels.MetricName) == o && hasLabels(in, n.Rule.Labels) {
				return false
			}
		}
	}
	return true
}

// Build computes each rule's evaluation steps. A non-empty reason means
// the group must be evaluated exhaustively.
func Build(rules []engine.Rule, d Demands, o Options) (*Plan, string) {
	iv := o.Interval
	lastStep := o.LastStep
	p := &Plan{}
	for _, r := range rules {
		n := &Node{Rule: r}
		n.reads = promx.ExprReads(r.Query, o.Lookback)
		if anchoredSubquery(r.Query) {
			n.reads = append(n.reads, promx.Read{Unbounded: true})
		}
		if r.Alert {
			n.outputs = []string{"ALERTS", "ALERTS_FOR_STATE"}
			if templatesMayQuery(r) {
				n.reads = append(n.reads, promx.Read{Unbounded: true})
			}
		} else {
			n.outputs = []string{r.Name}
			if v := r.Labels.Get(labels.MetricName); v != "" {
				n.outputs = append(n.outputs, v)
			}
		}
		p.Nodes = append(p.Nodes, n)
	}

	// Firing-only ranges that cannot be probed are observed.
	probes, dense := p.probes(d.FiringOnly, iv)
	p.Dense = dense
	observed := append([]Observed(nil), d.Observed...)
	for fi, fo := range d.FiringOnly {
		if dense[fi] {
			observed = append(observed, fo.Observed())
		}
	}

	// Demands of the assertions. Latest reads of exclusive rules go to
	// latestDem, which gets no warm-up steps.
	assertDem := make([]Spans, len(p.Nodes))
	readSet := make([]spanSet, len(p.Nodes))
	latestSet := make([]spanSet, len(p.Nodes))
	excl := make([]bool, len(p.Nodes))
	for i := range p.Nodes {
		excl[i] = !o.NoLatest && p.exclusive(i, o.Input)
	}
	isLatest := func(r promx.Read, prod int) bool { return r.Latest && excl[prod] }
	for _, at := range d.Alerts {
		k := Step(at.At, iv)
		p.alertSteps = p.alertSteps.Add(k, k)
		for i, n := range p.Nodes {
			if !n.Rule.Alert || n.Rule.Name != at.Alertname {
				continue
			}
			s := 0
			if n.Rule.KeepFiringFor <= 0 {
				s = max(floorDiv(time.Duration(k)*iv-n.Rule.For, iv), 0)
			}
			assertDem[i] = assertDem[i].Add(s, k)
		}
	}
	// Observed ranges: each step is an alert assertion of its own. Their
	// rules are evaluated from `for` and one step before From: an alert
	// active since before From then shows an ActiveAt before From (the
	// first evaluated step), with `for: 0` too (AlertState.ActiveAt).
	for _, r := range observed {
		lo, hi := Step(r.From, iv), Step(r.To, iv)
		if !r.StatesOnly {
			// States-only steps are visited where a rule has them;
			// compressed rules derive them (compress.go).
			p.alertSteps = p.alertSteps.Add(lo, hi)
		}
		for i, n := range p.Nodes {
			if !n.Rule.Alert || !r.Selects(n.Rule) {
				continue
			}
			s := 0
			if n.Rule.KeepFiringFor <= 0 {
				s = max(floorDiv(time.Duration(lo)*iv-n.Rule.For, iv)-1, 0)
			}
			assertDem[i] = assertDem[i].Add(s, hi)
		}
	}
	for _, et := range d.Exprs {
		expr, err := o.Parser.ParseExpr(et.Expr)
		if err != nil {
			continue // The query fails the same way in either mode.
		}
		t := et.At
		for _, r := range promx.ExprReads(expr, o.Lookback) {
			for i, n := range p.Nodes {
				switch {
				case !n.produces(r):
				case isLatest(r, i):
					if j, ok := latestStep(r, t, n, iv, lastStep); ok {
						latestSet[i].add(j, j)
					}
				default:
					lo, hi := readSteps(r, t, t, n, iv, lastStep)
					readSet[i].add(lo, hi)
				}
			}
		}
	}
	// A range read is a read at every time of it; its latest reads
	// count as reads of their window (a superset).
	for _, er := range d.Ranges {
		expr, err := o.Parser.ParseExpr(er.Expr)
		if err != nil {
			continue // The query fails the same way in either mode.
		}
		for _, r := range promx.ExprReads(expr, o.Lookback) {
			for i, n := range p.Nodes {
				if n.produces(r) {
					lo, hi := readSteps(r, er.From, er.To, n, iv, lastStep)
					readSet[i].add(lo, hi)
				}
			}
		}
	}
	// Probes read as expression tests at the rule's query time of each
	// probed step (sparse.go).
	for _, prs := range probes {
		for _, pr := range prs {
			reader := p.Nodes[pr.Rule.Index]
			type prodRead struct {
				r promx.Read
				i int
			}
			var prs []prodRead
			for _, r := range reader.reads {
				for i, n := range p.Nodes {
					if n.produces(r) {
						prs = append(prs, prodRead{r, i})
					}
				}
			}
			for k := pr.From; k <= pr.To; k += pr.Every {
				t := time.Duration(k)*iv - pr.Rule.QueryOffset
				for _, x := range prs {
					n := p.Nodes[x.i]
					if isLatest(x.r, x.i) {
						// Probed rules read only rules before them
						// (returnsPast), evaluated at k already.
						if j, ok := latestStep(x.r, t, n, iv, k); ok {
							latestSet[x.i].add(j, j)
						}
						continue
					}
					lo, hi := readSteps(x.r, t, t, n, iv, k)
					readSet[x.i].add(lo, hi)
				}
			}
			p.Probes = append(p.Probes, pr)
		}
	}
	readDem := make([]Spans, len(p.Nodes))
	latestDem := make([]Spans, len(p.Nodes))
	for i := range p.Nodes {
		readDem[i], latestDem[i] = readSet[i].spans(), latestSet[i].spans()
	}

	// Which reads of which rule can see which producer.
	type edge struct {
		from  int
		reads []promx.Read
	}
	in := make([][]edge, len(p.Nodes))
	for j, reader := range p.Nodes {
		for i, prod := range p.Nodes {
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
		for i, n := range p.Nodes {
			var rds, lts spanSet
			for _, sp := range readDem[i] {
				rds.add(sp.Lo, sp.Hi)
			}
			for _, sp := range latestDem[i] {
				lts.add(sp.Lo, sp.Hi)
			}
			for _, e := range in[i] {
				reader := p.Nodes[e.from]
				// At a reader's step s, P has been evaluated at s
				// already only if it comes first (see "Latest reads").
				lag := 0
				if i >= e.from {
					lag = 1
				}
				for _, sp := range reader.Steps {
					tlo := time.Duration(sp.Lo)*iv - reader.Rule.QueryOffset
					thi := time.Duration(sp.Hi)*iv - reader.Rule.QueryOffset
					for _, r := range e.reads {
						if !isLatest(r, i) {
							lo, hi := readSteps(r, tlo, thi, n, iv, sp.Hi)
							rds.add(lo, hi)
							continue
						}
						// j(s) = s + c at every step s of the span
						// (s*iv is a multiple of iv), so the steps
						// read are a span too.
						c := min(floorDiv(r.Forward+n.Rule.QueryOffset-reader.Rule.QueryOffset, iv), -lag)
						lts.add(max(sp.Lo+c, 0), sp.Hi+c)
					}
				}
			}
			rd, lt := rds.spans(), lts.spans()
			want := append(Spans(nil), assertDem[i]...).union(rd)
			switch {
			case len(want) == 0 && len(lt) == 0:
			case n.Rule.Alert:
				if len(rd) > 0 {
					// ALERTS or ALERTS_FOR_STATE is read: promtool's history.
					want = Spans{{0, want[len(want)-1].Hi}}
				}
			default:
				// Warm-up step for staleness markers; latest reads
				// need none.
				var w Spans
				for _, sp := range want {
					w = w.Add(max(sp.Lo-1, 0), sp.Hi)
				}
				want = w.union(lt)
			}
			if !want.equal(n.Steps) {
				n.Steps = want
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	for _, n := range p.Nodes {
		n.Cur = Cursor{s: n.Steps}
	}
	if !o.NoCompress {
		readBy := make([]bool, len(p.Nodes))
		for i := range p.Nodes {
			readBy[i] = len(in[i]) > 0 || len(readDem[i]) > 0 || len(latestDem[i]) > 0
		}
		p.markCompressible(d, iv, readBy)
	}
	return p, ""
}

func templatesMayQuery(r engine.Rule) bool {
	may := false
	check := func(l labels.Label) {
		if promx.TemplateMayQuery(l.Value) {
			may = true
		}
	}
	r.Labels.Range(check)
	r.Annotations.Range(check)
	return may
}

// Steps iterates over the union of all rule steps (must steps of
// compressed rules) and alert check steps.
func (p *Plan) Steps() func() (int, bool) {
	all := append(Spans(nil), p.alertSteps...)
	for _, n := range p.Nodes {
		switch {
		case n.Materialize:
		case n.Compress:
			all = all.union(n.Must)
		default:
			all = all.union(n.Steps)
		}
	}
	i, k := 0, -1
	return func() (int, bool) {
		for i < len(all) {
			if k < all[i].Lo {
				k = all[i].Lo
				return k, true
			}
			if k < all[i].Hi {
				k++
				return k, true
			}
			i++
		}
		return 0, false
	}
}

// describe maps rule names to their steps (for tests).
func (p *Plan) describe() map[string]Spans {
	out := map[string]Spans{}
	for _, n := range p.Nodes {
		out[n.Rule.Name] = out[n.Rule.Name].union(n.Steps)
	}
	return out
}
