package signal

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/spec"
)

// latencyKind is the share of requests slower than a threshold: from a
// classic histogram, one minus the bucket at the threshold over the count;
// from a native one, one minus histogram_fraction up to the threshold.
type latencyKind struct{ base }

func (latencyKind) Key() string { return "latency" }

func (latencyKind) Check(c Checker, s *spec.Signal) model.Signal {
	if l := CheckLatency(c, s.Latency, "signal.latency", true); l != nil {
		return l
	}
	return nil
}

// CheckLatency checks a latency of an SLI (what is "sli.latency") or of a
// signal, and returns its model, or nil after reporting what is wrong.
func CheckLatency(c Checker, l *spec.Latency, what string, isSignal bool) *model.LatencySignal {
	m := &model.LatencySignal{By: c.By(&l.Node, l.By, what+".by")}
	m.Native = l.Native
	ok := true
	if slices.Contains(m.By, "le") {
		c.Errorf(l.At("by"), "spec/label-name", "%s.by: le is the bucket label, which the threshold chooses; remove it", what)
		ok = false
	}
	if isSignal {
		m.Window = c.Window(l.Window, DefaultRatioWindow, what+".window")
	} else if l.Window != nil {
		c.Errorf(l.At("window"), "spec/field", "%s.window: an SLO's windows come from its alerting; remove window", what)
	}
	if l.MinTotal != nil {
		switch {
		case !isSignal:
			c.Errorf(l.At("min_total"), "spec/field", "%s.min_total: a traffic floor belongs on a latency signal of an alert; an SLO counts every event", what)
		case *l.MinTotal <= 0:
			c.Errorf(l.At("min_total"), "spec/range", "%s.min_total: expected a number of events greater than 0, got %s", what, num.Format(*l.MinTotal))
		default:
			m.MinTotal = *l.MinTotal
		}
	}
	t := l.Threshold
	switch {
	case t == nil:
		if !l.Invalid("threshold") { // else the decoder reported it
			c.Errorf(l.Pos, "spec/required", "%s.threshold: missing; expected the latency requests should stay under, in the histogram's unit (0.3) or as a duration (300ms)", what)
		}
		ok = false
	case t.Value <= 0 || math.IsInf(t.Value, 0) || math.IsNaN(t.Value):
		c.Errorf(t.Pos, "spec/range", "%s.threshold: expected a latency greater than 0, got %s", what, t.Text)
		ok = false
	default:
		m.Threshold = t.Value
	}
	sel, good := c.Selector(l.Histogram, &l.Node, what+".histogram")
	if !good {
		return nil
	}
	name := sel.Metric()
	switch {
	case name == "":
		c.Errorf(l.Histogram.Pos, "promql/selector", "%s.histogram: expected the histogram's metric name, such as http_request_duration_seconds", what)
		return nil
	case sel.HasMatcher("le"):
		c.Errorf(l.Histogram.Pos, "promql/selector", "%s.histogram: le is the bucket label, which the threshold chooses; remove the le matcher", what)
		return nil
	}
	suffix := ""
	for _, s := range []string{"_bucket", "_count", "_sum"} {
		if strings.HasSuffix(name, s) {
			suffix = s
		}
	}
	if suffix != "" {
		base := strings.TrimSuffix(name, suffix)
		c.Errorf(l.Histogram.Pos, "promql/selector", "%s.histogram: expected the histogram's name, without %s: %s", what, suffix, base)
		return nil
	}
	if !ok {
		return nil
	}
	m.Histogram = sel.String()
	if !m.Native {
		le := promx.LeValue(m.Threshold)
		m.Bucket = sel.WithSuffixEqual("_bucket", "le", le)
		m.Count = sel.WithSuffix("_count")
		if !t.Duration && t.Text != le {
			c.Warnf(t.Pos, "lint/latency-le", "%s.threshold: Prometheus stores this bucket's bound as le=%q, and slo selects that bucket; write threshold: %s (a threshold that is no bucket bound of the histogram selects no series)", what, le, le)
		}
	}
	if t.Duration && strings.HasSuffix(name, "_milliseconds") {
		c.Warnf(t.Pos, "lint/latency-unit", "%s.threshold: a duration is read in seconds (%s), but %s counts milliseconds; write the threshold in milliseconds, as a number", what, num.Format(m.Threshold), name)
	}
	return m
}

func (latencyKind) Operation(sig model.Signal) string {
	return "ratio_rate" + dur(sig.(*model.LatencySignal).Window)
}

func (latencyKind) Records(sig model.Signal, n Names) []Record {
	s := sig.(*model.LatencySignal)
	if !s.Native {
		return []Record{{n.Record, SignalRatioExpr(latencyRatio(s))}}
	}
	h := nativeRate(s.Histogram, s.By, s.Window)
	e := LatencyNativeRatio(s.Threshold, h)
	if s.MinTotal > 0 {
		e = "(" + e + ") and histogram_count(" + h + ") * " + num.Format(s.Window.Seconds()) + " >= " + num.Format(s.MinTotal)
	}
	return []Record{{n.Record, e}}
}

// latencyRatio is a classic latency signal as the ratio signal it equals:
// good requests (the bucket at the threshold) over all.
func latencyRatio(s *model.LatencySignal) *model.RatioSignal {
	return &model.RatioSignal{Good: s.Bucket, Total: s.Count, By: s.By, Window: s.Window, MinTotal: s.MinTotal}
}

// nativeRate is the rate of a native histogram over w, summed per group.
func nativeRate(hist string, by []string, w time.Duration) string {
	return aggBy("sum", by, fmt.Sprintf("rate(%s[%s])", hist, dur(w)))
}

// LatencyNativeRatio is the share of the observations of native histogram
// expression h above threshold. histogram_fraction interpolates inside the
// bucket that holds the threshold; a threshold on a bucket boundary is
// exact.
func LatencyNativeRatio(threshold float64, h string) string {
	return "1 - histogram_fraction(0, " + num.Format(threshold) + ", " + h + ")"
}

// LatencyErrorRatio is the error ratio of a latency SLI over w.
func LatencyErrorRatio(l *model.Latency, by []string, w time.Duration) string {
	if l.Native {
		return LatencyNativeRatio(l.Threshold, nativeRate(l.Histogram, by, w))
	}
	return RatioExpr("", l.Bucket, l.Count, by, w)
}

// LatencyRates are the rates over w of the slow requests of a latency SLI
// and of all its requests, which a period's traffic-weighted ratio sums.
// An idle native histogram has no fraction (NaN), which would stay in a
// sum over the period; its slow rate is 0.
func LatencyRates(l *model.Latency, by []string, w time.Duration) (bad, total string) {
	if !l.Native {
		r := func(sel string) string { return aggBy("sum", by, fmt.Sprintf("rate(%s[%s])", sel, dur(w))) }
		return r(l.Count) + " - " + r(l.Bucket), r(l.Count)
	}
	h := nativeRate(l.Histogram, by, w)
	total = "histogram_count(" + h + ")"
	bad = "(" + total + " * (" + LatencyNativeRatio(l.Threshold, h) + ") >= 0) or " + total + " * 0"
	return bad, total
}

// AbsentInputs: no count, or no native histogram.
func (latencyKind) AbsentInputs(sig model.Signal, _ string) string {
	s := sig.(*model.LatencySignal)
	if s.Native {
		return absentOf(s.Histogram)
	}
	return absentOf(s.Count)
}

// Lint: as a ratio, a share of slow requests judged on a handful of them
// pages at night.
func (latencyKind) Lint(c Checker, a *model.Alert, s *spec.Signal) {
	l := a.Signal.(*model.LatencySignal)
	if l.MinTotal > 0 || a.Direction != model.Above {
		return
	}
	c.Warnf(s.Pos, "lint/no-traffic-floor", "%s judges a share of slow requests on any number of requests, so one slow request in three pages; add signal.latency.min_total, the fewest requests in %s worth alerting on", a.Name, dur(l.Window))
}

func (latencyKind) Bounded() bool { return true }

// input: a histogram where a share v of the requests is slower than the
// threshold.
func (latencyKind) input(g *generator, sig model.Signal, v float64, t0, end time.Duration) (built, error) {
	s := sig.(*model.LatencySignal)
	f, err := latencyFeed(&s.Latency, g.by(s.By))
	if err != nil {
		return built{}, err
	}
	return built{series: f.series(g.steps(t0), []segment{{e: v, rate: requestRate, n: g.steps(end-t0) + 1}})}, nil
}

func (latencyKind) failures(g *generator, a *model.Alert) {
	s := a.Signal.(*model.LatencySignal)
	if a.Direction != model.Above {
		return
	}
	f, err := latencyFeed(&s.Latency, byLabels(s.By, "x"))
	if err != nil {
		return
	}
	g.trafficFailures(a, f, s.By, s.Window, s.MinTotal)

	// Every request slower than the threshold: the bucket at the
	// threshold stays flat (a native histogram's fraction is 0), and the
	// share is 1.
	l := a.Levels[0]
	win := g.steps(s.Window)
	n := win + g.steps(l.For) + 2*tailSteps + g.steps(g.settle(a))
	sc := g.failure(a, FamilyAllSlow, fmt.Sprintf("every request slower than %s: fires %s", num.Format(s.Threshold), l.Severity))
	sc.Series = f.series(leadSteps, []segment{{e: 1, rate: trafficRate(win, s.MinTotal), n: n}})
	in := time.Duration(leadSteps) * g.step
	g.fires(sc, a, l, g.judgedFrom(a, in, in), time.Duration(leadSteps+n)*g.step, byLabels(s.By, "x"))
}

// latencyFeed is the input of a latency signal or SLI: a classic
// histogram's bucket at the threshold, its +Inf bucket and its count, or a
// native histogram.
func latencyFeed(l *model.Latency, extra map[string]string) (feed, error) {
	if l.Native {
		ser, err := promx.SeriesFor(l.Histogram, extra)
		if err != nil {
			return nil, err
		}
		return nativeHistogram{name: ser, threshold: l.Threshold}, nil
	}
	le := map[string]string{"le": promx.LeValue(l.Threshold)}
	inf := map[string]string{"le": "+Inf"}
	for k, v := range extra {
		le[k], inf[k] = v, v
	}
	bucket, err := promx.SeriesFor(l.Bucket, le)
	if err != nil {
		return nil, err
	}
	sel, _ := promx.ParseSelector(l.Histogram)
	infBucket, err := promx.SeriesFor(sel.WithSuffix("_bucket"), inf)
	if err != nil {
		return nil, err
	}
	count, err := promx.SeriesFor(l.Count, extra)
	if err != nil {
		return nil, err
	}
	all := func(float64) float64 { return requestRate }
	return counters{
		{bucket, func(e float64) float64 { return (1 - e) * requestRate }},
		{infBucket, all},
		{count, all},
	}, nil
}

// nativeHistogram is a native histogram series (schema 0) whose requests
// fall in two buckets: one wholly under the threshold and one wholly above
// it, with an empty bucket between that holds the threshold, so that
// histogram_fraction up to the threshold is exact.
type nativeHistogram struct {
	name      string
	threshold float64
}

// layout returns the index of the fast bucket, (2^(k-1), 2^k] with 2^k at
// most the threshold; the slow bucket is k+2, whose lower bound 2^(k+1) is
// above it.
func (h nativeHistogram) layout() int {
	return int(math.Floor(math.Log2(h.threshold)))
}

// hist renders a histogram with fast and slow requests in promtool's
// notation; its sum puts each request at its bucket's upper bound.
func (h nativeHistogram) hist(fast, slow float64) string {
	k := h.layout()
	sum := fast*math.Exp2(float64(k)) + slow*math.Exp2(float64(k+2))
	return fmt.Sprintf("{{schema:0 sum:%s count:%s offset:%d buckets:[%s 0 %s]}}", exact(sum), exact(fast+slow), k, exact(fast), exact(slow))
}

// series writes the histogram through segments as counterSeries writes
// counters: every bucket starts at counterBase and grows by its share of
// the segment's requests.
func (h nativeHistogram) series(lead int, segs []segment) []scenario.Series {
	var parts []string
	if lead > 0 {
		parts = append(parts, (&values{}).gap(lead).String())
	}
	fast, slow := counterBase, counterBase
	first := true
	add := func(f0, s0, df, ds float64, n int) {
		if n <= 0 {
			return
		}
		if n == 1 || (df == 0 && ds == 0) {
			if n == 1 {
				parts = append(parts, h.hist(f0, s0))
			} else {
				parts = append(parts, fmt.Sprintf("%sx%d", h.hist(f0, s0), n-1))
			}
		} else {
			parts = append(parts, fmt.Sprintf("%s+%sx%d", h.hist(f0, s0), h.hist(df, ds), n-1))
		}
		fast, slow = f0, s0
		for range n - 1 {
			fast += df
			slow += ds
		}
	}
	for _, sg := range segs {
		df, ds := (1-sg.e)*sg.rate, sg.e*sg.rate
		switch {
		case sg.gap:
			parts = append(parts, (&values{}).gap(sg.n).String())
			fast += df * float64(sg.n)
			slow += ds * float64(sg.n)
		case first:
			add(fast, slow, df, ds, sg.n)
			first = false
		default:
			add(fast+df, slow+ds, df, ds, sg.n)
		}
		if sg.reset {
			add(0, 0, 0, 0, 1)
		}
	}
	return []scenario.Series{{Series: h.name, Values: strings.Join(slices.DeleteFunc(parts, func(p string) bool { return p == "" }), " ")}}
}
