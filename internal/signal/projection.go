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

// ToEndOfMonth is the value of `to` that projects to the end of the
// calendar month.
const ToEndOfMonth = "end_of_month"

// PromQL scalars of the calendar month (UTC, the only time zone PromQL's
// date functions know) at the evaluation time: the seconds left in it, and
// the seconds from its last midnight to its end. days_in_month() and
// day_of_month() read vector(time()).
const (
	secondsToMonthEnd  = "(scalar(days_in_month() - day_of_month() + 1) * 86400 - time() % 86400)"
	midnightToMonthEnd = "scalar(days_in_month() - day_of_month() + 1) * 86400"
)

// SecondsToMonthEnd is the PromQL scalar expression of the seconds from the
// evaluation time to the end of its calendar month in UTC.
func SecondsToMonthEnd() string { return secondsToMonthEnd }

// projectionKind projects a counter (from its rate) or a gauge (with
// predict_linear) to a horizon, or a counter or a month-to-date gauge to
// the end of the calendar month.
type projectionKind struct{ base }

func (projectionKind) Key() string { return "projection" }

func (projectionKind) Check(c Checker, s *spec.Signal) model.Signal {
	p := s.Projection
	m := &model.ProjectionSignal{
		By:     c.By(&p.Node, p.By, "signal.projection.by"),
		Window: c.Window(p.Window, DefaultProjectionWin, "signal.projection.window"),
	}
	ok := true
	switch {
	case p.Has("to") && p.Has("horizon"):
		c.Errorf(p.KeyAt("to"), "spec/one-of", "signal.projection: give horizon or to, not both")
		ok = false
	case p.Invalid("to"): // the decoder reported it
		ok = false
	case p.Has("to") && p.To != ToEndOfMonth:
		c.Errorf(p.At("to"), "spec/range", "signal.projection.to: expected %s, got %q", ToEndOfMonth, p.To)
		ok = false
	case p.Has("to"):
		m.MonthEnd = true
	default:
		m.Horizon = c.Duration(p.Horizon, DefaultHorizon, "signal.projection.horizon")
	}
	if !p.Has("by") {
		// A selector may match one series per service, region or
		// account; summing them all is a choice the spec must show.
		c.Errorf(p.Pos, "spec/required", "signal.projection.by: expected the labels to project by (by: [service]), or by: [] to project the sum of every series the selector matches")
		ok = false
	}
	switch {
	case p.Counter != nil && p.Gauge != nil:
		c.Errorf(p.At("gauge"), "spec/one-of", "signal.projection: give counter or gauge, not both")
	case p.Counter != nil:
		sel, sok := c.Selector(p.Counter, &p.Node, "signal.projection.counter")
		m.Series, m.Counter = sel.String(), true
		if sok && ok {
			return m
		}
	case p.Gauge != nil:
		sel, sok := c.Selector(p.Gauge, &p.Node, "signal.projection.gauge")
		m.Series = sel.String()
		if sok && ok {
			return m
		}
	case p.Invalid("counter") || p.Invalid("gauge"): // the decoder reported it
	default:
		c.Errorf(p.Pos, "spec/required", "signal.projection: expected counter or gauge, a series selector")
	}
	return nil
}

func (projectionKind) Operation(sig model.Signal) string {
	s := sig.(*model.ProjectionSignal)
	if s.MonthEnd {
		return "projection_end_of_month"
	}
	return "projection" + dur(s.Horizon)
}

// Records: to a horizon, a counter's rate times the horizon or a gauge's
// predict_linear. To the end of the month, a month-to-date gauge's value
// plus its rate (which reads the reset at the start of the month as a
// counter reset) times the seconds left; a counter's increase over each
// whole UTC day of the month so far (daily steps of a subquery, each
// labelled with its day's month and kept when that is the current one),
// plus its rate times the seconds from the last midnight to the end of the
// month.
func (projectionKind) Records(sig model.Signal, n Names) []Record {
	s := sig.(*model.ProjectionSignal)
	w := dur(s.Window)
	rate := aggBy("sum", s.By, fmt.Sprintf("rate(%s[%s])", s.Series, w))
	switch {
	case s.MonthEnd && s.Counter:
		days := aggBy("sum", s.By, fmt.Sprintf("increase(%s[1d])", s.Series)) +
			` * on() group_left(slo_month) count_values("slo_month", month(vector(time() - 1)))`
		done := aggBy("sum", s.By, "sum_over_time(("+days+`)[31d:1d]) and on(slo_month) count_values("slo_month", month())`)
		return []Record{{n.Record, "(" + done + " or " + rate + " * 0) + " + rate + " * " + midnightToMonthEnd}}
	case s.MonthEnd:
		return []Record{{n.Record, aggBy("sum", s.By, s.Series) + " + " + rate + " * " + secondsToMonthEnd}}
	case s.Counter:
		return []Record{{n.Record, rate + " * " + num.Format(s.Horizon.Seconds())}}
	}
	return []Record{{n.Record, aggBy("sum", s.By, fmt.Sprintf("predict_linear(%s[%s], %s)", s.Series, w, num.Format(s.Horizon.Seconds())))}}
}

func (projectionKind) AbsentInputs(sig model.Signal, _ string) string {
	return absentOf(sig.(*model.ProjectionSignal).Series)
}

// Absent: a counter that is absent grows by nothing.
func (projectionKind) Absent(sig model.Signal) (float64, bool, bool) {
	s := sig.(*model.ProjectionSignal)
	return 0, s.Counter && !s.MonthEnd, false
}

// Start: a projection to the end of the month begins with the month (at
// time 0, 1970-01-01 in UTC), the way a month-to-date gauge does.
func (projectionKind) Start(sig model.Signal, lead time.Duration) time.Duration {
	if sig.(*model.ProjectionSignal).MonthEnd {
		return 0
	}
	return lead
}

func (projectionKind) Window(sig model.Signal) time.Duration {
	if s := sig.(*model.ProjectionSignal); s.Counter || s.MonthEnd {
		return s.Window
	}
	return 0
}

// epoch is time 0 of scenarios.
var epoch = time.Unix(0, 0).UTC()

// monthEnd is the end of the calendar month (UTC) of scenario time t.
func monthEnd(t time.Duration) time.Duration {
	at := epoch.Add(t)
	return time.Date(at.Year(), at.Month()+1, 1, 0, 0, 0, 0, time.UTC).Sub(epoch)
}

// input: a gauge held at v (predict_linear of a flat line is the line), or
// a counter growing so that its rate reaches v over the horizon. To the end
// of the month, a counter or a month-to-date gauge (from 0) growing from the
// month's start so that a month at that rate totals v: the projection is v
// at every time once the rate window is full.
func (projectionKind) input(g *generator, sig model.Signal, v float64, t0, end time.Duration) (built, error) {
	s := sig.(*model.ProjectionSignal)
	ser, err := promx.SeriesFor(s.Series, g.by(s.By))
	if err != nil {
		return built{}, err
	}
	n0, n := g.steps(t0), g.steps(end-t0)+1
	if s.MonthEnd {
		if v < 0 || t0 != 0 {
			return built{}, fmt.Errorf("slo cannot build a month's total of %s from %s", num.Format(v), promx.FormatDuration(t0))
		}
		perStep := v / monthEnd(0).Seconds() * g.step.Seconds()
		start := 0.0
		if s.Counter {
			start = counterBase
		}
		vals := (&values{}).line(start, perStep, n)
		return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}, shape: rising, window: s.Window}, nil
	}
	if !s.Counter {
		vals := (&values{}).gap(n0).line(v, 0, n)
		return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}}, nil
	}
	perStep := v / s.Horizon.Seconds() * g.step.Seconds()
	vals := (&values{}).gap(n0).line(counterBase, perStep, n)
	return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}, shape: rising, window: s.Window}, nil
}

// failures: a projection to the end of the month across the month's end,
// and a counter's across a reset and a scrape gap.
func (projectionKind) failures(g *generator, a *model.Alert) {
	s := a.Signal.(*model.ProjectionSignal)
	if !s.MonthEnd {
		return
	}
	if !s.Counter || a.Direction == model.Above {
		// A counter's January would need every day of January for a
		// total that is not short: too long a scenario for below.
		g.monthBoundary(a, s)
	}
	if s.Counter {
		g.projectionResets(a, s)
	}
}

// monthBoundary: spending through the end of January 1970 at a rate whose
// month totals clearly short of every threshold (healthy), then through
// February (28 days) at one whose month totals clearly past the most
// severe: silent until midnight, fires once the rate window has seen
// February. A
// month-to-date gauge restarts at 0 at midnight; a counter goes on, and the
// month's total restarts with the month.
func (g *generator) monthBoundary(a *model.Alert, s *model.ProjectionSignal) {
	ser, err := promx.SeriesFor(s.Series, byLabels(s.By, "x"))
	if err != nil {
		return
	}
	fire, healthy := clearValues(a)
	if fire < 0 || healthy < 0 {
		return
	}
	l := a.Levels[0]
	jan, feb := monthEnd(0), monthEnd(monthEnd(0))
	perJan := healthy / jan.Seconds() * g.step.Seconds()
	perFeb := fire / (feb - jan).Seconds() * g.step.Seconds()
	// Two rate windows of January are enough history: the month's total
	// so far only makes January's projection higher, and it stays short.
	from := jan - 2*s.Window - time.Duration(leadSteps)*g.step
	end := jan + s.Window + l.For + 2*time.Duration(tailSteps)*g.step
	v := (&values{}).gap(g.steps(from))
	if s.Counter {
		v.line(counterBase, perJan, g.steps(jan-from)).cont(perFeb, g.steps(end-jan)+1)
	} else {
		v.line(perJan*float64(g.steps(from)), perJan, g.steps(jan-from)).line(0, perFeb, g.steps(end-jan)+1)
	}
	what := "a counter"
	if !s.Counter {
		what = "a month-to-date gauge, restarting at 0,"
	}
	sc := g.failure(a, FamilyMonthEnd, fmt.Sprintf("%s at a January total of %s, then a February total of %s: silent in January, fires %s in February", what, num.Format(healthy), num.Format(fire), l.Severity))
	sc.Series = []scenario.Series{{Series: ser, Values: v.String()}}
	// From the first sample: before it the rules have nothing to read,
	// and the evaluations of a month with no data are not spent.
	g.silent(sc, a, from, jan-g.step, nil)
	g.fires(sc, a, l, jan, end, byLabels(s.By, "x"))
}

// projectionResets: a counter spending at a rate whose month totals
// clearly past the most severe threshold (above or below), across a counter
// reset and a scrape gap: fires.
func (g *generator) projectionResets(a *model.Alert, s *model.ProjectionSignal) {
	ser, err := promx.SeriesFor(s.Series, byLabels(s.By, "x"))
	if err != nil {
		return
	}
	fire, _ := clearValues(a)
	if fire < 0 {
		return
	}
	l := a.Levels[0]
	per := fire / monthEnd(0).Seconds() * g.step.Seconds()
	half := g.steps(s.Window)/2 + leadSteps
	gap := g.missed()
	v := (&values{}).line(counterBase, per, half).line(per, per, half).gap(gap)
	v.line(v.last+float64(gap+1)*per, per, g.steps(s.Window+l.For)+2*tailSteps)
	end := time.Duration(v.n-1) * g.step
	sc := g.failure(a, FamilyResets, fmt.Sprintf("a month's total of %s across a counter reset and a scrape gap: fires %s", num.Format(fire), l.Severity))
	sc.Series = []scenario.Series{{Series: ser, Values: v.String()}}
	g.fires(sc, a, l, s.Window, end, byLabels(s.By, "x"))
}
