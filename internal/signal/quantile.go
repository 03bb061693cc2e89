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
	"github.com/slo-compiler/slo/internal/spec"
)

// DefaultRatioWindow is the rate window of ratio and quantile signals.
const DefaultRatioWindow = 5 * time.Minute

// quantileKind is a quantile of a classic or a native histogram.
type quantileKind struct{ base }

func (quantileKind) Key() string { return "quantile" }

func (quantileKind) Check(c Checker, s *spec.Signal) model.Signal {
	q := s.Quantile
	sel, ok := c.Selector(q.Histogram, &q.Node, "signal.quantile.histogram")
	m := &model.QuantileSignal{By: c.By(&q.Node, q.By, "signal.quantile.by"), Window: c.Window(q.Window, DefaultRatioWindow, "signal.quantile.window")}
	switch {
	case q.Quantile == nil:
		if !q.Invalid("quantile") { // else the decoder reported it
			c.Errorf(q.Pos, "spec/required", "signal.quantile.quantile: missing; expected a number in (0, 1) such as 0.95")
		}
	case *q.Quantile <= 0 || *q.Quantile >= 1:
		c.Errorf(q.At("quantile"), "spec/range", "signal.quantile.quantile: expected a number in (0, 1) such as 0.95, got %s", num.Format(*q.Quantile))
	default:
		m.Quantile = *q.Quantile
	}
	if !ok {
		return nil
	}
	if q.Native {
		// A native histogram is one series: no _bucket, no le.
		m.Native, m.Bucket = true, sel.String()
		if strings.HasSuffix(sel.Metric(), "_bucket") {
			c.Errorf(q.Histogram.Pos, "promql/selector", "signal.quantile.histogram: a native histogram has no _bucket series; give its name, %s", strings.TrimSuffix(sel.Metric(), "_bucket"))
			return nil
		}
	} else if strings.HasSuffix(sel.Metric(), "_bucket") {
		m.Bucket = sel.String()
	} else {
		m.Bucket = sel.WithSuffix("_bucket")
	}
	if slices.Contains(m.By, "le") {
		c.Errorf(q.At("by"), "spec/label-name", "signal.quantile.by: le is added by slo; remove it")
	}
	return m
}

func (quantileKind) Operation(sig model.Signal) string {
	s := sig.(*model.QuantileSignal)
	return "p" + strings.ReplaceAll(num.Format(s.Quantile*100), ".", "_") + "_rate" + dur(s.Window)
}

func (quantileKind) Records(sig model.Signal, n Names) []Record {
	s := sig.(*model.QuantileSignal)
	by := append([]string{"le"}, s.By...)
	if s.Native {
		by = s.By
	}
	return []Record{{n.Record, fmt.Sprintf("histogram_quantile(%s, %s)", num.Format(s.Quantile), aggBy("sum", by, fmt.Sprintf("rate(%s[%s])", s.Bucket, dur(s.Window))))}}
}

func (quantileKind) AbsentInputs(sig model.Signal, _ string) string {
	return absentOf(sig.(*model.QuantileSignal).Bucket)
}

// input: every request in the bucket whose upper bound makes the quantile
// v (histogram_quantile interpolates linearly from 0).
func (quantileKind) input(g *generator, sig model.Signal, v float64, t0, end time.Duration) (built, error) {
	s := sig.(*model.QuantileSignal)
	if v <= 0 {
		return built{}, fmt.Errorf("a quantile threshold must be above zero to be inverted")
	}
	n0, n := g.steps(t0), g.steps(end-t0)+1
	upper := num.Format(v / s.Quantile)
	if s.Native {
		// The same histogram as a native one with that bucket as its
		// custom bucket (schema -53), whose quantiles interpolate
		// linearly from 0 as a classic histogram's do.
		ser, err := promx.SeriesFor(s.Bucket, g.by(s.By))
		if err != nil {
			return built{}, err
		}
		h := func(c float64) string {
			return fmt.Sprintf("{{schema:-53 sum:%s count:%s custom_values:[%s] buckets:[%s]}}", exact(c*v), exact(c), upper, exact(c))
		}
		vals := (&values{}).gap(n0).String()
		vals = strings.TrimSpace(vals + " " + fmt.Sprintf("%s+%sx%d", h(counterBase), h(requestRate), n-1))
		return built{series: []scenario.Series{{Series: ser, Values: vals}}}, nil
	}
	var series []scenario.Series
	for _, le := range []string{upper, "+Inf"} {
		extra := g.by(s.By)
		extra["le"] = le
		ser, err := promx.SeriesFor(s.Bucket, extra)
		if err != nil {
			return built{}, err
		}
		vals := (&values{}).gap(n0).line(counterBase, requestRate, n)
		series = append(series, scenario.Series{Series: ser, Values: vals.String()})
	}
	return built{series: series}, nil
}
