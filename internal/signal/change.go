package signal

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/spec"
)

// Defaults of change signals: how far back they compare, and the window a
// counter's increase is taken over.
const (
	DefaultChangeOffset = 7 * 24 * time.Hour
	DefaultChangeWin    = time.Hour
)

// changeKind is the relative change of an expression against an earlier
// time, (x - x offset o) / x offset o, or of a counter's increase over a
// window against the same window an offset earlier.
type changeKind struct{ base }

func (changeKind) Key() string { return "change" }

func (changeKind) Check(c Checker, s *spec.Signal) model.Signal {
	ch := s.Change
	offset := c.Duration(ch.Offset, DefaultChangeOffset, "signal.change.offset")
	switch {
	case ch.Expr != nil && ch.Counter != nil:
		c.Errorf(ch.KeyAt("counter"), "spec/one-of", "signal.change: give expr or counter, not both")
		return nil
	case ch.Counter != nil:
		sel, ok := c.Selector(ch.Counter, &ch.Node, "signal.change.counter")
		w := c.Window(ch.Window, DefaultChangeWin, "signal.change.window")
		if w >= offset && w > 0 && offset > 0 {
			c.Errorf(ch.At("window"), "spec/range", "signal.change.window: expected less than the offset (%s), or the two windows overlap; got %s", dur(offset), dur(w))
			return nil
		}
		if !ok {
			return nil
		}
		return &model.ChangeSignal{Counter: sel.String(), Window: w, Offset: offset, By: c.By(&ch.Node, ch.By, "signal.change.by"), ByKnown: true}
	case ch.Expr == nil && !ch.Invalid("expr") && !ch.Invalid("counter"):
		c.Errorf(ch.Pos, "spec/required", "signal.change: expected expr, an expression, or counter, a counter selector")
		return nil
	}
	for _, f := range []string{"by", "window"} {
		if ch.Has(f) {
			c.Errorf(ch.KeyAt(f), "spec/unknown-field", "signal.change.%s: only with counter; an expr's labels and windows are its own", f)
			return nil
		}
	}
	text, by, known, ok := checkExpr(c, ch.Expr, &ch.Node, "signal.change.expr")
	if !ok {
		return nil
	}
	if sel, cby, w, isCounter := counterIncrease(text); isCounter {
		byText := ""
		if len(cby) > 0 {
			byText = ", by: [" + strings.Join(cby, ", ") + "]"
		}
		c.Warnf(ch.At("expr"), "lint/change-of-counter", "signal.change.expr is a counter's events over %s; write change: {counter: '%s'%s, window: %s} to compare the counter itself: a value from the first evaluation instead of after %s of recorded history, and generated scenarios", dur(w), sel, byText, dur(w), dur(offset))
	}
	return &model.ChangeSignal{Expr: text, Offset: offset, By: by, ByKnown: known}
}

func (changeKind) Operation(sig model.Signal) string {
	return "change" + dur(sig.(*model.ChangeSignal).Offset)
}

// Records: of an expression, the value, then its change; of a counter, its
// increase over the window against the increase over the same window an
// offset earlier, read from the counter itself (so the rule compares from
// its first evaluation, without waiting an offset for a record of its own).
// NaN and Inf (a zero then: an idle hour last week) are dropped.
func (changeKind) Records(sig model.Signal, n Names) []Record {
	s := sig.(*model.ChangeSignal)
	if s.Counter != "" {
		now := aggBy("sum", s.By, fmt.Sprintf("increase(%s[%s])", s.Counter, dur(s.Window)))
		then := aggBy("sum", s.By, fmt.Sprintf("increase(%s[%s] offset %s)", s.Counter, dur(s.Window), dur(s.Offset)))
		// Both windows must have samples at their edges (within the
		// lookback): a counter younger than the offset, or a scrape gap
		// over an edge, would give an increase over part of a window
		// (extrapolated only half a sample) and a change that is not one.
		var edges []string
		for _, d := range []time.Duration{0, s.Window, s.Offset, s.Offset + s.Window} {
			sel := s.Counter
			if d > 0 {
				sel += " offset " + dur(d)
			}
			edges = append(edges, aggBy("group", s.By, sel))
		}
		on := " and on(" + strings.Join(s.By, ", ") + ") "
		return []Record{{n.Record, finite(fmt.Sprintf("(%[1]s - %[2]s) / %[2]s", now, then)) + on + strings.Join(edges, on)}}
	}
	return []Record{
		{n.Base, finite(s.Expr)},
		{n.Record, finite(fmt.Sprintf("(%[1]s - %[1]s offset %[2]s) / %[1]s offset %[2]s", n.Sel(n.Base), dur(s.Offset)))},
	}
}

func (changeKind) AbsentInputs(sig model.Signal, _ string) string {
	s := sig.(*model.ChangeSignal)
	if s.Counter != "" {
		return absentOf(s.Counter)
	}
	return absentOf(promx.Selectors(s.Expr)...)
}

// Start: after the history the change compares with (for a counter, a
// whole window of it).
func (changeKind) Start(sig model.Signal, lead time.Duration) time.Duration {
	s := sig.(*model.ChangeSignal)
	return s.Offset + s.Window + lead
}

// Window: a counter's change follows its increase over the window.
func (changeKind) Window(sig model.Signal) time.Duration {
	return sig.(*model.ChangeSignal).Window
}

// Floor: a count of events falls by 100% at most, to -1; an expression's
// change has no floor slo knows.
func (changeKind) Floor(sig model.Signal) (float64, bool) {
	return -1, sig.(*model.ChangeSignal).Counter != ""
}

// changeBase is the events per sample of a counter's history in generated
// scenarios.
const changeBase = 100.0

// input: 100 until t0, then 100 x (1 + v): against the offset, the change
// is v from t0 for one offset. A counter grows by 100 a sample until t0,
// then by 100 x (1 + v): the change rises to v over the window.
func (changeKind) input(g *generator, sig model.Signal, v float64, t0, end time.Duration) (built, error) {
	s := sig.(*model.ChangeSignal)
	if s.Counter != "" {
		if v < -1 {
			return built{}, fmt.Errorf("a counter's increase cannot fall by more than 100%%, got a change of %g", v)
		}
		ser, err := promx.SeriesFor(s.Counter, g.by(s.By))
		if err != nil {
			return built{}, err
		}
		vals := (&values{}).line(counterBase, changeBase, g.steps(t0)).cont(changeBase*(1+v), g.steps(end-t0)+1)
		return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}, shape: rising, window: s.Window}, nil
	}
	ser, ok := promx.GaugeSeriesGroup(s.Expr, g.grp())
	if !ok {
		return built{}, fmt.Errorf("signal.change.expr %q is not of the form agg by (...) (selector), which slo can invert; write a scenario under tests/", s.Expr)
	}
	vals := (&values{}).line(100, 0, g.steps(t0)).line(100*(1+v), 0, g.steps(end-t0)+1)
	return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}}, nil
}

// failures: a counter's change across what production does to counters
// (expression changes have none of their own).
func (changeKind) failures(g *generator, a *model.Alert) {
	s := a.Signal.(*model.ChangeSignal)
	if s.Counter == "" {
		return
	}
	g.changeIdle(a, s)
	g.changeResets(a, s)
}

// changeIdle: no events in the window now (the shop is down) is a change of
// -1, past every drop threshold; an hour without events a week ago, with
// the usual events now, is no drop (x/0 is dropped, not a value).
func (g *generator) changeIdle(a *model.Alert, s *model.ChangeSignal) {
	labels := byLabels(s.By, "x")
	ser, err := promx.SeriesFor(s.Counter, labels)
	if err != nil {
		return
	}
	l := a.Levels[0]
	fires := model.Past(a.Direction, -1, l.Threshold)
	verdict := "silent"
	if fires {
		verdict = "fires " + string(l.Severity)
	}
	tail := time.Duration(tailSteps) * g.step
	t0 := g.start(a.Signal)
	end := t0 + s.Window + g.longestFor(a) + 2*tail
	stop := (&values{}).line(counterBase, changeBase, g.steps(t0)).cont(0, g.steps(end-t0)+1)
	sc := g.failure(a, FamilyIdle, fmt.Sprintf("no events for %s after a week of %g a sample: a change of -1, %s", promx.FormatDuration(end-t0), changeBase, verdict))
	sc.Series = []scenario.Series{{Series: ser, Values: stop.String()}}
	g.silent(sc, a, 0, t0, nil)
	if fires {
		g.fires(sc, a, l, t0, end, labels)
	} else {
		g.silent(sc, a, t0, end, nil)
	}
	if a.Direction != model.Below {
		// An idle hour a week ago makes the next hour's surge real.
		return
	}
	hour := max(time.Hour, s.Window)
	lead := time.Duration(leadSteps) * g.step
	end = s.Offset + lead + hour + s.Window + 2*tail
	idle := (&values{}).line(counterBase, changeBase, g.steps(lead)).cont(0, g.steps(hour)).cont(changeBase, g.steps(end-lead-hour)+1)
	sc = g.failure(a, FamilyIdle, fmt.Sprintf("no events for %s a week ago, the usual %g a sample now: silent", promx.FormatDuration(hour), changeBase))
	sc.Series = []scenario.Series{{Series: ser, Values: idle.String()}}
	g.silent(sc, a, 0, end, nil)
}

// changeResets: the usual events now and then, across a counter reset and a
// scrape gap now and a scrape gap in the window an offset earlier, is no
// change.
func (g *generator) changeResets(a *model.Alert, s *model.ChangeSignal) {
	ser, err := promx.SeriesFor(s.Counter, byLabels(s.By, "x"))
	if err != nil {
		return
	}
	tail := time.Duration(tailSteps) * g.step
	lead := g.steps(time.Duration(leadSteps) * g.step)
	win := g.steps(s.Window)
	gap := g.missed()
	if win < 12 { // half a window holds two gaps of three samples
		return
	}
	// Last week: lead samples, half a window, a gap, the rest; now (from
	// the offset on): the same with a reset before the gap.
	then := g.steps(s.Offset) - lead - win/2 - gap
	v := (&values{}).line(counterBase, changeBase, lead+win/2).gap(gap)
	v.line(v.last+changeBase*float64(gap+1), changeBase, then)
	v.line(changeBase, changeBase, win/2).gap(gap)
	v.line(v.last+changeBase*float64(gap+1), changeBase, win+g.steps(g.longestFor(a)+2*tail))
	end := time.Duration(v.n-1) * g.step
	sc := g.failure(a, FamilyResets, fmt.Sprintf("%g events a sample now and %s earlier, across a counter reset and scrape gaps: silent", changeBase, promx.FormatDuration(s.Offset)))
	sc.Series = []scenario.Series{{Series: ser, Values: v.String()}}
	g.silent(sc, a, 0, end, nil)

	// A week with a gap: no samples for two windows an offset ago
	// (Prometheus was down), the usual events throughout. Where the window
	// then is missing or cut, there is no change, not a surge.
	out := 2 * win
	w := (&values{}).line(counterBase, changeBase, lead+win).gap(out)
	w.line(w.last+changeBase*float64(out+1), changeBase, g.steps(s.Offset)+2*win+g.steps(g.longestFor(a)+2*tail+g.settle(a)))
	end = time.Duration(w.n-1) * g.step
	sc = g.failure(a, FamilyResets, fmt.Sprintf("%g events a sample throughout, no samples for %s an offset (%s) ago: silent", changeBase, promx.FormatDuration(time.Duration(out)*g.step), promx.FormatDuration(s.Offset)))
	sc.Series = []scenario.Series{{Series: ser, Values: w.String()}}
	if a.OnAbsent != model.AbsentFire {
		g.silent(sc, a, 0, end, nil)
		return
	}
	// The counter is absent for most of the missing windows, and
	// on_absent: fire rightly fires then: silent up to its last sample
	// before them, and from when they end, as judgedFrom has it.
	g.silent(sc, a, 0, time.Duration(lead+win-1)*g.step, nil)
	g.silent(sc, a, g.judgedFrom(a, time.Duration(lead+win+out)*g.step, 0), end, nil)
}

// Lint: a count of events falls by 100% at most, so a counter's change
// below -1 never fires; -20 is most likely -20% written as a percentage.
func (changeKind) Lint(c Checker, a *model.Alert, _ *spec.Signal) {
	s := a.Signal.(*model.ChangeSignal)
	if s.Counter == "" || a.Direction != model.Below {
		return
	}
	for _, l := range a.Levels {
		if l.Threshold > -1 {
			continue
		}
		hint := "the lowest change is -1, no events at all"
		if l.Threshold < -1 && l.Threshold >= -100 {
			hint = fmt.Sprintf("did you mean %s (a fraction: %s%%)?", num.Format(l.Threshold/100), num.Format(l.Threshold))
		}
		c.Errorf(l.Pos, "lint/change-never-fires", "%s %s: a count of events falls by 100%% at most, so a change below %s never fires; %s", a.Name, l.Severity, num.Format(l.Threshold), hint)
	}
}

// counterIncrease reads `sum [by (...)] (increase|rate(selector[w]))`: the
// counter, its by labels and the window, when expr is a counter's events
// over a window that the counter form compares directly.
func counterIncrease(expr string) (counter string, by []string, w time.Duration, ok bool) {
	e, errs := promx.ParseExpr(expr)
	if len(errs) > 0 {
		return "", nil, 0, false
	}
	for {
		p, isParen := e.(*parser.ParenExpr)
		if !isParen {
			break
		}
		e = p.Expr
	}
	agg, isAgg := e.(*parser.AggregateExpr)
	if !isAgg || agg.Op != parser.SUM || agg.Without {
		return "", nil, 0, false
	}
	call, isCall := agg.Expr.(*parser.Call)
	if !isCall || (call.Func.Name != "increase" && call.Func.Name != "rate") || len(call.Args) != 1 {
		return "", nil, 0, false
	}
	m, isMatrix := call.Args[0].(*parser.MatrixSelector)
	if !isMatrix {
		return "", nil, 0, false
	}
	vs, isVS := m.VectorSelector.(*parser.VectorSelector)
	if !isVS || vs.OriginalOffset != 0 || vs.Timestamp != nil || vs.StartOrEnd != 0 {
		return "", nil, 0, false
	}
	return vs.String(), agg.Grouping, m.Range, true
}
