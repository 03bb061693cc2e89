package signal

import (
	"fmt"
	"slices"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
)

// slo makes the burn-rate scenarios of an SLO. Traffic runs error-free
// long enough that every longer window is diluted by it, then an episode
// at k x factor x budget lasts the pair's long window plus `for`: at 1.1x
// the pair's alert goes pending and fires after exactly `for`; at 0.9x it
// stays silent. Other pairs cannot fire in the 0.9x episode as long as the
// pairs consume different shares of the budget (the workbook table's do).
func (g *generator) slo(slo *model.SLO) {
	if slo.SLI.ErrorRatio != "" && len(burnAlerts(slo)) > 0 {
		if _, err := sloSeries(slo); err != nil {
			g.unc = append(g.unc, scenario.Uncovered{Alert: slo.Alerting.Name, Pos: slo.Pos, Why: err.Error()})
			return
		}
	}
	for _, b := range burnAlerts(slo) {
		// Only the alert's own pairs share its expression; the longest of
		// them sets how long the error-free warm-up must be.
		var longest time.Duration
		for _, w := range b.Windows {
			longest = max(longest, w.Long)
		}
		for _, w := range b.Windows {
			for _, k := range []float64{1.1, 0.9} {
				g.burn(slo, b, w, k, longest)
			}
		}
		g.spike(slo, b, longest)
	}
	g.withinBudget(slo)
}

// FamilyWithinBudget names the failure mode of an SLO whose budget is spent
// slower than its period allows.
const FamilyWithinBudget = "within budget"

// withinBudget: errors at half the error budget's rate, held longer than
// every long window, spend the budget slower than the period allows; no
// burn alert may fire. A factor below 1 (a 7-day SLO that kept the 30-day
// table's ticket windows: 0.233) fires on it.
func (g *generator) withinBudget(slo *model.SLO) {
	bs := burnAlerts(slo)
	if len(bs) == 0 {
		return
	}
	cs, err := sloSeries(slo)
	if err != nil {
		return
	}
	var longest, wait time.Duration
	si := g.sampleInterval(bs[0])
	for _, b := range bs {
		for _, w := range b.Windows {
			longest = max(longest, w.Long)
		}
		wait = max(wait, b.For+b.KeepFiringFor)
		si = min(si, g.sampleInterval(b))
	}
	e, cs, ok := held(cs, num.Round(0.5*slo.ErrorBudget()), 0)
	if !ok {
		return
	}
	n := int((longest+wait)/si) + tailSteps
	name := slo.Alerting.Name
	g.out = append(g.out, &scenario.Scenario{
		Name:      fmt.Sprintf("%s: failure mode %s: an error ratio of %s (half the %s budget) for %s: no burn alert fires", name, FamilyWithinBudget, num.Format(e), num.Format(num.Round(slo.ErrorBudget())), promx.FormatDuration(time.Duration(n)*si)),
		Pos:       slo.Pos,
		Generated: true,
		Family:    FamilyWithinBudget,
		Interval:  si,
		Series:    episode(cs, leadSteps, n, 0, e),
		Ranges:    []scenario.AlertRange{{Kind: scenario.NeverFires, Alertname: name, Labels: map[string]string{"slo": slo.Name}, From: 0, To: time.Duration(leadSteps+n-1) * si, Pos: slo.Pos}},
	})
}

func burnAlerts(slo *model.SLO) []*model.BurnAlert {
	var out []*model.BurnAlert
	for _, b := range []*model.BurnAlert{slo.Alerting.Page, slo.Alerting.Ticket} {
		if b != nil {
			out = append(out, b)
		}
	}
	return out
}

// counter is an input counter of an error ratio and its growth per sample
// at error ratio e.
type counter struct {
	series string
	rate   func(e float64) float64
}

// held makes feed f hold error ratio e: an approximate feed (a share of
// series) gives the closest ratio it holds and the feed that holds it.
// ok is false when it holds none close enough, or when the one it holds
// is not on the same side of threshold thr as e (thr 0: no side).
func held(f feed, e, thr float64) (float64, feed, bool) {
	a, isApprox := f.(approx)
	if !isApprox {
		return e, f, true
	}
	got, f, ok := a.near(e)
	if !ok || thr > 0 && (got > thr) != (e > thr) {
		return 0, nil, false
	}
	return got, f, true
}

// ratioCounters returns the two counters whose rates give an error ratio:
// the bad (or good) series, and either the series total counts that bad (or
// good) does not, when total's selector matches it, or a series of total
// itself, which then counts every request, when they are different metrics
// (good: x_bucket{le="0.3"}, total: x_count).
func ratioCounters(bad, good, total string, extra map[string]string) ([]counter, error) {
	if bad != "" && good != "" && total == "" {
		// A signal's bad and good counters, total being their sum.
		b, err := promx.SeriesFor(bad, extra)
		if err != nil {
			return nil, err
		}
		gs, err := promx.SeriesFor(good, extra, bad)
		if err != nil {
			return nil, err
		}
		return []counter{
			{b, func(e float64) float64 { return e * requestRate }},
			{gs, func(e float64) float64 { return (1 - e) * requestRate }},
		}, nil
	}
	sel := bad
	mine := func(e float64) float64 { return e * requestRate }
	rest := func(e float64) float64 { return (1 - e) * requestRate }
	if bad == "" {
		sel = good
		mine, rest = rest, mine
	}
	first, err := promx.SeriesFor(sel, extra)
	if err != nil {
		return nil, err
	}
	if promx.SelectorMatches(total, first) {
		other, err := promx.SeriesFor(total, extra, sel)
		if err != nil {
			return nil, err
		}
		return []counter{{first, mine}, {other, rest}}, nil
	}
	tot, err := promx.SeriesFor(total, extra)
	if err != nil {
		return nil, err
	}
	return []counter{{first, mine}, {tot, func(float64) float64 { return requestRate }}}, nil
}

// sloSeries returns the input of an SLO's error ratio: its counters (see
// ratioCounters), or the histogram of a latency SLI (see latencyFeed).
func sloSeries(slo *model.SLO) (feed, error) {
	sli := slo.SLI
	if sli.ErrorRatio != "" {
		return errorRatioFeed(sli.ErrorRatio)
	}
	extra := map[string]string{}
	for _, l := range sli.By {
		extra[l] = "x"
	}
	if sli.Latency != nil {
		return latencyFeed(sli.Latency, extra)
	}
	cs, err := ratioCounters(sli.Bad, sli.Good, sli.Total, extra)
	return counters(cs), err
}

// episode writes the input for: error-free traffic for warm samples,
// errors at ratio e for ep samples, error-free for tail samples.
func episode(f feed, warm, ep, tail int, e float64) []scenario.Series {
	cs, ok := f.(counters)
	if !ok {
		return f.series(0, []segment{{e: 0, rate: requestRate, n: warm}, {e: e, rate: requestRate, n: ep}, {e: 0, rate: requestRate, n: tail}})
	}
	var out []scenario.Series
	for _, c := range cs {
		vals := (&values{}).line(counterBase, c.rate(0), warm).cont(c.rate(e), ep).cont(c.rate(0), tail)
		out = append(out, scenario.Series{Series: c.series, Values: vals.String()})
	}
	return out
}

// sampleInterval spaces the input samples of a burn alert's scenarios:
// a tenth of its shortest short window, on the evaluation grid. Long
// windows then hold thousands of samples fewer, and every window still
// holds ten or more.
func (g *generator) sampleInterval(b *model.BurnAlert) time.Duration {
	shortest := slices.MinFunc(b.Windows, func(x, y model.BurnWindow) int { return int(x.Short - y.Short) }).Short
	return max(shortest/10/g.step*g.step, g.step)
}

func (g *generator) burn(slo *model.SLO, b *model.BurnAlert, w model.BurnWindow, k float64, longest time.Duration) {
	name := slo.Alerting.Name
	cs, err := sloSeries(slo)
	if err != nil {
		g.unc = append(g.unc, scenario.Uncovered{Alert: name, Pos: slo.Pos, Why: err.Error()})
		return
	}
	e := num.Round(k * w.Factor * slo.ErrorBudget())
	if e > 1 {
		return // the lint reports alerts that cannot fire
	}
	e, cs, ok := held(cs, e, num.Round(w.Factor*slo.ErrorBudget()))
	if !ok {
		g.unc = append(g.unc, scenario.Uncovered{Alert: name, Pos: w.Pos, Why: fmt.Sprintf("%s %s: an error ratio of %s needs more than %d series of the SLI's gauge", b.Severity, promx.FormatDuration(w.Long), num.Format(num.Round(k*w.Factor*slo.ErrorBudget())), maxShareSeries)})
		return
	}
	si := g.sampleInterval(b)
	samples := func(d time.Duration) int { return int(d / si) }
	warm := samples(longest-w.Long) + leadSteps
	ep := samples(w.Long+b.For) + tailSteps
	tail := samples(b.KeepFiringFor) + tailSteps
	t0 := time.Duration(warm) * si
	end := time.Duration(warm+ep+tail-1) * si
	sel := map[string]string{"severity": string(b.Severity), "slo": slo.Name}
	s := &scenario.Scenario{
		Pos:       w.Pos,
		Generated: true,
		Interval:  si,
		Series:    episode(cs, warm, ep, tail, e),
		Covers:    []scenario.Cover{{Alert: name, Severity: string(b.Severity), Firing: k > 1}},
		// Once the long window lies inside the episode, both windows hold e.
		Claim: &scenario.Claim{Ratio: e, Windows: []time.Duration{w.Long, w.Short}, At: t0 + w.Long},
	}
	pair := fmt.Sprintf("%s/%s at %sx", promx.FormatDuration(w.Long), promx.FormatDuration(w.Short), num.Format(w.Factor))
	if k > 1 {
		s.Name = fmt.Sprintf("%s %s: an error ratio of %s (1.1x the %s threshold) fires after %s", name, b.Severity, num.Format(e), pair, promx.FormatDuration(b.For))
		// The error-free warm-up cannot fire; it is not observed.
		s.Ranges = []scenario.AlertRange{
			{Kind: scenario.PendingThenFires, Alertname: name, Labels: sel, From: t0, To: t0 + w.Long + si, For: b.For, Pos: w.Pos},
		}
	} else {
		s.Name = fmt.Sprintf("%s %s: an error ratio of %s (0.9x the %s threshold) stays silent", name, b.Severity, num.Format(e), pair)
		s.Ranges = []scenario.AlertRange{{Kind: scenario.NeverFires, Alertname: name, Labels: sel, From: t0, To: end, Pos: w.Pos}}
	}
	g.out = append(g.out, s)
}

// spike: errors for half the shortest short window, at the highest ratio
// that keeps every long window under its threshold, stay silent: the short
// window alone does not page.
func (g *generator) spike(slo *model.SLO, b *model.BurnAlert, longest time.Duration) {
	name := slo.Alerting.Name
	cs, err := sloSeries(slo)
	if err != nil {
		return
	}
	shortest := slices.MinFunc(b.Windows, func(x, y model.BurnWindow) int { return int(x.Short - y.Short) }).Short
	si := g.sampleInterval(b)
	d := max(shortest/2/si*si, si)
	e := 1.0
	for _, w := range b.Windows {
		// A range is left-open: a window of samples si apart holds
		// Long/si samples, so a counter's rate over it sees the
		// increases of Long-si, not Long. With a long window of a few
		// samples (5m at 1m, from an OpenSLO condition's lookback
		// window) that fraction is far from 1: reckoned against Long,
		// the spike's 0.9x became 1.125x.
		e = min(e, 0.9*w.Factor*slo.ErrorBudget()*float64(w.Long-si)/float64(d))
	}
	_, approximate := cs.(approx)
	e, cs, ok := held(cs, num.Round(e), 0)
	if !ok {
		return
	}
	warm := int(longest/si) + leadSteps
	ep := int(d / si)
	tail := int((b.For+b.KeepFiringFor)/si) + tailSteps
	t0 := time.Duration(warm) * si
	end := time.Duration(warm+ep+tail-1) * si
	sel := map[string]string{"severity": string(b.Severity), "slo": slo.Name}
	// At its last sample, the spike's own span holds e. Not so for a
	// share of series, counted at every subquery step: until the first
	// bad sample, a step sees the good one before it.
	claim := &scenario.Claim{Ratio: e, Windows: []time.Duration{d}, At: t0 + d - si}
	if approximate {
		claim = nil
	}
	g.out = append(g.out, &scenario.Scenario{
		Name:      fmt.Sprintf("%s %s: a %s spike at an error ratio of %s, shorter than the %s short window, stays silent", name, b.Severity, promx.FormatDuration(d), num.Format(e), promx.FormatDuration(shortest)),
		Pos:       slo.Pos,
		Generated: true,
		Interval:  si,
		Series:    episode(cs, warm, ep, tail, e),
		Ranges:    []scenario.AlertRange{{Kind: scenario.NeverFires, Alertname: name, Labels: sel, From: t0, To: end, Pos: slo.Pos}},
		Covers:    []scenario.Cover{{Alert: name, Severity: string(b.Severity), Firing: false}},
		Claim:     claim,
	})
}
