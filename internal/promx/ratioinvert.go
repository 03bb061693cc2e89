package promx

import (
	"slices"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
)

// RateRatioSeries inverts a ratio of rates of the form
// agg by (L) (rate(a[w])) / agg by (L) (rate(b[w])) (agg sum, the same L
// and w on both sides): it returns a series of a and one of b, with each
// grouping label set to "x", so that the expression is the ratio of their
// slopes. ok is false for any other shape.
func RateRatioSeries(text string) (num, den string, window time.Duration, by []string, ok bool) {
	return RateRatioSeriesGroup(text, "x")
}

// RateRatioSeriesGroup is RateRatioSeries with the grouping labels set to
// group.
func RateRatioSeriesGroup(text, group string) (num, den string, window time.Duration, by []string, ok bool) {
	expr, errs := ParseExpr(text)
	if errs != nil {
		return "", "", 0, nil, false
	}
	bin, isBin := Unparen(expr).(*parser.BinaryExpr)
	if !isBin || bin.Op != parser.DIV || bin.VectorMatching != nil && (len(bin.VectorMatching.MatchingLabels) > 0 || bin.VectorMatching.Card != parser.CardOneToOne) {
		return "", "", 0, nil, false
	}
	side := func(e parser.Expr) (*parser.VectorSelector, time.Duration, []string, bool) {
		agg, isAgg := Unparen(e).(*parser.AggregateExpr)
		if !isAgg || agg.Op != parser.SUM || agg.Without || agg.Param != nil {
			return nil, 0, nil, false
		}
		call, isCall := Unparen(agg.Expr).(*parser.Call)
		if !isCall || call.Func.Name != "rate" || len(call.Args) != 1 {
			return nil, 0, nil, false
		}
		ms, isMS := call.Args[0].(*parser.MatrixSelector)
		if !isMS {
			return nil, 0, nil, false
		}
		vs, isVS := ms.VectorSelector.(*parser.VectorSelector)
		if !isVS || vs.OriginalOffset != 0 || vs.Timestamp != nil || vs.StartOrEnd != 0 {
			return nil, 0, nil, false
		}
		return vs, ms.Range, agg.Grouping, true
	}
	nv, nw, nby, ok1 := side(bin.LHS)
	dv, dw, dby, ok2 := side(bin.RHS)
	if !ok1 || !ok2 || nw != dw || !slices.Equal(nby, dby) {
		return "", "", 0, nil, false
	}
	extra := map[string]string{}
	for _, l := range nby {
		extra[l] = group
	}
	n, err1 := SeriesFor(nv.String(), extra)
	d, err2 := SeriesFor(dv.String(), extra, nv.String())
	if err1 != nil || err2 != nil {
		return "", "", 0, nil, false
	}
	return n, d, nw, nby, true
}
