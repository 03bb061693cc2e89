package promx

import (
	"slices"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
)

// ErrorRatioKind is a shape of SLI error ratio expression that
// ErrorRatioShape can hold at a chosen value.
type ErrorRatioKind int

const (
	// RateShare is sum by (L) (rate(num[w])) / sum by (L) (rate(den[w]))
	// (rate or increase), num counting bad events, or good ones under
	// 1 - (...).
	RateShare ErrorRatioKind = iota + 1
	// GaugeMean is the mean of a gauge over the window:
	// sum(sum_over_time(g[w])) / sum(count_over_time(g[w])) or
	// avg_over_time(g[w]), the error ratio itself or, under 1 - (...),
	// its complement.
	GaugeMean
	// SeriesShare is the share of a gauge's series that pass a comparison
	// with a constant, averaged over the window's subquery steps:
	// sum_over_time(count(g < T)[w:]) / sum_over_time(count(g)[w:]), the
	// numerator optionally `or on() vector(0)`, the error ratio itself or,
	// under 1 - (...), its complement.
	SeriesShare
)

// ErrorRatio is an error ratio expression's shape: what input holds it at
// a value.
type ErrorRatio struct {
	Kind ErrorRatioKind
	// Num and Den are the selectors of a RateShare's counters; By its
	// grouping labels.
	Num, Den string
	By       []string
	// Gauge is the selector of a GaugeMean or SeriesShare gauge.
	Gauge string
	// Complement says the error ratio is 1 minus the share or mean: Num
	// counts good events, the gauge is the good share, or the comparison
	// selects good series.
	Complement bool
	// Pass and Fail are gauge values that pass and fail a SeriesShare's
	// comparison.
	Pass, Fail float64
}

// ErrorRatioShape reads the shape of an error ratio expression (with its
// range already in place of the window placeholder). ok is false for a
// shape it does not know.
func ErrorRatioShape(text string) (ErrorRatio, bool) {
	expr, errs := ParseExpr(text)
	if errs != nil {
		return ErrorRatio{}, false
	}
	expr = Unparen(expr)
	var r ErrorRatio
	if b, ok := expr.(*parser.BinaryExpr); ok && b.Op == parser.SUB {
		if v, isNum := constant(b.LHS); isNum && v == 1 {
			r.Complement = true
			expr = Unparen(b.RHS)
		}
	}
	if call, ok := expr.(*parser.Call); ok && call.Func.Name == "avg_over_time" {
		if _, vs, ok := rangeOf(call); ok {
			r.Kind, r.Gauge = GaugeMean, vs.String()
			return r, true
		}
		return ErrorRatio{}, false
	}
	bin, ok := expr.(*parser.BinaryExpr)
	if !ok || bin.Op != parser.DIV || bin.ReturnBool || bin.VectorMatching != nil && (len(bin.VectorMatching.MatchingLabels) > 0 || bin.VectorMatching.Card != parser.CardOneToOne) {
		return ErrorRatio{}, false
	}
	num, den := Unparen(bin.LHS), Unparen(bin.RHS)
	// A numerator that is absent when nothing is bad is often given a 0.
	if or, ok := num.(*parser.BinaryExpr); ok && or.Op == parser.LOR {
		if c, isCall := Unparen(or.RHS).(*parser.Call); isCall && c.Func.Name == "vector" {
			if v, isNum := constant(c.Args[0]); isNum && v == 0 {
				num = Unparen(or.LHS)
			}
		}
	}
	if n, by, ok := sumOf(num, "rate", "increase"); ok {
		d, dby, ok := sumOf(den, "rate", "increase")
		if !ok || !slices.Equal(by, dby) || n.fn != d.fn || n.rng != d.rng {
			return ErrorRatio{}, false
		}
		r.Kind, r.Num, r.Den, r.By = RateShare, n.vs.String(), d.vs.String(), by
		return r, true
	}
	if n, nby, ok := sumOf(num, "sum_over_time"); ok {
		d, dby, ok := sumOf(den, "count_over_time")
		if !ok || len(nby) > 0 || len(dby) > 0 || n.rng != d.rng || n.vs.String() != d.vs.String() {
			return ErrorRatio{}, false
		}
		r.Kind, r.Gauge = GaugeMean, n.vs.String()
		return r, true
	}
	cmp, ok := countOverTime(num)
	if !ok {
		return ErrorRatio{}, false
	}
	all, ok := countOverTime(den)
	if !ok {
		return ErrorRatio{}, false
	}
	allSel, ok := Unparen(all).(*parser.VectorSelector)
	if !ok || !plain(allSel) {
		return ErrorRatio{}, false
	}
	c, ok := Unparen(cmp).(*parser.BinaryExpr)
	if !ok || c.ReturnBool || !c.Op.IsComparisonOperator() {
		return ErrorRatio{}, false
	}
	sel, ok := Unparen(c.LHS).(*parser.VectorSelector)
	t, isNum := constant(c.RHS)
	if !ok || !isNum || sel.String() != allSel.String() {
		return ErrorRatio{}, false
	}
	r.Kind, r.Gauge = SeriesShare, sel.String()
	r.Pass, r.Fail, ok = passFail(c.Op, t)
	return r, ok
}

type windowed struct {
	fn  string
	ms  *parser.MatrixSelector
	vs  *parser.VectorSelector
	rng time.Duration
}

// sumOf matches sum by (L) (fn(selector[w])) with fn one of fns: a sum
// with an optional by clause and no without or parameter, of fn of a
// plain selector (see rangeOf), parentheses allowed anywhere.
func sumOf(e parser.Expr, fns ...string) (windowed, []string, bool) {
	agg, ok := Unparen(e).(*parser.AggregateExpr)
	if !ok || agg.Op != parser.SUM || agg.Without || agg.Param != nil {
		return windowed{}, nil, false
	}
	call, ok := Unparen(agg.Expr).(*parser.Call)
	if !ok || !slices.Contains(fns, call.Func.Name) {
		return windowed{}, nil, false
	}
	ms, vs, ok := rangeOf(call)
	if !ok {
		return windowed{}, nil, false
	}
	return windowed{call.Func.Name, ms, vs, ms.Range}, agg.Grouping, true
}

// rangeOf is the matrix selector of a call fn(selector[w]) whose fn its
// caller has checked, and its selector, when that is plain and its range
// a duration.
func rangeOf(call *parser.Call) (*parser.MatrixSelector, *parser.VectorSelector, bool) {
	if len(call.Args) != 1 {
		return nil, nil, false
	}
	ms, ok := Unparen(call.Args[0]).(*parser.MatrixSelector)
	if !ok || ms.RangeExpr != nil {
		return nil, nil, false
	}
	vs, ok := ms.VectorSelector.(*parser.VectorSelector)
	return ms, vs, ok && plain(vs)
}

// plain reports whether vs reads its samples as at the evaluation time:
// no offset, @, anchored or smoothed modifier.
func plain(vs *parser.VectorSelector) bool {
	return vs.OriginalOffset == 0 && vs.OriginalOffsetExpr == nil && vs.Timestamp == nil && vs.StartOrEnd == 0 && !vs.Anchored && !vs.Smoothed
}

// countOverTime matches sum_over_time(count(x)[w:]) and returns x.
func countOverTime(e parser.Expr) (parser.Expr, bool) {
	call, ok := Unparen(e).(*parser.Call)
	if !ok || call.Func.Name != "sum_over_time" || len(call.Args) != 1 {
		return nil, false
	}
	sq, ok := call.Args[0].(*parser.SubqueryExpr)
	if !ok || sq.OriginalOffset != 0 || sq.Timestamp != nil || sq.Step != 0 {
		return nil, false
	}
	agg, ok := Unparen(sq.Expr).(*parser.AggregateExpr)
	if !ok || agg.Op != parser.COUNT || len(agg.Grouping) > 0 || agg.Without {
		return nil, false
	}
	return agg.Expr, true
}

// passFail are values that pass and fail `value op t`: for a threshold
// inside (0, 1), a share, halfway to 0 or 1; otherwise t -+ 1.
func passFail(op parser.ItemType, t float64) (pass, fail float64, ok bool) {
	below, above := t-1, t+1
	if t > 0 && t < 1 {
		below, above = t/2, (1+t)/2
	}
	switch op {
	case parser.LSS, parser.LTE:
		return below, above, true
	case parser.GTR, parser.GTE:
		return above, below, true
	case parser.EQLC:
		return t, above, true
	case parser.NEQ:
		return above, t, true
	}
	return 0, 0, false
}
