package signal

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/spec"
)

// statusKind is a component that is down: its series is 0 (or, with up
// values, any other value; with a state label, its up state's one-hot
// series is not 1), or absent. With by, a group is down when none of its
// series is up.
type statusKind struct{ base }

func (statusKind) Key() string { return "status" }

func (statusKind) Check(c Checker, s *spec.Signal) model.Signal {
	st := s.Status
	sel, ok := c.Selector(st.Selector, &st.Node, "signal.status.selector")
	if !ok {
		return nil
	}
	m := &model.StatusSignal{
		Selector:     sel.String(),
		Absent:       st.Absent == nil || *st.Absent,
		AbsentLabels: sel.EqualityLabels(),
		By:           c.By(&st.Node, st.By, "signal.status.by"),
		StateLabel:   st.StateLabel,
	}
	if st.StateLabel != "" {
		if !promx.ValidLabelName(st.StateLabel) {
			c.Errorf(st.At("state_label"), "spec/label-name", "signal.status.state_label: %q is not a valid label name", st.StateLabel)
		}
		if slices.Contains(m.By, st.StateLabel) {
			c.Errorf(st.At("by"), "spec/label-name", "signal.status.by: %s is the state label, which the status aggregates away; remove it", st.StateLabel)
		}
		if len(st.UpValues) == 0 {
			c.Errorf(st.At("state_label"), "spec/required", "signal.status.up_values: missing; with state_label, list the states that mean up, e.g. up_values: [closed]")
		}
		m.UpStates = st.UpValues
		m.UpSelector = sel.WithRegexMatcher(st.StateLabel, st.UpValues)
		return m
	}
	for i, s := range st.UpValues {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			c.Errorf(st.At("up_values"), "spec/type", "signal.status.up_values[%d]: expected a number, got %q; for one-hot series with a state label, set state_label", i, s)
			continue
		}
		m.UpValues = append(m.UpValues, f)
	}
	return m
}

func (statusKind) Operation(model.Signal) string { return "up" }

// Records: the selector itself (compared with 0 or the up values by the
// alert), or with by, state_label or up_values and by, a 0/1 health per
// group that is 1 when any series is up.
func (statusKind) Records(sig model.Signal, n Names) []Record {
	s := sig.(*model.StatusSignal)
	return []Record{{n.Record, statusExpr(s)}}
}

func statusExpr(s *model.StatusSignal) string {
	if s.StateLabel != "" {
		// One-hot: the up state's series is 1. An entity whose up-state
		// series is missing (exporters that export only the current state)
		// is down.
		without := func(e string) string { return "max without (" + s.StateLabel + ") (" + e + ")" }
		health := without(s.UpSelector) + " or " + without(s.Selector) + " * 0"
		if len(s.By) > 0 {
			return aggBy("max", s.By, health)
		}
		return health
	}
	if len(s.By) == 0 {
		return s.Selector
	}
	if len(s.UpValues) == 0 {
		return aggBy("max", s.By, s.Selector)
	}
	parts := make([]string, len(s.UpValues))
	for i, v := range s.UpValues {
		parts[i] = "(" + s.Selector + " == bool " + num.Format(v) + ")"
	}
	return aggBy("max", s.By, strings.Join(parts, " + "))
}

// Condition: down, and by default absent.
func (statusKind) Condition(sig model.Signal, sel string) (expr, cond string, ok bool) {
	s := sig.(*model.StatusSignal)
	expr, cond = sel+" == 0", "0 (down)"
	if s.StateLabel == "" && len(s.By) == 0 && len(s.UpValues) > 0 {
		vals := make([]string, len(s.UpValues))
		expr = sel
		for i, v := range s.UpValues {
			expr += " != " + num.Format(v)
			vals[i] = num.Format(v)
		}
		cond = "not " + strings.Join(vals, " or ") + " (down)"
	}
	if s.Absent {
		expr += " or absent(" + s.Selector + ")"
		cond += " or absent"
	}
	return expr, cond, true
}

func (statusKind) AbsentInputs(sig model.Signal, _ string) string {
	return absentOf(sig.(*model.StatusSignal).Selector)
}

// scenarios: down fires, up stays silent, absent fires.
func (statusKind) scenarios(g *generator, a *model.Alert) bool {
	g.status(a, a.Signal.(*model.StatusSignal))
	return true
}

func (statusKind) failures(g *generator, a *model.Alert) {
	g.statusFailures(a, a.Signal.(*model.StatusSignal))
}

// statusValues returns a value that means up and the values that mean down
// for a value-coded status signal.
func statusValues(st *model.StatusSignal) (up float64, down []float64) {
	if len(st.UpValues) == 0 {
		return 1, []float64{0}
	}
	up = st.UpValues[0]
	for v := 0.0; len(down) < 2; v++ {
		if !slices.Contains(st.UpValues, v) {
			down = append(down, v)
		}
	}
	return up, down
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

// statusFailures: every down value (or state) alone and cycling between
// them fires, so `for` is not reset by a change of down state; one series
// of many down fires for that series, or not at all when the status is
// aggregated by group; a series that vanishes fires when absent counts.
func (g *generator) statusFailures(a *model.Alert, st *model.StatusSignal) {
	l := a.Levels[0]
	t0 := time.Duration(leadSteps) * g.step
	end := t0 + l.For + l.KeepFiringFor + time.Duration(tailSteps)*g.step
	n0, n := g.steps(t0), g.steps(end-t0)+1
	sel := map[string]string{"severity": string(l.Severity)}
	pattern := func(first float64, rest []float64) string {
		v := (&values{}).line(first, 0, n0)
		for i := range n {
			v.line(rest[i%len(rest)], 0, 1)
		}
		return v.String()
	}
	if st.StateLabel != "" {
		if len(st.UpStates) == 0 {
			return
		}
		upSer, err1 := promx.SeriesFor(st.Selector, map[string]string{st.StateLabel: st.UpStates[0]})
		d1, err2 := promx.SeriesFor(st.Selector, map[string]string{st.StateLabel: "slo_down_a"})
		d2, err3 := promx.SeriesFor(st.Selector, map[string]string{st.StateLabel: "slo_down_b"})
		if err1 != nil || err2 != nil || err3 != nil {
			return
		}
		sc := g.failure(a, FamilyStates, "one-hot state cycling between two down states: fires "+string(l.Severity))
		sc.Series = []scenario.Series{
			{Series: upSer, Values: pattern(1, []float64{0})},
			{Series: d1, Values: pattern(0, []float64{1, 0})},
			{Series: d2, Values: pattern(0, []float64{0, 1})},
		}
		sc.Ranges = append(sc.Ranges, scenario.AlertRange{Kind: scenario.NeverFires, Alertname: a.Name, Labels: sel, From: 0, To: t0 - g.step, Pos: a.Pos},
			scenario.AlertRange{Kind: scenario.PendingThenFires, Alertname: a.Name, Labels: sel, From: t0, To: t0 + g.step, For: l.For, Pos: a.Pos})
		return
	}
	ser, err := promx.SeriesFor(st.Selector, byLabels(st.By, "x"))
	if err != nil {
		return
	}
	up, down := statusValues(st)
	if len(st.UpValues) > 0 {
		for _, d := range down[1:] {
			sc := g.failure(a, FamilyStates, fmt.Sprintf("stuck at %s (neither up value): fires %s", num.Format(d), l.Severity))
			sc.Series = []scenario.Series{{Series: ser, Values: pattern(up, []float64{d})}}
			sc.Ranges = append(sc.Ranges, scenario.AlertRange{Kind: scenario.PendingThenFires, Alertname: a.Name, Labels: sel, From: t0, To: t0 + g.step, For: l.For, Pos: a.Pos})
		}
		sc := g.failure(a, FamilyStates, fmt.Sprintf("cycling %s, %s every sample: fires %s after %s", num.Format(down[0]), num.Format(down[1]), l.Severity, promx.FormatDuration(l.For)))
		sc.Series = []scenario.Series{{Series: ser, Values: pattern(up, down)}}
		sc.Ranges = append(sc.Ranges, scenario.AlertRange{Kind: scenario.PendingThenFires, Alertname: a.Name, Labels: sel, From: t0, To: t0 + g.step, For: l.For, Pos: a.Pos})
	}
	// One of three instances down.
	var series []scenario.Series
	for _, inst := range []string{"down-1", "up-1", "up-2"} {
		extra := byLabels(st.By, "x")
		extra["instance"] = inst
		if slices.Contains(st.By, "instance") {
			continue
		}
		s, err := promx.SeriesFor(st.Selector, extra)
		if err != nil {
			return
		}
		vals := pattern(up, []float64{up})
		if inst == "down-1" {
			vals = pattern(up, []float64{down[0]})
		}
		series = append(series, scenario.Series{Series: s, Values: vals})
	}
	if len(series) == 3 {
		if len(st.By) > 0 {
			sc := g.failure(a, FamilyOneOfMany, fmt.Sprintf("one of three instances down: silent, the %s is up while any is", strings.Join(st.By, ",")))
			sc.Series = series
			g.silent(sc, a, 0, end, nil)
		} else {
			sc := g.failure(a, FamilyOneOfMany, "one of three instances down: fires "+string(l.Severity)+" for that instance only")
			sc.Series = series
			g.fires(sc, a, l, t0, end, map[string]string{"instance": "down-1"})
			g.silent(sc, a, 0, end, map[string]string{"instance": "up-1"})
			g.silent(sc, a, 0, end, map[string]string{"instance": "up-2"})
		}
	}
	// Up, then the series vanishes (target gone from service discovery).
	stop := t0
	horizon := stop + staleness + l.For + time.Duration(tailSteps)*g.step
	vs := g.failure(a, FamilyVanish, "up, then the series ends: "+map[bool]string{true: "fires " + string(l.Severity), false: "silent (absent: false)"}[st.Absent])
	vs.Series = []scenario.Series{{Series: ser, Values: (&values{}).line(up, 0, g.steps(stop)+1).String()}, unrelated(g.steps(horizon) + 1)}
	g.silent(vs, a, 0, stop, nil)
	if st.Absent {
		g.fires(vs, a, l, stop, horizon, nil)
	} else {
		g.silent(vs, a, stop, horizon, nil)
	}
}
