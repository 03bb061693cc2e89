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

// Defaults of projection signals.
const (
	DefaultProjectionWin = 24 * time.Hour
	DefaultHorizon       = 30 * 24 * time.Hour
)

// projectionKind projects a counter (from its rate) or a gauge (with
// predict_linear) to a horizon.
type projectionKind struct{ base }

func (projectionKind) Key() string { return "projection" }

func (projectionKind) Check(c Checker, s *spec.Signal) model.Signal {
	p := s.Projection
	m := &model.ProjectionSignal{
		By:      c.By(&p.Node, p.By, "signal.projection.by"),
		Window:  c.Window(p.Window, DefaultProjectionWin, "signal.projection.window"),
		Horizon: c.Duration(p.Horizon, DefaultHorizon, "signal.projection.horizon"),
	}
	switch {
	case p.Counter != nil && p.Gauge != nil:
		c.Errorf(p.At("gauge"), "spec/one-of", "signal.projection: give counter or gauge, not both")
	case p.Counter != nil:
		sel, ok := c.Selector(p.Counter, &p.Node, "signal.projection.counter")
		m.Series, m.Counter = sel.String(), true
		if ok {
			return m
		}
	case p.Gauge != nil:
		sel, ok := c.Selector(p.Gauge, &p.Node, "signal.projection.gauge")
		m.Series = sel.String()
		if ok {
			return m
		}
	default:
		c.Errorf(p.Pos, "spec/required", "signal.projection: expected counter or gauge, a series selector")
	}
	return nil
}

func (projectionKind) Operation(sig model.Signal) string {
	return "projection" + dur(sig.(*model.ProjectionSignal).Horizon)
}

func (projectionKind) Records(sig model.Signal, n Names) []Record {
	s := sig.(*model.ProjectionSignal)
	secs := num.Format(s.Horizon.Seconds())
	if s.Counter {
		return []Record{{n.Record, aggBy("sum", s.By, fmt.Sprintf("rate(%s[%s])", s.Series, dur(s.Window))) + " * " + secs}}
	}
	return []Record{{n.Record, aggBy("sum", s.By, fmt.Sprintf("predict_linear(%s[%s], %s)", s.Series, dur(s.Window), secs))}}
}

func (projectionKind) AbsentInputs(sig model.Signal, _ string) string {
	return absentOf(sig.(*model.ProjectionSignal).Series)
}

// Absent: a counter that is absent grows by nothing.
func (projectionKind) Absent(sig model.Signal) (float64, bool, bool) {
	return 0, sig.(*model.ProjectionSignal).Counter, false
}

func (projectionKind) Window(sig model.Signal) time.Duration {
	if s := sig.(*model.ProjectionSignal); s.Counter {
		return s.Window
	}
	return 0
}

// input: a gauge held at v (predict_linear of a flat line is the line), or
// a counter growing so that its rate reaches v over the horizon.
func (projectionKind) input(g *generator, sig model.Signal, v float64, t0, end time.Duration) (built, error) {
	s := sig.(*model.ProjectionSignal)
	ser, err := promx.SeriesFor(s.Series, g.by(s.By))
	if err != nil {
		return built{}, err
	}
	n0, n := g.steps(t0), g.steps(end-t0)+1
	if !s.Counter {
		vals := (&values{}).gap(n0).line(v, 0, n)
		return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}}, nil
	}
	perStep := v / s.Horizon.Seconds() * g.step.Seconds()
	vals := (&values{}).gap(n0).line(counterBase, perStep, n)
	return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}, shape: rising, window: s.Window}, nil
}
