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

// DefaultIncreaseWin is the window of increase signals.
const DefaultIncreaseWin = 24 * time.Hour

// increaseKind counts the events of a counter over a window.
type increaseKind struct{ base }

func (increaseKind) Key() string { return "increase" }

func (increaseKind) Check(c Checker, s *spec.Signal) model.Signal {
	in := s.Increase
	sel, ok := c.Selector(in.Counter, &in.Node, "signal.increase.counter")
	if !ok {
		return nil
	}
	return &model.IncreaseSignal{Counter: sel.String(), By: c.By(&in.Node, in.By, "signal.increase.by"), Window: c.Window(in.Window, DefaultIncreaseWin, "signal.increase.window"), FixedLabels: sel.EqualityLabels()}
}

func (increaseKind) Operation(sig model.Signal) string {
	return "increase" + dur(sig.(*model.IncreaseSignal).Window)
}

// Records: a counter that was never created counted no events, where the
// selector fixes the groups.
func (increaseKind) Records(sig model.Signal, n Names) []Record {
	s := sig.(*model.IncreaseSignal)
	e := aggBy("sum", s.By, fmt.Sprintf("increase(%s[%s])", s.Counter, dur(s.Window)))
	if fixed(s.By, s.FixedLabels) {
		e += " or " + absentZero(s.By, s.Counter)
	}
	return []Record{{n.Record, e}}
}

func (increaseKind) AbsentInputs(sig model.Signal, _ string) string {
	return absentOf(sig.(*model.IncreaseSignal).Counter)
}

// Absent: no counter, no events.
func (increaseKind) Absent(sig model.Signal) (float64, bool, bool) {
	s := sig.(*model.IncreaseSignal)
	return 0, true, fixed(s.By, s.FixedLabels)
}

func (increaseKind) Window(sig model.Signal) time.Duration {
	return sig.(*model.IncreaseSignal).Window
}

// input: a counter growing by v per window; the signal rises to v over
// the window.
func (increaseKind) input(g *generator, sig model.Signal, v float64, t0, end time.Duration) (built, error) {
	s := sig.(*model.IncreaseSignal)
	ser, err := promx.SeriesFor(s.Counter, g.by(s.By))
	if err != nil {
		return built{}, err
	}
	perStep := v / float64(g.steps(s.Window))
	vals := (&values{}).gap(g.steps(t0)).line(counterBase, perStep, g.steps(end-t0)+1)
	return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}, shape: rising, window: s.Window}, nil
}

func (increaseKind) failures(g *generator, a *model.Alert) { g.resetFailures(a) }

// resetFailures: a counted signal (increase) across a counter reset and a
// scrape gap still counts the events.
func (g *generator) resetFailures(a *model.Alert) {
	s := a.Signal.(*model.IncreaseSignal)
	if a.Direction != model.Above {
		return
	}
	fire, _ := clearValues(a)
	ser, err := promx.SeriesFor(s.Counter, byLabels(s.By, "x"))
	if err != nil {
		return
	}
	l := a.Levels[0]
	win := g.steps(s.Window)
	per := fire / float64(win)
	c := []counter{{ser, func(float64) float64 { return per }}}
	n := win + g.steps(l.For) + 2*tailSteps
	segs := []segment{{e: 0, rate: requestRate, n: n / 2, reset: true}, {e: 0, rate: requestRate, n: g.missed(), gap: true}, {e: 0, rate: requestRate, n: n + g.steps(g.settle(a))}}
	sc := g.failure(a, FamilyResets, fmt.Sprintf("%s events per %s across a counter reset and a scrape gap: fires %s", num.Format(fire), promx.FormatDuration(s.Window), l.Severity))
	sc.Series = counterSeries(c, leadSteps, segs)
	in := time.Duration(leadSteps) * g.step
	g.fires(sc, a, l, g.judgedFrom(a, in, in), time.Duration(leadSteps+segLen(segs))*g.step, byLabels(s.By, "x"))
}
