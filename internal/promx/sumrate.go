package promx

import "github.com/prometheus/prometheus/promql/parser"

// SumRate is sum(rate(<selector>[<range>])) found in an expression, as
// byte offsets into its text: the selector's [start, end) and the end of
// the range's closing bracket. By are the labels of the sum's by clause.
type SumRate struct {
	Sel      [2]int
	RangeEnd int
	By       []string
}

// SumRateOf matches text, as a whole, as a sum of the rate of one counter:
// a sum with an optional by clause (before or after its argument) and no
// without or parameter, of rate of a named selector with no offset or @.
// It reports false if text does not parse or is not one.
func SumRateOf(text string) (SumRate, bool) {
	e, errs := ParseExpr(text)
	if errs != nil {
		return SumRate{}, false
	}
	return sumRateOf(e)
}

// SumRateDiff matches text, as a whole, as the difference of two
// SumRateOf, one to one with no on, ignoring or bool, as a histogram's
// count minus a bucket is written.
func SumRateDiff(text string) (lhs, rhs SumRate, ok bool) {
	e, errs := ParseExpr(text)
	if errs != nil {
		return SumRate{}, SumRate{}, false
	}
	sub, ok := Unparen(e).(*parser.BinaryExpr)
	if !ok || sub.Op != parser.SUB || sub.ReturnBool || (sub.VectorMatching != nil && (sub.VectorMatching.On || len(sub.VectorMatching.MatchingLabels) > 0 || sub.VectorMatching.Card != parser.CardOneToOne)) {
		return SumRate{}, SumRate{}, false
	}
	lhs, ok1 := sumRateOf(sub.LHS)
	rhs, ok2 := sumRateOf(sub.RHS)
	return lhs, rhs, ok1 && ok2
}

// sumRateOf is sumOf(e, "rate") of a named selector, as offsets.
func sumRateOf(e parser.Expr) (SumRate, bool) {
	w, by, ok := sumOf(e, "rate")
	if !ok || w.vs.Name == "" {
		return SumRate{}, false
	}
	return SumRate{Sel: [2]int{int(w.vs.PosRange.Start), int(w.vs.PosRange.End)}, RangeEnd: int(w.ms.EndPos), By: by}, true
}
