package signal

import (
	"fmt"
	"github.com/slo-compiler/slo/internal/scenario"
	"math"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
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
	// rising: the signal climbs from about zero to the value over the
	// signal's window (increase, rate-based projections).
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

func (g *generator) alert(a *model.Alert) {
	if st, ok := a.Signal.(*model.StatusSignal); ok {
		g.status(a, st)
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
	switch a.Signal.(type) {
	case *model.RatioSignal, *model.UptimeSignal:
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
	b, err := g.build(a.Signal, v, t0, t0+margin+g.windowOf(a.Signal))
	if err != nil {
		g.unc = append(g.unc, scenario.Uncovered{Alert: a.Name, Pos: a.Pos, Why: err.Error()})
		return
	}
	end := t0 + margin + b.window
	sel := map[string]string{"severity": string(l.Severity)}
	rel := "above"
	if a.Direction == model.Below {
		rel = "below"
	}
	s := &scenario.Scenario{
		Name:      fmt.Sprintf("%s %s: %s at %s (threshold: %s %s)", a.Name, l.Severity, verb, num.Format(v), rel, num.Format(l.Threshold)),
		Pos:       l.Pos,
		Generated: true,
		Interval:  g.step,
		Series:    b.series,
		Covers:    []scenario.Cover{{Alert: a.Name, Severity: string(l.Severity), Firing: firing}},
		Probe:     &scenario.Probe{Value: v, Threshold: l.Threshold, At: t0 + b.window + g.step},
	}
	if firing {
		// Silent before the signal starts, then pending and firing after
		// exactly `for`.
		to := t0 + 2*g.step
		if b.shape == rising && a.Direction == model.Above {
			to = t0 + b.window + 2*g.step
		}
		if t0 > 0 {
			s.Ranges = append(s.Ranges, scenario.AlertRange{Kind: scenario.NeverFires, Alertname: a.Name, Labels: sel, From: 0, To: t0 - g.step, Pos: l.Pos})
		}
		s.Ranges = append(s.Ranges, scenario.AlertRange{Kind: scenario.PendingThenFires, Alertname: a.Name, Labels: sel, From: t0, To: to, For: l.For, Pos: l.Pos})
		if b.shape == rising && a.Direction == model.Below {
			// A rising signal starts below every threshold, so it fires
			// early whatever the threshold; it must still be firing once
			// its window is full and it sits at the tested value.
			full := t0 + b.window + l.For + 2*g.step
			s.Ranges = append(s.Ranges, scenario.AlertRange{Kind: scenario.FiresWithin, Alertname: a.Name, Labels: sel, From: full, To: full, Pos: l.Pos})
		}
	} else {
		from := t0
		if b.shape == rising && a.Direction == model.Below {
			// A rising signal starts below every threshold; it is
			// judged once its window is full.
			from = t0 + b.window + l.KeepFiringFor + 2*g.step
		}
		s.Ranges = append(s.Ranges, scenario.AlertRange{Kind: scenario.NeverFires, Alertname: a.Name, Labels: sel, From: from, To: end, Pos: l.Pos})
	}
	g.out = append(g.out, s)
}

// start is when a signal's test regime begins: after a quiet lead, and
// after the history that change and baseline signals compare against.
func (g *generator) start(sig model.Signal) time.Duration {
	lead := time.Duration(leadSteps) * g.step
	switch s := sig.(type) {
	case *model.UptimeSignal:
		// An absent target counts as down: a quiet lead would be recorded
		// as downtime. The share is held from the first evaluation.
		return 0
	case *model.ChangeSignal:
		return s.Offset + lead
	case *model.BaselineSignal:
		return s.Window + lead
	}
	return lead
}

func (g *generator) windowOf(sig model.Signal) time.Duration {
	switch s := sig.(type) {
	case *model.IncreaseSignal:
		return s.Window
	case *model.ProjectionSignal:
		if s.Counter {
			return s.Window
		}
	}
	return 0
}

// build makes series that hold the signal at v from t0 to end, with no
// data (or the history change and baseline compare with) before.
func (g *generator) build(sig model.Signal, v float64, t0, end time.Duration) (built, error) {
	n0, n := g.steps(t0), g.steps(end-t0)+1
	grp := g.group
	if grp == "" {
		grp = "x"
	}
	by := func(ls []string) map[string]string {
		m := map[string]string{}
		for _, l := range ls {
			m[l] = grp
		}
		return m
	}
	switch s := sig.(type) {
	case *model.ExprSignal:
		series, ok := promx.GaugeSeriesGroup(s.Expr, grp)
		if !ok {
			return built{}, fmt.Errorf("signal.expr %q is not of the form agg by (...) (selector), which slo can invert; write a scenario under tests/", s.Expr)
		}
		vals := (&values{}).gap(n0).line(v, 0, n)
		return built{series: []scenario.Series{{Series: series, Values: vals.String()}}}, nil
	case *model.RatioSignal:
		series, err := ratioSeries(s.Bad, s.Good, s.Total, by(s.By), v, n0, n)
		return built{series: series}, err
	case *model.QuantileSignal:
		if v <= 0 {
			return built{}, fmt.Errorf("a quantile threshold must be above zero to be inverted")
		}
		upper := num.Format(v / s.Quantile)
		var series []scenario.Series
		for _, le := range []string{upper, "+Inf"} {
			extra := by(s.By)
			extra["le"] = le
			ser, err := promx.SeriesFor(s.Bucket, extra)
			if err != nil {
				return built{}, err
			}
			vals := (&values{}).gap(n0).line(counterBase, requestRate, n)
			series = append(series, scenario.Series{Series: ser, Values: vals.String()})
		}
		return built{series: series}, nil
	case *model.UptimeSignal:
		ser, err := promx.SeriesFor(s.Selector, by(s.By))
		if err != nil {
			return built{}, err
		}
		// A constant share: avg_over_time of it is the share from the
		// first sample, where a 0/1 pattern would only average out.
		vals := (&values{}).gap(n0).line(v, 0, n)
		return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}}, nil
	case *model.IncreaseSignal:
		ser, err := promx.SeriesFor(s.Counter, by(s.By))
		if err != nil {
			return built{}, err
		}
		perStep := v / float64(g.steps(s.Window))
		vals := (&values{}).gap(n0).line(counterBase, perStep, n)
		return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}, shape: rising, window: s.Window}, nil
	case *model.ProjectionSignal:
		ser, err := promx.SeriesFor(s.Series, by(s.By))
		if err != nil {
			return built{}, err
		}
		if !s.Counter {
			vals := (&values{}).gap(n0).line(v, 0, n)
			return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}}, nil
		}
		perStep := v / s.Horizon.Seconds() * g.step.Seconds()
		vals := (&values{}).gap(n0).line(counterBase, perStep, n)
		return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}, shape: rising, window: s.Window}, nil
	case *model.ChangeSignal:
		ser, ok := promx.GaugeSeriesGroup(s.Expr, grp)
		if !ok {
			return built{}, fmt.Errorf("signal.change.expr %q is not of the form agg by (...) (selector), which slo can invert; write a scenario under tests/", s.Expr)
		}
		// 100 until t0, then 100 x (1 + v): against a week ago, the change
		// is v from t0 for one offset.
		vals := (&values{}).line(100, 0, n0).line(100*(1+v), 0, n)
		return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}}, nil
	case *model.BaselineSignal:
		ser, ok := promx.GaugeSeriesGroup(s.Expr, grp)
		if num, den, rw, _, isRatio := promx.RateRatioSeriesGroup(s.Expr, grp); !ok && isRatio && g.rateRatios {
			// A ratio of rates (mean duration, cost per job): counters whose
			// slopes give 100, then 100 x v once the rate window has moved
			// past t0.
			numV := (&values{}).line(counterBase, 100, n0).cont(100*v, n)
			denV := (&values{}).line(counterBase, 1, n0).cont(1, n)
			return built{series: []scenario.Series{{Series: num, Values: numV.String()}, {Series: den, Values: denV.String()}}, shape: rising, window: rw}, nil
		}
		if !ok {
			return built{}, fmt.Errorf("signal.baseline.expr %q is not of the form agg by (...) (selector), which slo can invert; write a scenario under tests/", s.Expr)
		}
		// 100 for a whole window, then 100 x v: the ratio to the window's
		// average starts at about v and drifts slowly towards 1.
		vals := (&values{}).line(100, 0, n0).line(100*v, 0, n)
		return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}}, nil
	}
	return built{}, fmt.Errorf("slo cannot invert a %T signal", sig)
}

// ratioSeries makes counters whose rates give error ratio v (see
// ratioCounters), starting at sample n0 and growing for n samples.
func ratioSeries(bad, good, total string, extra map[string]string, v float64, n0, n int) ([]scenario.Series, error) {
	cs, err := ratioCounters(bad, good, total, extra)
	if err != nil {
		return nil, err
	}
	var out []scenario.Series
	for _, c := range cs {
		out = append(out, scenario.Series{Series: c.series, Values: (&values{}).gap(n0).line(counterBase, c.rate(v), n).String()})
	}
	return out, nil
}

// status scenarios: down fires, up stays silent, absent fires.
func (g *generator) status(a *model.Alert, st *model.StatusSignal) {
	l := a.Levels[0]
	ser, err := promx.SeriesFor(st.Selector, nil)
	if err != nil {
		g.unc = append(g.unc, scenario.Uncovered{Alert: a.Name, Pos: a.Pos, Why: err.Error()})
		return
	}
	t0 := time.Duration(leadSteps) * g.step
	end := t0 + l.For + l.KeepFiringFor + time.Duration(tailSteps)*g.step
	n0, n := g.steps(t0), g.steps(end-t0)+1
	sel := map[string]string{"severity": string(l.Severity)}
	mk := func(name string, firing bool, series []scenario.Series, ranges ...scenario.AlertRange) {
		g.out = append(g.out, &scenario.Scenario{
			Name: a.Name + " " + string(l.Severity) + ": " + name, Pos: a.Pos, Generated: true, Interval: g.step,
			Series: series, Ranges: ranges,
			Covers: []scenario.Cover{{Alert: a.Name, Severity: string(l.Severity), Firing: firing}},
		})
	}
	upV, downV := statusValues(st)
	up := (&values{}).line(upV, 0, n0+n).String()
	down := (&values{}).line(upV, 0, n0).line(downV[0], 0, n).String()
	upSeries, downSeries := []scenario.Series{{Series: ser, Values: up}}, []scenario.Series{{Series: ser, Values: down}}
	if st.StateLabel != "" && len(st.UpStates) > 0 {
		// One-hot: the up state's series and a down state's series.
		upSer, err1 := promx.SeriesFor(st.Selector, map[string]string{st.StateLabel: st.UpStates[0]})
		downSer, err2 := promx.SeriesFor(st.Selector, map[string]string{st.StateLabel: "slo_down"})
		if err1 != nil || err2 != nil {
			g.unc = append(g.unc, scenario.Uncovered{Alert: a.Name, Pos: a.Pos, Why: "cannot build one-hot series for " + st.Selector})
			return
		}
		ser = upSer
		flip := (&values{}).line(0, 0, n0).line(1, 0, n).String()
		upSeries = []scenario.Series{{Series: upSer, Values: (&values{}).line(1, 0, n0+n).String()}, {Series: downSer, Values: (&values{}).line(0, 0, n0+n).String()}}
		downSeries = []scenario.Series{{Series: upSer, Values: down}, {Series: downSer, Values: flip}}
		up = (&values{}).line(1, 0, n0+n).String()
	}
	mk("fires after "+promx.FormatDuration(l.For)+" when down", true, downSeries,
		scenario.AlertRange{Kind: scenario.NeverFires, Alertname: a.Name, Labels: sel, From: 0, To: t0 - g.step, Pos: a.Pos},
		scenario.AlertRange{Kind: scenario.PendingThenFires, Alertname: a.Name, Labels: sel, From: t0, To: t0 + g.step, For: l.For, Pos: a.Pos})
	mk("stays silent when up", false, upSeries,
		scenario.AlertRange{Kind: scenario.NeverFires, Alertname: a.Name, Labels: sel, From: 0, To: end, Pos: a.Pos})
	if st.Absent {
		// No series at all: absent() is true from the first evaluation.
		other := strings.SplitN(ser, "{", 2)[0] + `{slo_scenario="unrelated"}`
		if promx.SelectorMatches(st.Selector, other) {
			other = "slo_scenario_unrelated"
		}
		mk("fires after "+promx.FormatDuration(l.For)+" when absent", true, []scenario.Series{{Series: other, Values: up}},
			scenario.AlertRange{Kind: scenario.PendingThenFires, Alertname: a.Name, Labels: sel, From: 0, To: g.step, For: l.For, Pos: a.Pos})
	}
}
