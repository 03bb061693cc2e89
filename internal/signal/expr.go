package signal

import (
	"fmt"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/spec"
)

// exprKind is any PromQL instant-vector expression, recorded as written.
type exprKind struct{ base }

func (exprKind) Key() string { return "expr" }

func (exprKind) Check(c Checker, s *spec.Signal) model.Signal {
	text, by, known, ok := checkExpr(c, s.Expr, &s.Node, "signal.expr")
	if !ok {
		return nil
	}
	return &model.ExprSignal{Expr: text, By: by, ByKnown: known}
}

func (exprKind) Operation(model.Signal) string { return "value" }

func (exprKind) Records(sig model.Signal, n Names) []Record {
	return []Record{{n.Record, sig.(*model.ExprSignal).Expr}}
}

func (exprKind) AbsentInputs(sig model.Signal, _ string) string {
	return absentOf(promx.Selectors(sig.(*model.ExprSignal).Expr)...)
}

// input inverts agg by (...) (selector): one series per group at v.
func (exprKind) input(g *generator, sig model.Signal, v float64, t0, end time.Duration) (built, error) {
	s := sig.(*model.ExprSignal)
	series, ok := promx.GaugeSeriesGroup(s.Expr, g.grp())
	if !ok {
		return built{}, fmt.Errorf("signal.expr %q is not of the form agg by (...) (selector), which slo can invert; write a scenario under tests/", s.Expr)
	}
	n0, n := g.steps(t0), g.steps(end-t0)+1
	vals := (&values{}).gap(n0).line(v, 0, n)
	return built{series: []scenario.Series{{Series: series, Values: vals.String()}}}, nil
}

// failures: an expression follows its input at once, so a dip of one
// sample is a dip of the signal; keep_firing_for must bridge it.
func (exprKind) failures(g *generator, a *model.Alert) {
	if a.Levels[0].KeepFiringFor > 0 {
		g.dip(a)
	}
}

// dip: once firing, a one-sample dip below every threshold shorter than
// keep_firing_for does not resolve the alert.
func (g *generator) dip(a *model.Alert) {
	l := a.Levels[0]
	if l.KeepFiringFor <= g.step {
		return
	}
	fire, healthy := clearValues(a)
	t0 := g.start(a.Signal)
	if g.windowOf(a.Signal) > 0 {
		return // windowed signals do not dip with their input
	}
	if _, isExpr := a.Signal.(*model.ExprSignal); !isExpr {
		return
	}
	firing := t0 + l.For + 2*g.step
	dipAt := firing + 2*g.step
	end := dipAt + l.KeepFiringFor + time.Duration(tailSteps)*g.step
	ser, ok := promx.GaugeSeries(a.Signal.(*model.ExprSignal).Expr)
	if !ok {
		return
	}
	n0 := g.steps(t0)
	vals := (&values{}).gap(n0).line(fire, 0, g.steps(dipAt-t0)).line(healthy, 0, 1).line(fire, 0, g.steps(end-dipAt))
	sc := g.failure(a, FamilyDip, fmt.Sprintf("firing at %s, one sample at %s: keeps firing (keep_firing_for %s)", num.Format(fire), num.Format(healthy), promx.FormatDuration(l.KeepFiringFor)))
	sc.Series = []scenario.Series{{Series: ser, Values: vals.String()}}
	sel := map[string]string{"severity": string(l.Severity)}
	sc.Ranges = append(sc.Ranges, scenario.AlertRange{Kind: scenario.AlwaysFires, Alertname: a.Name, Labels: sel, From: firing, To: end - g.step, Pos: l.Pos})
}
