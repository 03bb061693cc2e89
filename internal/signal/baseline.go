package signal

import (
	"fmt"
	"math"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/spec"
)

// DefaultBaselineWin is the averaging window of baseline signals.
const DefaultBaselineWin = 7 * 24 * time.Hour

// baselineKind is an expression divided by its own average over a window.
type baselineKind struct{ base }

func (baselineKind) Key() string { return "baseline" }

func (baselineKind) Check(c Checker, s *spec.Signal) model.Signal {
	b := s.Baseline
	text, by, known, ok := checkExpr(c, b.Expr, &b.Node, "signal.baseline.expr")
	if !ok {
		return nil
	}
	return &model.BaselineSignal{Expr: text, Window: c.Window(b.Window, DefaultBaselineWin, "signal.baseline.window"), By: by, ByKnown: known}
}

func (baselineKind) Operation(sig model.Signal) string {
	return "baseline" + dur(sig.(*model.BaselineSignal).Window)
}

// Records: the value, NaN (0/0 in an idle hour) and Inf (x/0) dropped
// before they are recorded, then the value over its window's average.
func (baselineKind) Records(sig model.Signal, n Names) []Record {
	s := sig.(*model.BaselineSignal)
	return []Record{
		{n.Base, finite(s.Expr)},
		{n.Record, finite(fmt.Sprintf("%[1]s / avg_over_time(%[1]s[%[2]s])", n.Sel(n.Base), dur(s.Window)))},
	}
}

// Lint: a baseline is its value over its usual value, 1 in a steady
// state, so `above` a threshold under 1, or `below` one over 1, fires all
// the time, and at 1 half the time. Written as a change it is most likely meant
// as 1 plus it (above 0.5: half again the usual value, 1.5).
func (baselineKind) Lint(c Checker, a *model.Alert, _ *spec.Signal) {
	for _, l := range a.Levels {
		t, below := l.Threshold, a.Direction == model.Below
		if below && t < 1 || !below && t > 1 {
			continue
		}
		what, hint := "fires all the time", ""
		if t == 1 {
			what = "fires whenever the value is " + directionWord(a.Direction) + " its own average, about half the time"
		} else if !below && t > 0 {
			hint = fmt.Sprintf("; did you mean %s (%s more than usual)?", num.Format(1+t), num.Format(t))
		}
		c.Errorf(l.Pos, "lint/baseline-usual", "%s %s: a baseline is 1 at the usual value, so %s %s %s%s", a.Name, l.Severity, directionWord(a.Direction), num.Format(t), what, hint)
	}
}

func (baselineKind) AbsentInputs(sig model.Signal, _ string) string {
	return absentOf(promx.Selectors(sig.(*model.BaselineSignal).Expr)...)
}

// Start: after a whole window of history.
func (baselineKind) Start(sig model.Signal, lead time.Duration) time.Duration {
	return sig.(*model.BaselineSignal).Window + lead
}

// input: 100 for a whole window, then 100 x v: the ratio to the window's
// average starts at about v and drifts slowly towards 1. A ratio of rates
// (mean duration, cost per job) is inverted into counters only for the
// failure modes (see generator.rateRatios).
func (baselineKind) input(g *generator, sig model.Signal, v float64, t0, end time.Duration) (built, error) {
	s := sig.(*model.BaselineSignal)
	n0, n := g.steps(t0), g.steps(end-t0)+1
	ser, ok := promx.GaugeSeriesGroup(s.Expr, g.grp())
	if num, den, rw, _, isRatio := promx.RateRatioSeriesGroup(s.Expr, g.grp()); !ok && isRatio && g.rateRatios {
		// Counters whose slopes give 100, then 100 x v once the rate
		// window has moved past t0.
		numV := (&values{}).line(counterBase, 100, n0).cont(100*v, n)
		denV := (&values{}).line(counterBase, 1, n0).cont(1, n)
		return built{series: []scenario.Series{{Series: num, Values: numV.String()}, {Series: den, Values: denV.String()}}, shape: rising, window: rw}, nil
	}
	if !ok {
		return built{}, fmt.Errorf("signal.baseline.expr %q is not of the form agg by (...) (selector), which slo can invert; write a scenario under tests/", s.Expr)
	}
	vals := (&values{}).line(100, 0, n0).line(100*v, 0, n)
	return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}}, nil
}

// held: the value's new samples enter the average it is divided by, so
// after a step from the usual level to m times it, the ratio drifts from m
// back towards 1. With n samples in the window (it is left-open: w/step of
// them; history+d over step when the history is shorter, one fewer than
// there are, which errs towards a faster drift in either direction) of
// which k are at the new level, it is r(m) = m n / (n + (m-1) k). A step
// to v is kept when r(v) at the end of d is still past mid, the midpoint
// between thr and v; otherwise the step is to the m with r(m) = mid, m =
// mid (n-k) / (n - mid k), rounded away from 1 to three significant
// digits, so the ratio is past mid from the step to the end. None exists
// when the average catches up with any step within d: n <= mid k for a
// rise (a short window, a high threshold, a long `for`). For a ratio of
// rates the value ramps up over the rate window, whose samples count half
// (pass d less half the rate window).
func (baselineKind) held(sig model.Signal, v, thr float64, dir model.Direction, history, d, step time.Duration) (float64, bool) {
	w := sig.(*model.BaselineSignal).Window
	k := float64(d/step) + 1
	n := float64(min(w, history+d) / step)
	mid := (thr + v) / 2
	if model.Past(dir, v*n/(n+(v-1)*k), mid) {
		return v, true
	}
	if n <= k || n <= mid*k {
		return 0, false
	}
	m := mid * (n - k) / (n - mid*k)
	p := math.Pow(10, 2-math.Floor(math.Log10(m)))
	if dir == model.Below {
		return math.Floor(m*p) / p, true
	}
	return math.Ceil(m*p) / p, true
}

func (baselineKind) failures(g *generator, a *model.Alert) {
	g.baselineIdle(a, a.Signal.(*model.BaselineSignal))
}

// baselineIdle: an idle hour (0/0 = NaN) and an hour with no denominator
// (x/0 = +Inf) in the baseline's history must not blind it to a real
// anomaly after them, nor fire by themselves.
func (g *generator) baselineIdle(a *model.Alert, s *model.BaselineSignal) {
	num_, den, rateWin, by, ok := promx.RateRatioSeries(s.Expr)
	if !ok {
		return
	}
	fire, _ := clearValues(a)
	l := a.Levels[0]
	hist := g.steps(s.Window)
	rw := g.steps(rateWin)
	hour := max(g.steps(time.Hour), rw)
	// History at a ratio of 1 with an idle hour and a no-denominator hour in
	// the middle (or as late as they fit), then the anomaly at fire x the
	// usual ratio, held past the threshold (held) though the window's
	// average takes it in and the two hours' samples are not in it.
	mid := min(hist/2, hist-5*hour)
	if mid < 1 {
		g.unc = append(g.unc, scenario.Uncovered{Alert: a.Name, Pos: a.Pos, Why: fmt.Sprintf("failure mode %s: a %s window is too short to hold an idle hour and an hour without %s three hours apart", FamilyIdle, promx.FormatDuration(s.Window), metricOf(den))})
		return
	}
	t0 := time.Duration(hist+leadSteps) * g.step
	anomaly := rateWin + l.For + 2*time.Duration(tailSteps)*g.step
	// The idle hour (NaN) and the hour without a denominator (+Inf) are
	// not in the average, and the large finite ratios after the latter
	// are: held is asked as if the window held two hours fewer samples.
	short := *s
	short.Window -= 2 * time.Duration(hour) * g.step
	m, ok := Of(s).held(&short, fire, l.Threshold, a.Direction, t0-2*time.Duration(hour)*g.step, anomaly-rateWin/2, g.step)
	if !ok {
		g.unc = append(g.unc, scenario.Uncovered{Alert: a.Name, Pos: a.Pos, Why: fmt.Sprintf("failure mode %s: no step in the input keeps the signal %s %s for %s: the %s average catches up with it sooner", FamilyIdle, directionWord(a.Direction), num.Format(l.Threshold), promx.FormatDuration(anomaly), promx.FormatDuration(s.Window))})
		return
	}
	fire = m
	segs := func(numer bool) []segment {
		return []segment{
			{e: 0, rate: requestRate, n: mid},
			{e: 0, rate: 0, n: hour},
			{e: 0, rate: requestRate, n: 3 * hour},
			{e: 0, rate: map[bool]float64{true: requestRate, false: 0}[numer], n: hour},
			{e: 0, rate: requestRate, n: hist - mid - 5*hour + leadSteps},
			{e: 0, rate: requestRate * map[bool]float64{true: fire, false: 1}[numer], n: rw + g.steps(l.For) + 2*tailSteps},
		}
	}
	one := func(float64) float64 { return requestRate }
	numC := []counter{{num_, one}}
	denC := []counter{{den, one}}
	sc := g.failure(a, FamilyIdle, fmt.Sprintf("an idle hour (0/0) and an hour without %s (x/0) in the %s history, then %sx the usual value: fires %s", metricOf(den), promx.FormatDuration(s.Window), num.Format(fire), l.Severity))
	sc.Series = append(counterSeries(numC, 0, segs(true)), counterSeries(denC, 0, segs(false))...)
	labels := byLabels(by, "x")
	// Until the hour without a denominator: after it, cost per job really
	// is high for a while (cost accrued while no job finished).
	g.silent(sc, a, 0, time.Duration(mid+4*hour)*g.step, nil)
	g.fires(sc, a, l, t0, t0+rateWin+l.For+2*time.Duration(tailSteps)*g.step, labels)
}
