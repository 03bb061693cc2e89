package signal

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/spec"
)

// ratioKind is bad over total events (or bad over bad plus good), from
// counters, per by group, with an optional traffic floor.
type ratioKind struct{ base }

func (ratioKind) Key() string { return "ratio" }

func (ratioKind) Check(c Checker, s *spec.Signal) model.Signal {
	if r := c.Ratio(s.Ratio, "signal.ratio"); r != nil {
		return r
	}
	return nil
}

func (ratioKind) Operation(sig model.Signal) string {
	return "ratio_rate" + dur(sig.(*model.RatioSignal).Window)
}

func (ratioKind) Records(sig model.Signal, n Names) []Record {
	return []Record{{n.Record, SignalRatioExpr(sig.(*model.RatioSignal))}}
}

// SignalRatioExpr is the error ratio of a ratio signal, with its traffic
// floor. With bad and good and no total, total is their sum, and a group
// that has only one of the counters (a task that only ever failed) still
// gets a ratio.
func SignalRatioExpr(s *model.RatioSignal) string {
	rate := func(sel string) string {
		return aggBy("sum", s.By, fmt.Sprintf("rate(%s[%s])", sel, dur(s.Window)))
	}
	var e, den string
	switch {
	case s.Bad != "" && s.Good != "":
		b, g := rate(s.Bad), rate(s.Good)
		bad := "(" + b + " or " + g + " * 0)"
		den = "(" + bad + " + (" + g + " or " + b + " * 0))"
		e = bad + " / " + den
	default:
		e = RatioExpr(s.Bad, s.Good, s.Total, s.By, s.Window)
		den = rate(s.Total)
	}
	if s.MinTotal > 0 {
		e = "(" + e + ") and " + den + " * " + num.Format(s.Window.Seconds()) + " >= " + num.Format(s.MinTotal)
	}
	return e
}

// RatioExpr is the error ratio of bad (or total minus good) over total,
// from rates over w.
func RatioExpr(bad, good, total string, by []string, w time.Duration) string {
	rate := func(sel string) string { return aggBy("sum", by, fmt.Sprintf("rate(%s[%s])", sel, dur(w))) }
	if bad != "" {
		return rate(bad) + " / " + rate(total)
	}
	return "1 - (" + rate(good) + " / " + rate(total) + ")"
}

// AbsentInputs: no total counter, or neither bad nor good.
func (ratioKind) AbsentInputs(sig model.Signal, _ string) string {
	s := sig.(*model.RatioSignal)
	if s.Total != "" {
		return absentOf(s.Total)
	}
	return "absent(" + s.Bad + ") and on () absent(" + s.Good + ")"
}

// Lint: an alert on a ratio with no traffic floor pages on a handful of
// events at night.
func (ratioKind) Lint(c Checker, a *model.Alert, s *spec.Signal) {
	r := a.Signal.(*model.RatioSignal)
	if r.MinTotal > 0 || a.Direction != model.Above {
		return
	}
	c.Warnf(s.Pos, "lint/no-traffic-floor", "%s judges a ratio on any number of events, so one failure in three pages; add signal.ratio.min_total, the fewest events in %s worth alerting on", a.Name, dur(r.Window))
}

func (ratioKind) Bounded() bool { return true }

// input: counters whose rates give error ratio v (see ratioCounters).
func (ratioKind) input(g *generator, sig model.Signal, v float64, t0, end time.Duration) (built, error) {
	s := sig.(*model.RatioSignal)
	series, err := ratioSeries(s.Bad, s.Good, s.Total, g.by(s.By), v, g.steps(t0), g.steps(end-t0)+1)
	return built{series: series}, err
}

func (ratioKind) failures(g *generator, a *model.Alert) {
	g.ratioFailures(a, a.Signal.(*model.RatioSignal))
}

// ratioFailures: the failures of every share of events (trafficFailures),
// and a group only the bad counter has.
func (g *generator) ratioFailures(a *model.Alert, s *model.RatioSignal) {
	if a.Direction != model.Above {
		return
	}
	extra := byLabels(s.By, "x")
	cs, err := ratioCounters(s.Bad, s.Good, s.Total, extra)
	if err != nil {
		return
	}
	g.trafficFailures(a, counters(cs), s.By, s.Window, s.MinTotal)
	l := a.Levels[0]
	win := g.steps(s.Window)
	lead := leadSteps
	busy := trafficRate(win, s.MinTotal)
	sel := byLabels(s.By, "x")

	// A group that only the bad counter has (a task that never succeeded).
	if s.Bad != "" && s.Good != "" && len(s.By) > 0 {
		bad, err := promx.SeriesFor(s.Bad, extra)
		if err != nil {
			return
		}
		one := []counter{{bad, func(e float64) float64 { return e * requestRate }}}
		os := g.failure(a, FamilyOneSided, fmt.Sprintf("a %s with failures only, no %s series at all: fires %s", strings.Join(s.By, ","), metricOf(s.Good), l.Severity))
		n := win + g.steps(l.For) + 2*tailSteps + g.steps(g.settle(a))
		os.Series = counterSeries(one, lead, []segment{{e: 1, rate: busy, n: n}})
		in := time.Duration(lead) * g.step
		g.fires(os, a, l, g.judgedFrom(a, in, in), time.Duration(lead+n)*g.step, sel)
	}
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

// trafficRate is events per sample enough that a traffic floor is far
// below it.
func trafficRate(win int, minTotal float64) float64 {
	if minTotal > 0 {
		return math.Max(requestRate, 10*minTotal/float64(max(win, 1)))
	}
	return requestRate
}

// trafficFailures are the failure modes of a share of events (a ratio of
// counters, or of requests in a histogram) fed by f: an idle stretch then
// a real anomaly, a handful of events, and counter resets with scrape
// gaps.
func (g *generator) trafficFailures(a *model.Alert, f feed, by []string, window time.Duration, minTotal float64) {
	fire, healthy := clearValues(a)
	l := a.Levels[0]
	win := g.steps(window)
	lead := leadSteps
	tail := time.Duration(tailSteps) * g.step
	busy := trafficRate(win, minTotal)
	sel := byLabels(by, "x")
	// Every input starts after lead samples; with on_absent: fire the
	// alert fires before, and the verdicts hold from judged, settle
	// later, with spans that much longer.
	in := time.Duration(lead) * g.step
	judged, settle := g.judgedFrom(a, in, 0), g.steps(g.settle(a))

	// Idle (no events: 0/0) for an hour, then errors clearly past the
	// most severe threshold.
	idle := max(g.steps(time.Hour), 2*win, settle+win)
	anomaly := win + g.steps(l.For) + 2*tailSteps
	sc := g.failure(a, FamilyIdle, fmt.Sprintf("no traffic for %s, then an error ratio of %s: fires %s", promx.FormatDuration(time.Duration(idle)*g.step), num.Format(fire), l.Severity))
	sc.Series = f.series(lead, []segment{{e: 0, rate: 0, n: idle}, {e: fire, rate: busy, n: anomaly}})
	tAnomaly := time.Duration(lead+idle) * g.step
	g.silent(sc, a, judged, tAnomaly-g.step, nil)
	g.fires(sc, a, l, tAnomaly, tAnomaly+window+l.For+tail, sel)

	// A handful of events, every one failing: below the floor nothing may
	// fire.
	few := 3.0
	if minTotal > 0 {
		few = math.Max(1, math.Floor(minTotal/2))
	}
	span := 4*win + g.steps(g.longestFor(a)) + settle
	perStep := few / float64(max(win, 1))
	lv := g.failure(a, FamilyLowVolume, fmt.Sprintf("%s events in %s, all failing: silent below the traffic floor", num.Format(few), promx.FormatDuration(window)))
	lv.Series = f.series(lead, []segment{{e: 1, rate: perStep, n: span}})
	g.silent(lv, a, judged, time.Duration(lead+span)*g.step, nil)

	// Counter resets and scrape gaps inside the window: the verdicts hold.
	reset := []segment{{e: fire, rate: busy, n: win + g.steps(l.For)/2 + 2, reset: true}, {e: fire, rate: busy, n: g.missed(), gap: true}, {e: fire, rate: busy, n: win + g.steps(l.For) + 2*tailSteps + settle}}
	rs := g.failure(a, FamilyResets, fmt.Sprintf("an error ratio of %s across a counter reset and a scrape gap: fires %s", num.Format(fire), l.Severity))
	rs.Series = f.series(lead, reset)
	g.fires(rs, a, l, max(in, judged), time.Duration(lead+segLen(reset))*g.step, sel)
	quiet := []segment{{e: healthy, rate: busy, n: 2 * win, reset: true}, {e: healthy, rate: busy, n: g.missed(), gap: true}, {e: healthy, rate: busy, n: 2*win + g.steps(g.longestFor(a)) + tailSteps + settle}}
	qs := g.failure(a, FamilyResets, fmt.Sprintf("an error ratio of %s across a counter reset and a scrape gap: silent", num.Format(healthy)))
	qs.Series = f.series(lead, quiet)
	g.silent(qs, a, judged, time.Duration(lead+segLen(quiet))*g.step, nil)
}
