package signal

import (
	"fmt"
	"slices"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/spec"
)

// DefaultUptimeWindow is the averaging window of uptime signals.
const DefaultUptimeWindow = 24 * time.Hour

// uptimeKind is the share of a window that a group was up: up at an
// evaluation while any of its series is 1, and down when none is or (for
// groups the selector fixes) when no series matches.
type uptimeKind struct{ base }

func (uptimeKind) Key() string { return "uptime" }

func (uptimeKind) Check(c Checker, s *spec.Signal) model.Signal {
	u := s.Uptime
	sel, ok := c.Selector(u.Selector, &u.Node, "signal.uptime.selector")
	if !ok {
		return nil
	}
	return &model.UptimeSignal{Selector: sel.String(), By: c.By(&u.Node, u.By, "signal.uptime.by"), Window: c.Window(u.Window, DefaultUptimeWindow, "signal.uptime.window"), FixedLabels: sel.EqualityLabels()}
}

func (uptimeKind) Operation(sig model.Signal) string {
	return "avg_over_time" + dur(sig.(*model.UptimeSignal).Window)
}

// Records: the group's up state at each evaluation, an absent target
// counting as down, then its average over the window.
func (uptimeKind) Records(sig model.Signal, n Names) []Record {
	s := sig.(*model.UptimeSignal)
	up := aggBy("max", s.By, s.Selector)
	if fixed(s.By, s.FixedLabels) {
		up += " or " + absentZero(s.By, s.Selector)
	}
	return []Record{
		{n.Base, up},
		{n.Record, fmt.Sprintf("avg_over_time(%s[%s])", n.Sel(n.Base), dur(s.Window))},
	}
}

func (uptimeKind) AbsentInputs(sig model.Signal, _ string) string {
	return absentOf(sig.(*model.UptimeSignal).Selector)
}

// Absent: a target that is gone was not up.
func (uptimeKind) Absent(sig model.Signal) (float64, bool, bool) {
	s := sig.(*model.UptimeSignal)
	return 0, true, fixed(s.By, s.FixedLabels)
}

func (uptimeKind) Bounded() bool { return true }

// Start: an absent target counts as down, so a quiet lead would be
// recorded as downtime; the share is held from the first evaluation.
func (uptimeKind) Start(model.Signal, time.Duration) time.Duration { return 0 }

// input: a constant share; avg_over_time of it is the share from the first
// sample, where a 0/1 pattern would only average out.
func (uptimeKind) input(g *generator, sig model.Signal, v float64, t0, end time.Duration) (built, error) {
	s := sig.(*model.UptimeSignal)
	ser, err := promx.SeriesFor(s.Selector, g.by(s.By))
	if err != nil {
		return built{}, err
	}
	vals := (&values{}).gap(g.steps(t0)).line(v, 0, g.steps(end-t0)+1)
	return built{series: []scenario.Series{{Series: ser, Values: vals.String()}}}, nil
}

// failures: one replica of ten down for the whole window is not downtime
// of the group, which is up while any replica is.
func (uptimeKind) failures(g *generator, a *model.Alert) {
	g.replicas(a, a.Signal.(*model.UptimeSignal))
}

// replicas: one replica of ten down for the whole window is not downtime
// of the group, which is up while any replica is.
func (g *generator) replicas(a *model.Alert, u *model.UptimeSignal) {
	if slices.Contains(u.By, "instance") || a.Direction != model.Below {
		return
	}
	t0 := time.Duration(leadSteps) * g.step
	end := t0 + u.Window + g.longestFor(a) + time.Duration(tailSteps)*g.step
	n := g.steps(end) + 1
	var series []scenario.Series
	for i := range 10 {
		extra := byLabels(u.By, "x")
		extra["instance"] = fmt.Sprintf("replica-%d", i)
		ser, err := promx.SeriesFor(u.Selector, extra)
		if err != nil {
			return
		}
		v := 1.0
		if i == 0 {
			v = 0
		}
		series = append(series, scenario.Series{Series: ser, Values: (&values{}).line(v, 0, n).String()})
	}
	sc := g.failure(a, FamilyOneOfMany, "one replica of ten down for the whole window: silent, the group is up while any replica is")
	sc.Series = series
	g.silent(sc, a, 0, end, nil)
}
