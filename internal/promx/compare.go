package promx

import (
	"math"

	"github.com/prometheus/prometheus/promql/parser"
)

// Comparison is a series compared with a constant in an expression:
// `job:errors:ratio_rate1h{...} > (14.4 * 0.001)` is Metric
// "job:errors:ratio_rate1h", Op ">", Value 0.0144.
type Comparison struct {
	Metric string
	Op     string
	Value  float64
}

// Comparisons returns the comparisons of a vector selector with a
// constant expression in text, in the order they appear (nil if text does
// not parse). The constant may be written as arithmetic on numbers; a
// constant on the left is turned around (`5 < x` is `x > 5`).
func Comparisons(text string) []Comparison {
	expr, errs := ParseExpr(text)
	if errs != nil {
		return nil
	}
	var out []Comparison
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || !b.Op.IsComparisonOperator() {
			return nil
		}
		op := b.Op.String()
		lhs, rhs := b.LHS, b.RHS
		if _, ok := constant(lhs); ok {
			lhs, rhs = rhs, lhs
			op = flip[op]
		}
		v, ok := constant(rhs)
		if !ok {
			return nil
		}
		if vs, ok := Unparen(lhs).(*parser.VectorSelector); ok && vs.Name != "" {
			out = append(out, Comparison{Metric: vs.Name, Op: op, Value: v})
		}
		return nil
	})
	return out
}

var flip = map[string]string{">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}

// constant evaluates arithmetic on number literals.
func constant(e parser.Expr) (float64, bool) {
	switch e := Unparen(e).(type) {
	case *parser.NumberLiteral:
		return e.Val, true
	case *parser.UnaryExpr:
		v, ok := constant(e.Expr)
		if e.Op == parser.SUB {
			v = -v
		}
		return v, ok
	case *parser.BinaryExpr:
		a, ok1 := constant(e.LHS)
		b, ok2 := constant(e.RHS)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch e.Op {
		case parser.ADD:
			return a + b, true
		case parser.SUB:
			return a - b, true
		case parser.MUL:
			return a * b, true
		case parser.DIV:
			return a / b, true
		case parser.POW:
			return math.Pow(a, b), true
		}
	}
	return 0, false
}
