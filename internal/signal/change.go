package signal

import (
	"fmt"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/spec"
)

// DefaultChangeOffset is how far back change signals compare.
const DefaultChangeOffset = 7 * 24 * time.Hour

// changeKind is the relative change of an expression against an earlier
// time: (x - x offset o) / x offset o.
type changeKind struct{ base }

func (changeKind) Key() string { return "change" }

func (changeKind) Check(c Checker, s *spec.Signal) model.Signal {
	ch := s.Change
	text, by, known, ok := checkExpr(c, ch.Expr, &ch.Node, "signal.change.expr")
	if !ok {
		return nil
	}
	return &model.ChangeSignal{Expr: text, Offset: c.Duration(ch.Offset, DefaultChangeOffset, "signal.change.offset"), By: by, ByKnown: known}
}

func (changeKind) Operation(sig model.Signal) string {
	return "change" + dur(sig.(*model.ChangeSignal).Offset)
}

// Records: the value, then its change; NaN and Inf (a zero then) dropped.
func (changeKind) Records(sig model.Signal, n Names) []Record {
	s := sig.(*model.ChangeSignal)
	return []Record{
		{n.Base, finite(s.Expr)},
		{n.Record, finite(fmt.Sprintf("(%[1]s - %[1]s offset %[2]s) / %[1]s offset %[2]s", n.Sel(n.Base), dur(s.Offset)))},
	}
}

func (changeKind) AbsentInputs(sig model.Signal, _ string) string {
	return absentOf(promx.Selectors(sig.(*model.ChangeSignal).Expr)...)
}

// Start: after the history the change compares with.
func (changeKind) Start(sig model.Signal, lead time.Duration) time.Duration {
	return sig.(*model.ChangeSignal).Offset + lead
}

// input: 100 until t0, then 100 x (1 + v): against the offset, the change
// is v from t0 for one offset.
func (changeKind) input(g *generator, sig model.Signal, v float64, t0, end time.Duration) (built, error) {
	s := sig.(*model.ChangeSignal)
	ser, ok := promx.GaugeSeriesGroup(s.Expr, g.grp())
	if !ok {
		return built{}, fmt.Errorf("signal.change.expr %q is not of the form agg by (...) (selector), which slo can invert; write a scenario under tests/", s.Expr)
	}
	vals := (&values{}).line(100, 0, g.steps(t0)).line(100*(1+v), 0, g.steps(end-t0)+1)
	return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}}, nil
}
