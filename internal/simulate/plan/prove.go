package plan

// Rule evaluation errors at steps on-demand evaluation skips.
//
// promtool evaluates every rule at every step and fails a test group at
// the first step where a rule fails: a PromQL error (many-to-many
// matching, duplicate label sets out of a function), duplicate label sets
// after applying rule or alert labels, a group `limit` exceeded, or a
// sample the storage rejects. On-demand evaluation skips steps, so before
// it runs, every rule is shown not to fail at any step of the test's
// range [0, lastStep], in one of two ways:
//
//  1. Statically (cannotFail): from the expression alone, with the label
//     names of the input series and of the other rules' outputs, the rule
//     cannot fail at any step whatever the sample values. The argument
//     tracks, for every subexpression, a key: a set of label names such
//     that two series of its result always differ in one of them. A
//     selector's key is every label but those its equality matchers fix,
//     among the label names its series can have; `sum by (job)` has key
//     {job}; one-to-one matching cannot fail when both sides are unique
//     on the matching labels (their keys are inside them); dropping
//     __name__ or setting rule labels cannot collide series when the key
//     has none of those labels; `sum(...)` has the empty key (at most one
//     series), so a group limit cannot be exceeded. A selector of a
//     metric that no input series has and no rule writes (a rule writes
//     nothing when it only selects such metrics, outNone) returns nothing,
//     and so do aggregations, label-preserving functions and matching of
//     it: an empty result cannot fail (the other alerts of a spec, whose
//     input a scenario leaves out, are the common case). Anything the
//     argument does not cover (label_replace, histogram_quantile of a
//     series that may exist, an alert label, templated or not, that the
//     key has, unknown functions, ...) is not proven. count_values by
//     (g) ("l", x) has key g plus l, and the empty key when x has it
//     (one input series, one group); its only error is an invalid l.
//  2. By scanning (ScanNeeds picks the rules, engine.Session.Scan runs it): the rules not proven, and the recording rules
//     they read (transitively), are evaluated over the whole range with
//     one range query each, in promtool's order, on a separate copy of
//     the input with every input sample up to lastStep loaded; recorded
//     outputs are written next to it (rules whose outputs an input
//     series may share are never scanned), as materialize.go does, so
//     later rules read them. Per step, a recording rule's result
//     is checked for duplicate label sets after applying its labels and
//     against the group limit (appendRecorded), an alerting rule's for
//     duplicates after applying alert labels and against the limit (the
//     alerts active after a step are exactly the series the expression
//     returned then, when keep_firing_for is not set).
//
// If the scan finds an error, or cannot be exact (a scanned rule reads
// ahead of its evaluation time or ALERTS, reads a rule evaluated after it
// or with a larger query offset, or may write a series another rule or an
// input series writes), the group is evaluated exhaustively, so the
// verdict and messages are promtool's. A range query evaluates the same
// instant query at every step, and rules reading only earlier rules see
// those rules' outputs up to and including the step, as in promtool.

import (
	"maps"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/simulate/engine"
)

// lset is a set of label names: the names in s, or (co) every name but
// those in s.
type lset struct {
	co bool
	s  map[string]bool
}

func fin(names ...string) lset {
	s := make(map[string]bool, len(names))
	for _, n := range names {
		s[n] = true
	}
	return lset{s: s}
}

func allBut(names ...string) lset {
	l := fin(names...)
	l.co = true
	return l
}

func (a lset) has(n string) bool { return a.s[n] != a.co }

func (a lset) minus(names ...string) lset {
	out := lset{co: a.co, s: maps.Clone(a.s)}
	if out.s == nil {
		out.s = map[string]bool{}
	}
	for _, n := range names {
		if a.co {
			out.s[n] = true
		} else {
			delete(out.s, n)
		}
	}
	return out
}

func (a lset) union(b lset) lset {
	switch {
	case !a.co && !b.co:
		out := fin()
		maps.Copy(out.s, a.s)
		maps.Copy(out.s, b.s)
		return out
	case a.co && b.co:
		out := allBut()
		for n := range a.s {
			if b.s[n] {
				out.s[n] = true
			}
		}
		return out
	case a.co:
		return a.minus(keys(b.s)...)
	default:
		return b.minus(keys(a.s)...)
	}
}

func (a lset) intersect(b lset) lset {
	switch {
	case !a.co:
		out := fin()
		for n := range a.s {
			if b.has(n) {
				out.s[n] = true
			}
		}
		return out
	case !b.co:
		return b.intersect(a)
	default:
		return allBut(append(keys(a.s), keys(b.s)...)...)
	}
}

// subset reports whether a ⊆ b.
func (a lset) subset(b lset) bool {
	switch {
	case !a.co:
		for n := range a.s {
			if !b.has(n) {
				return false
			}
		}
		return true
	case !b.co:
		return false
	default:
		for n := range b.s {
			if !a.s[n] {
				return false
			}
		}
		return true
	}
}

// empty reports whether a has no name: a result with an empty key has at
// most one series.
func (a lset) empty() bool { return !a.co && len(a.s) == 0 }

func keys(m map[string]bool) []string { return slices.Collect(maps.Keys(m)) }

// metaLabels are the labels PromQL drops along with the metric name.
var metaLabels = []string{labels.MetricName, "__type__", "__unit__"}

func (a lset) hasAny(names ...string) bool {
	for _, n := range names {
		if a.has(n) {
			return true
		}
	}
	return false
}

// shape is what the prover knows about an expression's results at any
// step.
type shape struct {
	ok     bool // evaluating it cannot fail
	scalar bool
	none   bool              // it never has a series
	names  lset              // every label name its series can have
	key    lset              // two of its series differ in one of these
	konst  map[string]string // labels with this value in every series
}

// konstVal returns the value every series has for label n ("" for
// absent), if it is known.
func (s shape) konstVal(n string) (string, bool) {
	if v, ok := s.konst[n]; ok {
		return v, true
	}
	if !s.names.has(n) {
		return "", true
	}
	return "", false
}

func (s shape) withoutKonst(names ...string) map[string]string {
	out := maps.Clone(s.konst)
	for _, n := range names {
		delete(out, n)
	}
	return out
}

var notProven = shape{}

// noneShape is a result that never has a series: it cannot fail, and
// whatever the argument says of its series holds.
var noneShape = shape{ok: true, none: true, names: fin(), key: fin(), konst: map[string]string{}}

func singleShape(konst map[string]string) shape {
	names := fin()
	for n := range konst {
		names.s[n] = true
	}
	return shape{ok: true, names: names, key: fin(), konst: konst}
}

// labelPreserving are functions whose result series are their argument's
// series, possibly without the metric name.
var labelPreserving = map[string]bool{}

func init() {
	for _, f := range strings.Fields(`abs acos acosh asin asinh atan atanh avg_over_time ceil changes clamp
		clamp_max clamp_min cos cosh count_over_time days_in_month day_of_month day_of_week day_of_year deg
		delta deriv exp first_over_time floor histogram_avg histogram_count histogram_sum histogram_stddev
		histogram_stdvar double_exponential_smoothing hour idelta increase irate last_over_time ln
		mad_over_time max_over_time min_over_time ts_of_first_over_time ts_of_max_over_time
		ts_of_min_over_time ts_of_last_over_time minute month predict_linear present_over_time
		quantile_over_time rad rate resets round sgn sin sinh sort sort_desc sort_by_label
		sort_by_label_desc sqrt stddev_over_time stdvar_over_time sum_over_time tan tanh timestamp year`) {
		labelPreserving[f] = true
	}
}

// prover decides which rules of a plan cannot fail.
type prover struct {
	nodes []*Node
	input []labels.Labels
	// outNames bounds the label names of each rule's output series.
	outNames []lset
	// outNone is set for the recording rules that never write a series.
	outNone []bool
}

// newProver computes outNames as a least fixpoint: starting from no
// names, each rule's bound is recomputed from the bounds of the rules it
// reads until none changes. By induction over the evaluations, a rule
// that reads itself or a later rule only ever reads outputs within the
// bounds.
func newProver(nodes []*Node, input []labels.Labels) *prover {
	pv := &prover{nodes: nodes, input: input, outNames: make([]lset, len(nodes)), outNone: make([]bool, len(nodes))}
	for i, n := range nodes {
		pv.outNames[i] = fin()
		if n.Rule.Alert {
			pv.outNames[i] = allBut() // ALERTS, ALERTS_FOR_STATE
		}
	}
	// outNone is a greatest fixpoint: every recording rule is taken to
	// write nothing until its expression, over what the rules taken to
	// write something write, may return a series. By induction over the
	// evaluations, the rules left write nothing: a rule selecting only
	// input series that do not exist and outputs of such rules (a
	// selector of a metric no input series has) returns nothing at every
	// step, and so do the rules reading only it.
	for i, n := range nodes {
		pv.outNone[i] = !n.Rule.Alert
	}
	for changed := true; changed; {
		changed = false
		for i, n := range nodes {
			if pv.outNone[i] && !pv.shapeOf(n.Rule.Query).none {
				pv.outNone[i], changed = false, true
			}
		}
	}
	for iter := 0; ; iter++ {
		changed := false
		for i, n := range nodes {
			if n.Rule.Alert {
				continue
			}
			names := allBut()
			if s := pv.shapeOf(n.Rule.Query); s.ok && iter < maxPlanIterations {
				names = s.names.union(fin(labels.MetricName))
				n.Rule.Labels.Range(func(l labels.Label) { names = names.union(fin(l.Name)) })
			}
			if !names.subset(pv.outNames[i]) || !pv.outNames[i].subset(names) {
				pv.outNames[i] = names.union(pv.outNames[i])
				changed = true
			}
		}
		if !changed {
			return pv
		}
	}
}

func (pv *prover) selectorShape(vs *parser.VectorSelector) shape {
	if pv.selectsNothing(vs) {
		return noneShape
	}
	fixed := map[string]string{}
	for _, m := range vs.LabelMatchers {
		if m.Type == labels.MatchEqual {
			if _, ok := fixed[m.Name]; !ok {
				fixed[m.Name] = m.Value
			}
		}
	}
	names := allBut()
	if name, ok := fixed[labels.MetricName]; ok {
		names = fin()
		for _, in := range pv.input {
			if in.Get(labels.MetricName) != name {
				continue
			}
			in.Range(func(l labels.Label) { names.s[l.Name] = true })
		}
		r := promx.Read{Matchers: vs.LabelMatchers}
		for i, n := range pv.nodes {
			if n.produces(r) {
				names = names.union(pv.outNames[i])
			}
		}
	}
	return shape{ok: true, names: names, key: names.minus(keys(boolSet(fixed))...), konst: fixed}
}

// selectsNothing reports whether no input series and no rule that may
// write a series can have the selector's metric name.
func (pv *prover) selectsNothing(vs *parser.VectorSelector) bool {
	r := promx.Read{Matchers: vs.LabelMatchers}
	for _, in := range pv.input {
		if r.MayReadMetric(in.Get(labels.MetricName)) {
			return false
		}
	}
	for i, n := range pv.nodes {
		if !pv.outNone[i] && n.produces(r) {
			return false
		}
	}
	return true
}

func boolSet(m map[string]string) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// shapeOf runs the argument of the file comment over an expression.
func (pv *prover) shapeOf(e parser.Expr) shape {
	switch e := e.(type) {
	case *parser.NumberLiteral, *parser.StringLiteral:
		return shape{ok: true, scalar: true}
	case *parser.ParenExpr:
		return pv.shapeOf(e.Expr)
	case *parser.StepInvariantExpr:
		return pv.shapeOf(e.Expr)
	case *parser.SubqueryExpr:
		return pv.shapeOf(e.Expr)
	case *parser.MatrixSelector:
		return pv.shapeOf(e.VectorSelector)
	case *parser.VectorSelector:
		return pv.selectorShape(e)
	case *parser.UnaryExpr:
		s := pv.shapeOf(e.Expr)
		if !s.ok || s.scalar {
			return s
		}
		if s.key.hasAny(metaLabels...) {
			return notProven
		}
		s.konst = s.withoutKonst(metaLabels...)
		return s
	case *parser.Call:
		return pv.callShape(e)
	case *parser.AggregateExpr:
		return pv.aggShape(e)
	case *parser.BinaryExpr:
		return pv.binaryShape(e)
	}
	return notProven
}

func (pv *prover) callShape(e *parser.Call) shape {
	var arg *shape
	for _, a := range e.Args {
		s := pv.shapeOf(a)
		if !s.ok {
			return notProven
		}
		if !s.scalar && arg == nil {
			arg = &s
		}
	}
	name := e.Func.Name
	switch {
	case e.Func.ReturnType == parser.ValueTypeScalar:
		return shape{ok: true, scalar: true}
	case arg != nil && arg.none && (labelPreserving[name] || name == "histogram_quantile"):
		// Series of the argument's series, or none.
		return noneShape
	case name == "vector":
		return singleShape(map[string]string{})
	case name == "absent" || name == "absent_over_time":
		// One series at most, with the equality-matched labels of the
		// selector (see createLabelsForAbsentFunction).
		konst := map[string]string{}
		parser.Inspect(e.Args[0], func(n parser.Node, _ []parser.Node) error {
			if vs, ok := n.(*parser.VectorSelector); ok {
				for _, m := range vs.LabelMatchers {
					if m.Name != labels.MetricName {
						konst[m.Name] = ""
					}
				}
			}
			return nil
		})
		s := singleShape(map[string]string{})
		for n := range konst {
			s.names.s[n] = true
		}
		return s
	case labelPreserving[name]:
		if arg == nil {
			// days_in_month() and friends: vector(time()).
			return singleShape(map[string]string{})
		}
		if arg.key.hasAny(metaLabels...) {
			return notProven
		}
		return shape{ok: true, names: arg.names, key: arg.key, konst: arg.withoutKonst(metaLabels...)}
	}
	return notProven
}

func (pv *prover) aggShape(e *parser.AggregateExpr) shape {
	if e.Param != nil && !pv.shapeOf(e.Param).ok {
		return notProven
	}
	s := pv.shapeOf(e.Expr)
	if !s.ok {
		return notProven
	}
	switch e.Op {
	case parser.TOPK, parser.BOTTOMK, parser.LIMITK, parser.LIMIT_RATIO:
		return s
	case parser.SUM, parser.AVG, parser.MIN, parser.MAX, parser.COUNT, parser.GROUP,
		parser.STDDEV, parser.STDVAR, parser.QUANTILE:
		if s.none {
			return noneShape // No group without a series.
		}
	case parser.COUNT_VALUES:
		return countValuesShape(e, s)
	default:
		return notProven
	}
	if e.Without {
		drop := append(slices.Clone(e.Grouping), metaLabels...)
		names := s.names.minus(drop...)
		return shape{ok: true, names: names, key: names, konst: s.withoutKonst(drop...)}
	}
	names := fin(e.Grouping...)
	konst := map[string]string{}
	for _, g := range e.Grouping {
		if v, ok := s.konstVal(g); ok {
			konst[g] = v
		}
	}
	return shape{ok: true, names: names, key: names, konst: konst}
}

// countValuesShape: count_values fails only on an invalid label name
// (the check of evaluator.eval); its series are its groups, each input
// series' grouping labels with the value label set to the sample value,
// so two of them differ in a grouping label or the value label, and there
// are no more of them than input series.
func countValuesShape(e *parser.AggregateExpr, s shape) shape {
	sl, ok := e.Param.(*parser.StringLiteral)
	if !ok || !model.UTF8Validation.IsValidLabelName(sl.Val) {
		return notProven
	}
	l := sl.Val
	var out shape
	if e.Without {
		// generateGroupingLabels drops the grouping labels and the
		// metric name only.
		drop := append(slices.Clone(e.Grouping), labels.MetricName)
		names := s.names.union(fin(l)).minus(drop...)
		out = shape{ok: true, names: names, key: names, konst: s.withoutKonst(append(drop, l)...)}
	} else {
		names := fin(append(slices.Clone(e.Grouping), l)...)
		konst := map[string]string{}
		for _, g := range e.Grouping {
			if v, ok := s.konstVal(g); ok && g != l {
				konst[g] = v
			}
		}
		out = shape{ok: true, names: names, key: names, konst: konst}
	}
	if s.key.empty() {
		out.key = fin() // At most one input series: at most one group.
	}
	return out
}

func (pv *prover) binaryShape(e *parser.BinaryExpr) shape {
	l, r := pv.shapeOf(e.LHS), pv.shapeOf(e.RHS)
	if !l.ok || !r.ok {
		return notProven
	}
	switch {
	case l.scalar && r.scalar:
		return shape{ok: true, scalar: true}
	case l.none && (r.none || r.scalar || e.Op != parser.LOR):
		// Nothing on the left, and nothing to add from the right.
		return noneShape
	case r.none && (l.scalar || e.Op == parser.LAND || e.Op.IsComparisonOperator() || isArithmetic(e.Op)):
		// Nothing on the right to match, or to combine with.
		return noneShape
	case r.none && (e.Op == parser.LOR || e.Op == parser.LUNLESS):
		return l
	case l.none && e.Op == parser.LOR:
		return r
	case l.scalar || r.scalar:
		v := l
		if l.scalar {
			v = r
		}
		if v.key.hasAny(metaLabels...) {
			return notProven
		}
		v.konst = v.withoutKonst(metaLabels...)
		return v
	}
	m := e.VectorMatching
	if m == nil {
		return notProven
	}
	// The labels series are matched on.
	sig := allBut(append(slices.Clone(m.MatchingLabels), metaLabels...)...)
	if m.On {
		sig = fin(m.MatchingLabels...)
	}
	switch e.Op {
	case parser.LAND, parser.LUNLESS:
		return l
	case parser.LOR:
		// Left series differ in l.key, right ones in r.key, and a right
		// series is added only if it differs from every left one in sig.
		names := l.names.union(r.names)
		konst := map[string]string{}
		differ := sig.intersect(names)
		for n, lv := range l.konst {
			if rv, ok := r.konstVal(n); ok && rv == lv {
				konst[n] = lv
				differ = differ.minus(n)
			}
		}
		for n, rv := range r.konst {
			if lv, ok := l.konstVal(n); ok && lv == rv {
				konst[n] = rv
				differ = differ.minus(n)
			}
		}
		return shape{ok: true, names: names, key: l.key.union(r.key).union(differ), konst: konst}
	}
	many, one := l, r
	switch m.Card {
	case parser.CardOneToOne:
		if !l.key.subset(sig) || !r.key.subset(sig) {
			return notProven
		}
	case parser.CardManyToOne:
	case parser.CardOneToMany:
		many, one = r, l
	default:
		return notProven
	}
	if !one.key.subset(sig) || many.key.hasAny(metaLabels...) || many.key.hasAny(m.Include...) {
		return notProven
	}
	out := shape{ok: true, names: many.names.union(fin(m.Include...)), key: many.key,
		konst: many.withoutKonst(append(slices.Clone(m.Include), metaLabels...)...)}
	if m.Card == parser.CardOneToOne {
		if m.On {
			out.names = out.names.intersect(sig)
			kept := map[string]string{}
			for _, n := range m.MatchingLabels {
				if v, ok := out.konst[n]; ok {
					kept[n] = v
				}
			}
			out.konst = kept
		} else {
			out.names = out.names.minus(m.MatchingLabels...)
			out.konst = many.withoutKonst(append(slices.Clone(m.MatchingLabels), metaLabels...)...)
		}
	}
	return out
}

func isArithmetic(op parser.ItemType) bool {
	switch op {
	case parser.ADD, parser.SUB, parser.MUL, parser.DIV, parser.MOD, parser.POW, parser.ATAN2:
		return true
	}
	return false
}

// cannotFail reports whether rule i cannot fail at any step.
func (pv *prover) cannotFail(i int) bool {
	n := pv.nodes[i]
	s := pv.shapeOf(n.Rule.Query)
	if !s.ok {
		return false
	}
	limit := n.Rule.Limit
	if n.Rule.Alert {
		// A templated label is set like any other: whatever value its
		// template gives (an error expanding it is a value too), the
		// labels of the key are left as they were, so series unique on
		// the key stay unique.
		set := fin(labels.MetricName, labels.AlertName)
		n.Rule.Labels.Range(func(l labels.Label) {
			if !engine.IdentityLabel(l) { // The alert keeps the series' own value.
				set.s[l.Name] = true
			}
		})
		if s.scalar {
			return true
		}
		if limit > 0 && (!s.key.empty() || n.Rule.KeepFiringFor > 0) {
			return false
		}
		return !s.key.hasAny(keys(set.s)...)
	}
	// A series another rule or an input series also writes: the storage
	// may reject a sample.
	for j, m := range pv.nodes {
		if j != i && sharesOutput(n, m) {
			return false
		}
	}
	for _, in := range pv.input {
		if in.Get(labels.MetricName) == n.Rule.Name && hasLabels(in, n.Rule.Labels) {
			return false
		}
	}
	if s.scalar {
		return true
	}
	if limit > 0 && !s.key.empty() {
		return false
	}
	set := fin(labels.MetricName)
	n.Rule.Labels.Range(func(l labels.Label) { set.s[l.Name] = true })
	return !s.key.hasAny(keys(set.s)...)
}

// ScanNeeds returns which rules an on-demand run must scan for errors
// (nil when none), or why the group must be evaluated exhaustively: a rule
// that may fail whose errors cannot be ruled out exactly by the scan.
// input holds the label sets of the input series.
func (p *Plan) ScanNeeds(input []labels.Labels, delayedNameRemoval bool) (need []bool, reason string) {
	pv := newProver(p.Nodes, input)
	need = make([]bool, len(p.Nodes))
	scan := false
	for i := range p.Nodes {
		// The prover follows the engine's default name removal.
		if delayedNameRemoval || !pv.cannotFail(i) {
			need[i], scan = true, true
		}
	}
	if !scan {
		return nil, ""
	}
	// The rules read by rules to scan are scanned (and stored) too. A
	// recording rule that may write a series of another's is scanned
	// anyway (the prover's cannotFail is false for it), and so is the
	// other: the scan shows that no two write the same series
	// (engine.Session.Scan).
	for i := len(p.Nodes) - 1; i >= 0; i-- {
		if !need[i] {
			continue
		}
		n := p.Nodes[i]
		for _, r := range n.reads {
			if r.Unbounded || r.Forward > 0 {
				return nil, "rule " + n.Rule.Name + " may fail; it reads samples after its evaluation time"
			}
			for j, m := range p.Nodes {
				if !m.produces(r) {
					continue
				}
				switch {
				case m.Rule.Alert:
					return nil, "rule " + n.Rule.Name + " may fail; it reads ALERTS"
				case j >= i:
					return nil, "rule " + n.Rule.Name + " may fail; it reads a rule evaluated after it"
				case m.Rule.QueryOffset > n.Rule.QueryOffset:
					return nil, "rule " + n.Rule.Name + " may fail; it reads a rule with a larger query offset"
				}
				need[j] = true
			}
		}
		if !n.Rule.Alert {
			for j, m := range p.Nodes {
				if j != i && m.Rule.Alert && sharesOutput(n, m) {
					return nil, "rule " + n.Rule.Name + " may fail; an alerting rule writes the same series"
				}
			}
			for _, in := range input {
				if in.Get(labels.MetricName) == n.Rule.Name && hasLabels(in, n.Rule.Labels) {
					return nil, "rule " + n.Rule.Name + " may fail; an input series has its name and labels"
				}
			}
		} else {
			reason := ""
			if templatedLabels(n.Rule.Labels) {
				reason = "alert " + n.Rule.Name + " may fail; its labels are templated"
			}
			if reason == "" && n.Rule.Limit > 0 && n.Rule.KeepFiringFor > 0 {
				reason = "alert " + n.Rule.Name + " may fail; it has keep_firing_for and a group limit"
			}
			if reason != "" {
				return nil, reason
			}
		}
	}
	return need, ""
}
