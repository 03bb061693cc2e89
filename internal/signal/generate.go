package signal

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
)

// Generation constants. Counters start high so that Prometheus's
// extrapolation never clamps one series at zero and not another: the
// ratio of two rates then equals the ratio of their slopes exactly.
const (
	counterBase = 1e9
	requestRate = 1000.0 // requests per sample, for ratio signals
	leadSteps   = 10     // quiet samples before a regime starts
	tailSteps   = 10     // samples after the last evaluation that matters
)

// shape says how a signal behaves once its synthetic series start.
type shape int

const (
	// instant: the signal equals the value from the first evaluation at
	// which its series have enough samples (at most one step late).
	instant shape = iota
	// rising: the signal moves from about zero to the value over the
	// signal's window (increase, rate-based projections, a counter's
	// change).
	rising
)

// built is a signal held at a value from t0.
type built struct {
	series []scenario.Series
	shape  shape
	window time.Duration // for rising
}

// generator makes the scenarios of one service.
type generator struct {
	svc  *model.Service
	step time.Duration
	out  []*scenario.Scenario
	unc  []scenario.Uncovered
	// group is the value given to grouping labels of generated series;
	// "x" when empty.
	group string
	// rateRatios lets baseline signals over a ratio of rates be inverted
	// into counters; their value then moves over the rate window, which
	// the exact-timing threshold scenarios cannot take, so only the
	// failure modes (judged over a span) use it.
	rateRatios bool
}

// Generate makes scenarios for every alert and SLO of the service: for each
// threshold level a signal just past it must go pending and fire exactly
// after `for`, and one just short of it must stay silent; for each
// burn-rate window pair, an error ratio at 1.1x its threshold fires and
// 0.9x stays silent, and a spike shorter than the short window stays
// silent. Alerts whose signal cannot be inverted into input series are
// returned as uncovered.
func Generate(svc *model.Service) ([]*scenario.Scenario, []scenario.Uncovered) {
	g := &generator{svc: svc, step: svc.Interval}
	for _, a := range svc.Alerts {
		g.alert(a)
		g.failures(a)
	}
	for _, slo := range svc.SLOs {
		g.slo(slo)
	}
	return g.out, g.unc
}

func (g *generator) steps(d time.Duration) int { return int(d / g.step) }

// onStep is the first evaluation at or after d: a claim about one
// instant must fall on one (`for: 5m` at an interval of 2m does not).
func (g *generator) onStep(d time.Duration) time.Duration {
	return (d + g.step - 1) / g.step * g.step
}

func (g *generator) alert(a *model.Alert) {
	if Of(a.Signal).scenarios(g, a) {
		return
	}
	if _, err := g.build(a.Signal, 1, 0, time.Hour); err != nil {
		g.unc = append(g.unc, scenario.Uncovered{Alert: a.Name, Pos: a.Pos, Why: err.Error()})
		return
	}
	for _, l := range a.Levels {
		g.level(a, l, true)
		g.level(a, l, false)
	}
}

// build makes series that hold the signal at v from t0 to end, with no
// data (or the history it compares against) before; see Kind.input.
func (g *generator) build(sig model.Signal, v float64, t0, end time.Duration) (built, error) {
	return Of(sig).input(g, sig, v, t0, end)
}

// start is when a signal's test regime begins; see Kind.Start.
func (g *generator) start(sig model.Signal) time.Duration {
	return Of(sig).Start(sig, time.Duration(leadSteps)*g.step)
}

// windowOf is how long a signal takes to reach its input's value.
func (g *generator) windowOf(sig model.Signal) time.Duration { return Of(sig).Window(sig) }

// grp is the value given to grouping labels of generated series.
func (g *generator) grp() string {
	if g.group == "" {
		return "x"
	}
	return g.group
}

// by maps each label to grp().
func (g *generator) by(ls []string) map[string]string { return byLabels(ls, g.grp()) }

// testValues returns the values just past (firing) and just short of
// (silent) a threshold, kept inside [0, 1] for signals that are ratios.
func testValues(a *model.Alert, thr float64) (fire, silent float64) {
	d := math.Abs(thr) * 0.1
	if d == 0 {
		d = 0.1
	}
	fire, silent = thr+d, thr-d
	if a.Direction == model.Below {
		fire, silent = thr-d, thr+d
	}
	if Of(a.Signal).Bounded() {
		if fire > 1 {
			fire = (thr + 1) / 2
		}
		if silent > 1 {
			silent = (thr + 1) / 2
		}
		fire, silent = math.Max(fire, 0), math.Max(silent, 0)
	}
	return num.Round(fire), num.Round(silent)
}

// directionWord is how a spec writes the direction: above or below.
func directionWord(d model.Direction) string {
	if d == model.Below {
		return "below"
	}
	return "above"
}

func (g *generator) level(a *model.Alert, l model.Level, firing bool) {
	fire, silent := testValues(a, l.Threshold)
	v := silent
	verb := "stays silent"
	if firing {
		v = fire
		verb = "fires after " + promx.FormatDuration(l.For)
	}
	t0 := g.start(a.Signal)
	margin := l.For + l.KeepFiringFor + time.Duration(tailSteps)*g.step
	if firing {
		m, ok := Of(a.Signal).held(a.Signal, v, l.Threshold, a.Direction, t0, margin+g.windowOf(a.Signal), g.step)
		if !ok {
			g.unc = append(g.unc, scenario.Uncovered{Alert: a.Name, Pos: l.Pos, Why: fmt.Sprintf("%s: no step in the input keeps the signal %s %s for %s: it drifts back towards its usual value sooner (a window short for the threshold and `for`)", l.Severity, directionWord(a.Direction), num.Format(l.Threshold), promx.FormatDuration(margin))})
			return
		}
		v = m
	}
	b, err := g.build(a.Signal, v, t0, t0+margin+g.windowOf(a.Signal))
	if err != nil {
		g.unc = append(g.unc, scenario.Uncovered{Alert: a.Name, Pos: a.Pos, Why: err.Error()})
		return
	}
	end := t0 + margin + b.window
	// A rising signal that starts past the threshold (an increase below
	// 5 starts at 0) fires early whatever the threshold; one that starts
	// short of it crosses it within the window.
	early := b.shape == rising && model.Past(a.Direction, 0, l.Threshold)
	sel := map[string]string{"severity": string(l.Severity)}
	rel := directionWord(a.Direction)
	s := &scenario.Scenario{
		Name:      fmt.Sprintf("%s %s: %s at %s (threshold: %s %s)", a.Name, l.Severity, verb, num.Format(v), rel, num.Format(l.Threshold)),
		Pos:       l.Pos,
		Generated: true,
		Interval:  g.step,
		Series:    b.series,
		Covers:    []scenario.Cover{{Alert: a.Name, Severity: string(l.Severity), Firing: firing}},
		Probe:     &scenario.Probe{Value: v, Threshold: l.Threshold, At: t0 + b.window + g.step},
	}
	if firing && a.OnAbsent == model.AbsentFire {
		// Every level fires while there is no input ("past the
		// threshold or absent"), so before t0 too: judged once the
		// input has filled its window, `for` has passed and the absent
		// alert has resolved.
		full := g.onStep(t0 + b.window + l.For + l.KeepFiringFor + 2*g.step)
		s.Ranges = append(s.Ranges, scenario.AlertRange{Kind: scenario.FiresWithin, Alertname: a.Name, Labels: sel, From: full, To: full, Pos: l.Pos})
	} else if firing {
		// Silent before the signal starts, then pending and firing after
		// exactly `for`.
		to := t0 + 2*g.step
		if b.shape == rising && !early {
			to = t0 + b.window + 2*g.step
		}
		if t0 > 0 {
			s.Ranges = append(s.Ranges, scenario.AlertRange{Kind: scenario.NeverFires, Alertname: a.Name, Labels: sel, From: 0, To: t0 - g.step, Pos: l.Pos})
		}
		s.Ranges = append(s.Ranges, scenario.AlertRange{Kind: scenario.PendingThenFires, Alertname: a.Name, Labels: sel, From: t0, To: to, For: l.For, Pos: l.Pos})
		if early {
			// It must still be firing once its window is full and it
			// sits at the tested value.
			full := g.onStep(t0 + b.window + l.For + 2*g.step)
			s.Ranges = append(s.Ranges, scenario.AlertRange{Kind: scenario.FiresWithin, Alertname: a.Name, Labels: sel, From: full, To: full, Pos: l.Pos})
		}
	} else {
		from := t0
		if early {
			// It is judged once its window is full.
			from = t0 + b.window + l.KeepFiringFor + 2*g.step
		}
		from = g.judgedFrom(a, g.leadGap(b.series), from)
		s.Ranges = append(s.Ranges, scenario.AlertRange{Kind: scenario.NeverFires, Alertname: a.Name, Labels: sel, From: from, To: end, Pos: l.Pos})
	}
	g.out = append(g.out, s)
}

// leadGap is how long the input series are all missing at the start: the
// lead before a regime, 0 for a signal given history from the start.
func (g *generator) leadGap(series []scenario.Series) time.Duration {
	least := -1
	for _, ser := range series {
		n := 0
		for _, p := range valueParts(ser.Values) {
			k, err := strconv.Atoi(strings.TrimPrefix(p, "_x"))
			switch {
			case p == "_":
				n++
				continue
			case strings.HasPrefix(p, "_x") && err == nil:
				n += k
				continue
			}
			break
		}
		if least < 0 || n < least {
			least = n
		}
	}
	return time.Duration(max(least, 0)) * g.step
}
