package signal

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
)

// Failure-mode scenarios. The threshold scenarios of generate.go hold a
// signal at a well-formed constant: they prove the rule equals the spec.
// These feed what production produces every week (an input that is absent
// or vanishes, an idle hour before an anomaly, a handful of events, one
// group of many misbehaving, a group that only one side of a ratio has, a
// state gauge with more than two values, counter resets and scrape gaps)
// and take the verdict from what the signal means, not from the compiled
// rule: the value the input is built to have (an error ratio of bad over
// all events, a share of time up, a count of events, a value against its
// usual level) is clearly past the most severe threshold, or clearly short
// of every threshold, and the alert must fire or stay silent accordingly.

// Family names a failure mode; it prefixes the scenario's name.
const (
	FamilyAbsent    = "absent input"
	FamilyVanish    = "vanishing input"
	FamilyIdle      = "idle before an anomaly"
	FamilyLowVolume = "low volume"
	FamilyOneOfMany = "one of many"
	FamilyOneSided  = "one-sided group"
	FamilyStates    = "state cycling"
	FamilyResets    = "counter resets and gaps"
	FamilyDip       = "brief dip"
	FamilyAllSlow   = "every request slow"
	FamilyMonthEnd  = "month boundary"
)

// staleness is how long Prometheus still returns a series after its last
// sample.
const staleness = 5 * time.Minute

// missed is how many samples a scrape gap leaves out: three, or fewer
// where the evaluations inside three would see the series stale (at an
// evaluation interval of 1m40s or more), which is absent input, not a
// gap, and fires an alert with on_absent: fire.
func (g *generator) missed() int {
	k := 3
	for k > 0 && time.Duration(k)*g.step >= staleness {
		k--
	}
	return k
}

// clearValues returns a value clearly past the most severe threshold and
// one clearly short of the least severe: twice or half the threshold,
// whichever lies on the right side of it (one away from a threshold of 0).
// Ratios and shares of time stay inside [0, 1]: halfway from the threshold
// to the bound.
func clearValues(a *model.Alert) (fire, silent float64) {
	most, least := a.Levels[0].Threshold, a.Levels[len(a.Levels)-1].Threshold
	up := a.Direction != model.Below
	fire, silent = beyond(most, up), beyond(least, !up)
	if Of(a.Signal).Bounded() {
		bound := func(thr float64, up bool) float64 {
			if up {
				return (thr + 1) / 2
			}
			return thr / 2
		}
		if fire > 1 || fire < 0 {
			fire = bound(most, up)
		}
		if silent > 1 || silent < 0 {
			silent = bound(least, !up)
		}
	}
	if floor, ok := Of(a.Signal).Floor(a.Signal); ok {
		// The floor is past every threshold below that is above it.
		fire, silent = max(fire, floor), max(silent, floor)
	}
	return num.Round(fire), num.Round(silent)
}

// beyond returns a value clearly above thr (up) or clearly below it.
func beyond(thr float64, up bool) float64 {
	a, b := thr*2, thr/2
	if thr == 0 {
		a, b = 1, -1
	}
	if up {
		return max(a, b)
	}
	return min(a, b)
}

// failures generates the failure-mode scenarios of a threshold or status
// alert.
func (g *generator) failures(a *model.Alert) {
	if len(a.Levels) == 0 || a.Signal == nil {
		return
	}
	if a.Direction == model.Condition {
		Of(a.Signal).failures(g, a)
		return
	}
	g.absentFailures(a)
	if by, known := a.Signal.Labels(); known && len(by) > 0 {
		g.oneOfMany(a, by)
	}
	Of(a.Signal).failures(g, a)
}

// scenario starts a failure-mode scenario of alert a.
func (g *generator) failure(a *model.Alert, family, what string) *scenario.Scenario {
	s := &scenario.Scenario{
		Name:      fmt.Sprintf("%s: failure mode %s: %s", a.Name, family, what),
		Pos:       a.Pos,
		Generated: true,
		Family:    family,
		Interval:  g.step,
	}
	g.out = append(g.out, s)
	return s
}

func (g *generator) fires(s *scenario.Scenario, a *model.Alert, l model.Level, from, to time.Duration, labels map[string]string) {
	sel := map[string]string{"severity": string(l.Severity)}
	for k, v := range labels {
		sel[k] = v
	}
	s.Ranges = append(s.Ranges, scenario.AlertRange{Kind: scenario.FiresWithin, Alertname: a.Name, Labels: sel, From: from, To: to, Pos: l.Pos})
}

func (g *generator) silent(s *scenario.Scenario, a *model.Alert, from, to time.Duration, labels map[string]string) {
	s.Ranges = append(s.Ranges, scenario.AlertRange{Kind: scenario.NeverFires, Alertname: a.Name, Labels: labels, From: from, To: to, Pos: a.Pos})
}

// unrelated is a series no signal reads, so that a scenario with absent
// input still has data to evaluate over.
func unrelated(n int) scenario.Series {
	return scenario.Series{Series: `slo_scenario_unrelated{slo_scenario="unrelated"}`, Values: (&values{}).line(1, 0, n).String()}
}

// absentVerdict is what an alert must do while its input is absent: the
// level it must reach, or nil for silence.
func absentVerdict(a *model.Alert) *model.Level {
	if a.OnAbsent == model.AbsentFire {
		return &a.Levels[0]
	}
	if a.OnAbsent == model.AbsentSilent {
		return nil
	}
	if v, known, _ := AbsentValue(a.Signal); known {
		for i, l := range a.Levels {
			if model.Past(a.Direction, v, l.Threshold) {
				return &a.Levels[i]
			}
		}
	}
	return nil
}

// settle is how long after its input starts a failure-mode scenario that
// starts it after a lead (or after a spell without it) judges its alert:
// an alert with on_absent: fire rightly fires while the input is absent,
// so it is judged once the input is in and that firing has resolved,
// keep_firing_for and two evaluations later; 0 for other alerts. The
// scenario's spans are lengthened by it, to judge as long as without it.
func (g *generator) settle(a *model.Alert) time.Duration {
	if a.OnAbsent != model.AbsentFire {
		return 0
	}
	var keep time.Duration
	for _, l := range a.Levels {
		keep = max(keep, l.KeepFiringFor)
	}
	return keep + 2*g.step
}

// judgedFrom is when a failure-mode scenario whose input starts at in
// judges its alert, if not before from: see settle.
func (g *generator) judgedFrom(a *model.Alert, in, from time.Duration) time.Duration {
	if a.OnAbsent != model.AbsentFire {
		return from
	}
	return max(from, in+g.settle(a))
}

func (g *generator) longestFor(a *model.Alert) time.Duration {
	var d time.Duration
	for _, l := range a.Levels {
		d = max(d, l.For)
	}
	return d
}

// absentFailures: the input never existed, and the input vanishes after a
// healthy stretch.
func (g *generator) absentFailures(a *model.Alert) {
	want := absentVerdict(a)
	tail := time.Duration(tailSteps) * g.step
	end := g.longestFor(a) + staleness + tail
	meaning := "silent (no value without input)"
	if a.OnAbsent == model.AbsentSilent {
		meaning = "silent (on_absent: silent)"
	}
	if want != nil {
		meaning = "fires " + string(want.Severity)
	}
	s := g.failure(a, FamilyAbsent, "no input series from the start: "+meaning)
	s.Series = []scenario.Series{unrelated(g.steps(end) + 1)}
	if want != nil {
		g.fires(s, a, *want, 0, want.For+staleness+2*g.step, nil)
	} else {
		g.silent(s, a, 0, end, nil)
	}

	// Healthy, then gone: the signal's windows still hold the old samples
	// for a while, so the verdict is judged once they have aged out.
	_, healthy := clearValues(a)
	w := g.windowOf(a.Signal)
	if u, ok := a.Signal.(*model.UptimeSignal); ok {
		w = u.Window
	}
	settled := g.start(a.Signal) + w + g.longestFor(a) + a.Levels[0].KeepFiringFor + 2*g.step
	stop := settled + 2*tail
	b, err := g.build(a.Signal, healthy, g.start(a.Signal), stop)
	if err != nil {
		return
	}
	for i := range b.series {
		b.series[i].Values = truncateValues(b.series[i].Values, g.steps(stop)+1)
	}
	horizon := stop + w + staleness + g.longestFor(a) + tail
	v := g.failure(a, FamilyVanish, fmt.Sprintf("healthy at %s, then every input series ends: %s", num.Format(healthy), meaning))
	v.Series = append(b.series, unrelated(g.steps(horizon)+1))
	g.silent(v, a, settled, stop, nil)
	if want != nil {
		g.fires(v, a, *want, stop, horizon, nil)
		return
	}
	quiet := stop
	if a.Direction == model.Below && w > 0 {
		// A rate over a window falls as the window empties: past a
		// threshold below, on its way to no value (a month's projected
		// revenue once the counter is gone). The verdict is that of no
		// value, once the window is empty.
		quiet = stop + w + staleness + a.Levels[0].KeepFiringFor + 2*g.step
	}
	g.silent(v, a, quiet, horizon, nil)
}

// truncateValues cuts promtool series notation after n samples by
// expanding it; a series whose samples stop goes stale like a vanished
// target.
func truncateValues(vals string, n int) string {
	var out []string
	count := 0
	for _, part := range valueParts(vals) {
		if count >= n {
			break
		}
		k := 1
		if i := strings.LastIndex(part, "x"); i > 0 && !strings.HasSuffix(part, "}}") {
			fmt.Sscanf(part[i+1:], "%d", &k)
			k++
		}
		if count+k <= n {
			out = append(out, part)
			count += k
			continue
		}
		keep := n - count
		i := strings.LastIndex(part, "x")
		out = append(out, part[:i+1]+fmt.Sprint(keep-1))
		count = n
	}
	return strings.Join(out, " ")
}

// valueParts splits promtool series notation into its space-separated
// parts, keeping a native histogram ({{schema:0 count:4 ...}}) whole.
func valueParts(vals string) []string {
	var out []string
	depth, start := 0, -1
	for i, r := range vals {
		switch {
		case r == '{':
			depth++
		case r == '}':
			depth--
		}
		if r == ' ' && depth == 0 {
			if start >= 0 {
				out = append(out, vals[start:i])
			}
			start = -1
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, vals[start:])
	}
	return out
}

func byLabels(by []string, value string) map[string]string {
	m := map[string]string{}
	for _, l := range by {
		m[l] = value
	}
	return m
}

// segment is a stretch of a counter scenario: n samples at error ratio e
// with rate events per sample (0: idle), then optionally a reset to zero.
type segment struct {
	e, rate float64
	n       int
	gap     bool // the n samples are missing (a scrape gap)
	reset   bool // the counters restart from zero after the segment
}

// segLen is the number of samples segments write.
func segLen(segs []segment) int {
	n := 0
	for _, s := range segs {
		n += s.n
		if s.reset {
			n++
		}
	}
	return n
}

// feed writes the input series of a share of events through segments.
type feed interface {
	series(lead int, segs []segment) []scenario.Series
}

// counters are the float counters of a ratio; see counterSeries.
type counters []counter

func (cs counters) series(lead int, segs []segment) []scenario.Series {
	return counterSeries(cs, lead, segs)
}

// counterSeries writes counters through segments, starting after lead
// missing samples.
func counterSeries(cs []counter, lead int, segs []segment) []scenario.Series {
	var out []scenario.Series
	for _, c := range cs {
		v := (&values{}).gap(lead)
		cur := counterBase
		first := true
		for _, sg := range segs {
			step := c.rate(sg.e) * sg.rate / requestRate
			switch {
			case sg.gap:
				v.gap(sg.n)
				cur += step * float64(sg.n)
			case first:
				v.line(cur, step, sg.n)
				first = false
				cur = v.last
			default:
				v.line(cur+step, step, sg.n)
				cur = v.last
			}
			if sg.reset {
				cur = 0
				v.line(0, 0, 1)
			}
		}
		out = append(out, scenario.Series{Series: c.series, Values: v.String()})
	}
	return out
}

func metricOf(sel string) string {
	if i := strings.IndexByte(sel, '{'); i >= 0 {
		return sel[:i]
	}
	return sel
}

// oneOfMany: one group of three past the most severe threshold, the
// others clearly healthy; the alert fires for that group with its labels
// and for no other.
func (g *generator) oneOfMany(a *model.Alert, by []string) {
	fire, healthy := clearValues(a)
	l := a.Levels[0]
	t0 := g.start(a.Signal)
	w := g.windowOf(a.Signal)
	b, isBaseline := a.Signal.(*model.BaselineSignal)
	if isBaseline {
		// A baseline has no window of its own (w is 0); a ratio of
		// rates ramps up over its rate window.
		if _, _, rw, _, isRatio := promx.RateRatioSeries(b.Expr); isRatio {
			w = rw
		}
	}
	end := t0 + w + l.For + time.Duration(tailSteps)*g.step
	if isBaseline {
		h, m, ok := g.groupingHistory(a, b, fire, t0-b.Window, end-t0, w)
		if !ok {
			g.unc = append(g.unc, scenario.Uncovered{Alert: a.Name, Pos: a.Pos, Why: fmt.Sprintf("failure mode %s: no step in the input keeps the signal %s %s for %s: the %s average catches up with it sooner", FamilyOneOfMany, directionWord(a.Direction), num.Format(l.Threshold), promx.FormatDuration(end-t0), promx.FormatDuration(b.Window))})
			return
		}
		t0, end = t0-b.Window+h, end-b.Window+h
		fire = m
	}
	// groups builds the three groups' series up to end, and reports the
	// last one's shape (they all have the same).
	groups := func() ([]scenario.Series, built, bool) {
		var series []scenario.Series
		var one built
		for _, grp := range []string{"bad", "ok1", "ok2"} {
			v := healthy
			if grp == "bad" {
				v = fire
			}
			var err error
			g.group, g.rateRatios = grp, true
			one, err = g.build(a.Signal, v, t0, end)
			g.group, g.rateRatios = "", false
			if err != nil {
				g.unc = append(g.unc, scenario.Uncovered{Alert: a.Name, Pos: a.Pos, Why: "failure mode " + FamilyOneOfMany + ": " + err.Error()})
				return nil, one, false
			}
			series = append(series, one.series...)
		}
		return series, one, true
	}
	series, last, ok := groups()
	if !ok {
		return
	}
	// quiet is when the healthy groups are judged from: a signal that
	// rises from 0 past the threshold (an increase below 5) fires for
	// every group until its window is full, and keeps firing for
	// keep_firing_for, as level's early does; the scenario runs past it.
	quiet := time.Duration(0)
	if last.shape == rising && model.Past(a.Direction, 0, a.Levels[len(a.Levels)-1].Threshold) {
		for _, lv := range a.Levels {
			quiet = max(quiet, t0+last.window+lv.KeepFiringFor+2*g.step)
		}
		if e := quiet + time.Duration(tailSteps)*g.step; e > end {
			end = e
			if series, _, ok = groups(); !ok {
				return
			}
		}
	}
	if len(dedupe(series)) < len(series) {
		// The selector pins the grouping labels: there is one group.
		return
	}
	sc := g.failure(a, FamilyOneOfMany, fmt.Sprintf("%s=bad at %s, two others at %s: fires %s for bad only", strings.Join(by, ","), num.Format(fire), num.Format(healthy), l.Severity))
	sc.Series = series
	g.fires(sc, a, l, t0, end, byLabels(by, "bad"))
	for _, grp := range []string{"ok1", "ok2"} {
		g.silent(sc, a, quiet, end, byLabels(by, grp))
	}
}

// groupingHistory is how much history a baseline's "one of many" scenario
// gives each group before the bad one's anomaly, and the bad group's level
// then: what the scenario proves is that the alert fires for the bad group
// and for no other, which does not depend on how much of the averaging
// window is filled (the baseline's own scenarios, fires, silent and idle,
// keep the whole window). A day, or 16 times the anomaly's length when
// longer, is taken when a step to fire keeps the bad group's ratio past the
// midpoint between the threshold and fire until the end (baselineKind's
// held); otherwise the whole window, with the step held needs there. On a
// 1w baseline evaluated every minute a day is about a sixth of the steps,
// and the probes of "never fires" each average a sixth of the samples: the
// scenario costs a few percent of the engine work of a week of three
// groups. ramp is the rate window of a ratio of rates (see held); ok is
// false when no step holds the ratio past the threshold.
func (g *generator) groupingHistory(a *model.Alert, b *model.BaselineSignal, fire float64, lead, anomaly, ramp time.Duration) (time.Duration, float64, bool) {
	k, thr := Of(b), a.Levels[0].Threshold
	if h := max(24*time.Hour, 16*anomaly); h < b.Window {
		if m, ok := k.held(b, fire, thr, a.Direction, lead+h, anomaly-ramp/2, g.step); ok && m == fire {
			return h, fire, true
		}
	}
	m, ok := k.held(b, fire, thr, a.Direction, lead+b.Window, anomaly-ramp/2, g.step)
	return b.Window, m, ok
}

// dedupe drops repeated series (a selector that pins every grouping label
// gives the same series for every group).
func dedupe(ss []scenario.Series) []scenario.Series {
	var out []scenario.Series
	for _, s := range ss {
		if !slices.ContainsFunc(out, func(o scenario.Series) bool { return o.Series == s.Series }) {
			out = append(out, s)
		}
	}
	return out
}
