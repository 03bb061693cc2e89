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
	n, nby, ok1 := sumOf(bin.LHS, "rate")
	d, dby, ok2 := sumOf(bin.RHS, "rate")
	if !ok1 || !ok2 || n.rng != d.rng || !slices.Equal(nby, dby) {
		return "", "", 0, nil, false
	}
	extra := map[string]string{}
	for _, l := range nby {
		extra[l] = group
	}
	ns, err1 := SeriesFor(n.vs.String(), extra)
	ds, err2 := SeriesFor(d.vs.String(), extra, n.vs.String())
	if err1 != nil || err2 != nil {
		return "", "", 0, nil, false
	}
	return ns, ds, n.rng, nby, true
}
