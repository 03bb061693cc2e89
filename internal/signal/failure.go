package signal

import (
	"fmt"
	"github.com/slo-compiler/slo/internal/scenario"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
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
)

// staleness is how long Prometheus still returns a series after its last
// sample.
const staleness = 5 * time.Minute

// clearValues returns a value clearly past the most severe threshold and
// one clearly short of the least severe, kept in [0, 1] for ratios and
// shares of time.
func clearValues(a *model.Alert) (fire, silent float64) {
	most, least := a.Levels[0].Threshold, a.Levels[len(a.Levels)-1].Threshold
	far := func(thr float64, away bool) float64 {
		// away: further from zero in the firing direction.
		switch {
		case thr == 0:
			if away {
				return 1
			}
			return -1
		case away == (thr > 0):
			return thr * 2
		default:
			return thr / 2
		}
	}
	if a.Direction == model.Below {
		fire, silent = far(most, false), far(least, true)
		if most > 0 {
			fire = most / 2
		} else {
			fire = most*2 - 0.1
		}
		if least >= 0 {
			silent = least*2 + 1
		} else {
			silent = least / 2
		}
	} else {
		fire, silent = far(most, true), far(least, false)
		if most <= 0 {
			fire = most/2 + 1
		}
		if least <= 0 {
			silent = least*2 - 1
		}
	}
	switch a.Signal.(type) {
	case *model.RatioSignal, *model.UptimeSignal:
		if fire > 1 || fire < 0 {
			fire = (most + float64(btoi(a.Direction == model.Above))) / 2
		}
		if silent > 1 || silent < 0 {
			silent = (least + float64(btoi(a.Direction == model.Below))) / 2
		}
	}
	return num.Round(fire), num.Round(silent)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// failures generates the failure-mode scenarios of a threshold or status
// alert.
func (g *generator) failures(a *model.Alert) {
	if len(a.Levels) == 0 || a.Signal == nil {
		return
	}
	if st, ok := a.Signal.(*model.StatusSignal); ok {
		g.statusFailures(a, st)
		return
	}
	if a.Direction == model.Condition {
		return
	}
	g.absentFailures(a)
	switch s := a.Signal.(type) {
	case *model.RatioSignal:
		g.ratioFailures(a, s)
	case *model.BaselineSignal:
		g.baselineIdle(a, s)
	case *model.IncreaseSignal:
		g.resetFailures(a)
	}
	if by, known := a.Signal.Labels(); known && len(by) > 0 {
		g.oneOfMany(a, by)
	}
	if u, ok := a.Signal.(*model.UptimeSignal); ok {
		g.replicas(a, u)
	}
	if a.Levels[0].KeepFiringFor > 0 {
		g.dip(a)
	}
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
	if v, known, _ := model.AbsentValue(a.Signal); known {
		for i, l := range a.Levels {
			if model.Past(a.Direction, v, l.Threshold) {
				return &a.Levels[i]
			}
		}
	}
	return nil
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
	t0 := time.Duration(leadSteps) * g.step
	w := g.windowOf(a.Signal)
	if u, ok := a.Signal.(*model.UptimeSignal); ok {
		w = u.Window
	}
	_ = t0
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
	} else {
		g.silent(v, a, stop, horizon, nil)
	}
}

// truncateValues cuts promtool series notation after n samples by
// expanding it; a series whose samples stop goes stale like a vanished
// target.
func truncateValues(vals string, n int) string {
	var out []string
	count := 0
	for _, part := range strings.Fields(vals) {
		if count >= n {
			break
		}
		k := 1
		if i := strings.LastIndex(part, "x"); i > 0 {
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

// ratioCountersOf returns the counters of a ratio signal for one group.
func ratioCountersOf(s *model.RatioSignal, extra map[string]string) ([]counter, error) {
	return ratioCounters(s.Bad, s.Good, s.Total, extra)
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

// ratioFailures: an idle stretch then a real anomaly, a handful of
// events, a group only the bad counter has, and counter resets with scrape
// gaps.
func (g *generator) ratioFailures(a *model.Alert, s *model.RatioSignal) {
	if a.Direction != model.Above {
		return
	}
	fire, healthy := clearValues(a)
	extra := byLabels(s.By, "x")
	cs, err := ratioCountersOf(s, extra)
	if err != nil {
		return
	}
	l := a.Levels[0]
	win := g.steps(s.Window)
	lead := leadSteps
	tail := time.Duration(tailSteps) * g.step
	// Enough traffic that the floor is far below it.
	busy := requestRate
	if s.MinTotal > 0 {
		busy = math.Max(requestRate, 10*s.MinTotal/float64(max(win, 1)))
	}
	sel := byLabels(s.By, "x")

	// Idle (no events: 0/0) for an hour, then errors clearly past the
	// most severe threshold.
	idle := max(g.steps(time.Hour), 2*win)
	anomaly := win + g.steps(l.For) + 2*tailSteps
	sc := g.failure(a, FamilyIdle, fmt.Sprintf("no traffic for %s, then an error ratio of %s: fires %s", promx.FormatDuration(time.Duration(idle)*g.step), num.Format(fire), l.Severity))
	sc.Series = counterSeries(cs, lead, []segment{{e: 0, rate: 0, n: idle}, {e: fire, rate: busy, n: anomaly}})
	tAnomaly := time.Duration(lead+idle) * g.step
	g.silent(sc, a, 0, tAnomaly, nil)
	g.fires(sc, a, l, tAnomaly, tAnomaly+s.Window+l.For+tail, sel)

	// A handful of events, every one failing: below the floor nothing may
	// fire.
	few := 3.0
	if s.MinTotal > 0 {
		few = math.Max(1, math.Floor(s.MinTotal/2))
	}
	span := 4*win + g.steps(g.longestFor(a))
	perStep := few / float64(max(win, 1))
	lv := g.failure(a, FamilyLowVolume, fmt.Sprintf("%s events in %s, all failing: silent below the traffic floor", num.Format(few), promx.FormatDuration(s.Window)))
	lv.Series = counterSeries(cs, lead, []segment{{e: 1, rate: perStep, n: span}})
	g.silent(lv, a, 0, time.Duration(lead+span)*g.step, nil)

	// Counter resets and scrape gaps inside the window: the verdicts hold.
	reset := []segment{{e: fire, rate: busy, n: win + g.steps(l.For)/2 + 2, reset: true}, {e: fire, rate: busy, n: 3, gap: true}, {e: fire, rate: busy, n: win + g.steps(l.For) + 2*tailSteps}}
	rs := g.failure(a, FamilyResets, fmt.Sprintf("an error ratio of %s across a counter reset and a scrape gap: fires %s", num.Format(fire), l.Severity))
	rs.Series = counterSeries(cs, lead, reset)
	g.fires(rs, a, l, time.Duration(lead)*g.step, time.Duration(lead+segLen(reset))*g.step, sel)
	quiet := []segment{{e: healthy, rate: busy, n: 2 * win, reset: true}, {e: healthy, rate: busy, n: 3, gap: true}, {e: healthy, rate: busy, n: 2*win + g.steps(g.longestFor(a)) + tailSteps}}
	qs := g.failure(a, FamilyResets, fmt.Sprintf("an error ratio of %s across a counter reset and a scrape gap: silent", num.Format(healthy)))
	qs.Series = counterSeries(cs, lead, quiet)
	g.silent(qs, a, 0, time.Duration(lead+segLen(quiet))*g.step, nil)

	// A group that only the bad counter has (a task that never succeeded).
	if s.Bad != "" && s.Good != "" && len(s.By) > 0 {
		bad, err := promx.SeriesFor(s.Bad, extra)
		if err != nil {
			return
		}
		one := []counter{{bad, func(e float64) float64 { return e * requestRate }}}
		os := g.failure(a, FamilyOneSided, fmt.Sprintf("a %s with failures only, no %s series at all: fires %s", strings.Join(s.By, ","), metricOf(s.Good), l.Severity))
		os.Series = counterSeries(one, lead, []segment{{e: 1, rate: busy, n: win + g.steps(l.For) + 2*tailSteps}})
		g.fires(os, a, l, time.Duration(lead)*g.step, time.Duration(lead+win+g.steps(l.For)+2*tailSteps)*g.step, sel)
	}
}

func metricOf(sel string) string {
	if i := strings.IndexByte(sel, '{'); i >= 0 {
		return sel[:i]
	}
	return sel
}

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
	segs := []segment{{e: 0, rate: requestRate, n: n / 2, reset: true}, {e: 0, rate: requestRate, n: 3, gap: true}, {e: 0, rate: requestRate, n: n}}
	sc := g.failure(a, FamilyResets, fmt.Sprintf("%s events per %s across a counter reset and a scrape gap: fires %s", num.Format(fire), promx.FormatDuration(s.Window), l.Severity))
	sc.Series = counterSeries(c, leadSteps, segs)
	g.fires(sc, a, l, time.Duration(leadSteps)*g.step, time.Duration(leadSteps+segLen(segs))*g.step, byLabels(s.By, "x"))
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
	// the middle, then the anomaly at fire x the usual ratio.
	mid := hist / 2
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
	t0 := time.Duration(hist+leadSteps) * g.step
	labels := byLabels(by, "x")
	// Until the hour without a denominator: after it, cost per job really
	// is high for a while (cost accrued while no job finished).
	g.silent(sc, a, 0, time.Duration(mid+4*hour)*g.step, nil)
	g.fires(sc, a, l, t0, t0+rateWin+l.For+2*time.Duration(tailSteps)*g.step, labels)
}

// oneOfMany: one group of three past the most severe threshold, the
// others clearly healthy; the alert fires for that group with its labels
// and for no other.
func (g *generator) oneOfMany(a *model.Alert, by []string) {
	fire, healthy := clearValues(a)
	l := a.Levels[0]
	t0 := g.start(a.Signal)
	w := g.windowOf(a.Signal)
	if b, ok := a.Signal.(*model.BaselineSignal); ok {
		if _, _, rw, _, isRatio := promx.RateRatioSeries(b.Expr); isRatio {
			w = rw
		}
	}
	end := t0 + w + l.For + time.Duration(tailSteps)*g.step
	var series []scenario.Series
	for _, grp := range []string{"bad", "ok1", "ok2"} {
		v := healthy
		if grp == "bad" {
			v = fire
		}
		g.group, g.rateRatios = grp, true
		b, err := g.build(a.Signal, v, t0, end)
		g.group, g.rateRatios = "", false
		if err != nil {
			g.unc = append(g.unc, scenario.Uncovered{Alert: a.Name, Pos: a.Pos, Why: "failure mode " + FamilyOneOfMany + ": " + err.Error()})
			return
		}
		series = append(series, b.series...)
	}
	if len(dedupe(series)) < len(series) {
		// The selector pins the grouping labels: there is one group.
		return
	}
	sc := g.failure(a, FamilyOneOfMany, fmt.Sprintf("%s=bad at %s, two others at %s: fires %s for bad only", strings.Join(by, ","), num.Format(fire), num.Format(healthy), l.Severity))
	sc.Series = series
	g.fires(sc, a, l, t0, end, byLabels(by, "bad"))
	for _, grp := range []string{"ok1", "ok2"} {
		g.silent(sc, a, 0, end, byLabels(by, grp))
	}
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

// dip: once firing, a one-sample dip below every threshold shorter than
// keep_firing_for does not resolve the alert.
func (g *generator) dip(a *model.Alert) {
	l := a.Levels[0]
	if l.KeepFiringFor <= g.step {
		return
	}
	fire, healthy := clearValues(a)
	t0 := g.start(a.Signal)
	if g.windowOf(a.Signal) > 0 {
		return // windowed signals do not dip with their input
	}
	if _, isExpr := a.Signal.(*model.ExprSignal); !isExpr {
		return
	}
	firing := t0 + l.For + 2*g.step
	dipAt := firing + 2*g.step
	end := dipAt + l.KeepFiringFor + time.Duration(tailSteps)*g.step
	ser, ok := promx.GaugeSeries(a.Signal.(*model.ExprSignal).Expr)
	if !ok {
		return
	}
	n0 := g.steps(t0)
	vals := (&values{}).gap(n0).line(fire, 0, g.steps(dipAt-t0)).line(healthy, 0, 1).line(fire, 0, g.steps(end-dipAt))
	sc := g.failure(a, FamilyDip, fmt.Sprintf("firing at %s, one sample at %s: keeps firing (keep_firing_for %s)", num.Format(fire), num.Format(healthy), promx.FormatDuration(l.KeepFiringFor)))
	sc.Series = []scenario.Series{{Series: ser, Values: vals.String()}}
	sel := map[string]string{"severity": string(l.Severity)}
	sc.Ranges = append(sc.Ranges, scenario.AlertRange{Kind: scenario.AlwaysFires, Alertname: a.Name, Labels: sel, From: firing, To: end - g.step, Pos: l.Pos})
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
