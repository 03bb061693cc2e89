package simulate

import (
	"time"

	"github.com/slo-compiler/slo/internal/simulate/engine"
	"github.com/slo-compiler/slo/internal/simulate/plan"
)

// Plot asks a run for the series of expressions from time zero to End,
// Step apart, for plotting: each is evaluated with one range query after
// the run, on the input series and the rules' outputs, and every rule it
// reads, directly or through other rules, is evaluated at every step of
// the run (a demand of the planner, plan.ExprRange), so its lines are
// those of promtool's run.
type Plot struct {
	Exprs     []string
	End, Step time.Duration
}

// Line is one series of a plotted expression: its labels and its values
// at times from the test's start.
type Line struct {
	Labels map[string]string
	Times  []time.Duration
	Values []float64
}

// demands returns the plot's expressions as range reads.
func (p *Plot) demands() []plan.ExprRange {
	if p == nil {
		return nil
	}
	out := make([]plan.ExprRange, len(p.Exprs))
	for i, e := range p.Exprs {
		out[i] = plan.ExprRange{Expr: e, From: 0, To: p.End}
	}
	return out
}

// plot evaluates the plot's expressions once the run is done: the series
// of each, nil where one failed, with its error.
func (gr *groupRun) plot(sess *engine.Session) ([][]Line, []error) {
	p := gr.in.Plot
	out := make([][]Line, len(p.Exprs))
	errs := make([]error, len(p.Exprs))
	for i, e := range p.Exprs {
		ss, err := sess.Range(e, gr.mint, gr.mint.Add(p.End), p.Step)
		if err != nil {
			errs[i] = err
			continue
		}
		for _, s := range ss {
			l := Line{Labels: s.Metric.Map()}
			for _, pt := range s.Points {
				l.Times = append(l.Times, pt.T.Sub(gr.mint))
				l.Values = append(l.Values, pt.V)
			}
			out[i] = append(out[i], l)
		}
	}
	return out, errs
}
