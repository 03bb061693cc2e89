package signal

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
)

// Generation of an error_ratio SLI. The expression is the user's, so slo
// holds it at a value only for the shapes promx.ErrorRatioShape knows:
// a ratio of counter rates (the counters of a ratio SLI), the mean of a
// gauge over the window (one gauge at the ratio, or at 1 minus it), and
// the share of a gauge's series that pass a comparison (some of them
// failing it). Other expressions stay uncovered.

// maxShareSeries bounds the series of a share of series: the error ratio
// k/m must come within shareTolerance of the one asked for with m at most
// this, or the scenario is not generated (said as uncovered). 200 series
// hold every burn threshold of an SLO up to 99%, and a 99.9% SLO's page
// thresholds; its ticket thresholds (0.0033 and below) need more.
const (
	maxShareSeries = 200
	shareTolerance = 0.02
)

// errorRatioFeed returns the input of an error_ratio SLI.
func errorRatioFeed(text string) (feed, error) {
	shape, ok := promx.ErrorRatioShape(strings.ReplaceAll(text, model.WindowPlaceholder, "5m"))
	if !ok {
		return nil, fmt.Errorf("an error_ratio SLI slo cannot hold at a value (it knows a ratio of counter rates, the mean of a gauge over the window, and the share of a gauge's series past a constant); write a scenario under tests/")
	}
	switch shape.Kind {
	case promx.RateShare:
		extra := map[string]string{}
		for _, l := range shape.By {
			extra[l] = "x"
		}
		bad, good := shape.Num, ""
		if shape.Complement {
			bad, good = "", shape.Num
		}
		cs, err := ratioCounters(bad, good, shape.Den, extra)
		return counters(cs), err
	case promx.GaugeMean:
		s, err := promx.SeriesFor(shape.Gauge, nil)
		return gaugeMean{name: s, complement: shape.Complement}, err
	default:
		// The series differ by a label the selector does not constrain.
		label := "id"
		if sel, errs := promx.ParseSelector(shape.Gauge); errs == nil && sel.HasMatcher(label) {
			label = "slo_series"
		}
		f := &seriesShare{label: label, shape: shape}
		_, err := promx.SeriesFor(shape.Gauge, map[string]string{label: "1"})
		return f, err
	}
}

// gaugeMean is a gauge whose mean over a window is the error ratio, or 1
// minus it.
type gaugeMean struct {
	name       string
	complement bool
}

func (g gaugeMean) value(e float64) float64 {
	if g.complement {
		return num.Round(1 - e)
	}
	return e
}

func (g gaugeMean) series(lead int, segs []segment) []scenario.Series {
	return []scenario.Series{{Series: g.name, Values: gaugeValues(lead, segs, g.value)}}
}

// gaugeValues are the samples of a gauge that holds at(e) through each
// segment of error ratio e, absent in its gaps and where no events flow.
func gaugeValues(lead int, segs []segment, at func(e float64) float64) string {
	v := (&values{}).gap(lead)
	for _, sg := range segs {
		switch {
		case sg.gap || sg.rate == 0:
			v.gap(sg.n)
		default:
			v.line(at(sg.e), 0, sg.n)
		}
		if sg.reset {
			v.line(at(sg.e), 0, 1)
		}
	}
	return v.String()
}

// seriesShare is m series of a gauge, k of which fail the SLI's
// comparison: the error ratio is k/m (or its complement's).
type seriesShare struct {
	label string
	shape promx.ErrorRatio
	m     int
}

// approx is a feed that holds some error ratios only.
type approx interface {
	// near returns the error ratio closest to e the feed can hold, and
	// the feed that holds it, or false when none is within
	// shareTolerance.
	near(e float64) (float64, feed, bool)
}

func (f *seriesShare) near(e float64) (float64, feed, bool) {
	if e <= 0 || e >= 1 {
		cp := *f
		cp.m = 1
		return e, &cp, e == 0 || e == 1
	}
	for m := 1; m <= maxShareSeries; m++ {
		k := math.Round(e * float64(m))
		if k == 0 || k == float64(m) {
			continue
		}
		if got := k / float64(m); math.Abs(got-e) <= shareTolerance*e {
			cp := *f
			cp.m = m
			return got, &cp, true
		}
	}
	return 0, nil, false
}

func (f *seriesShare) series(lead int, segs []segment) []scenario.Series {
	m := max(f.m, 1)
	out := make([]scenario.Series, 0, m)
	for i := range m {
		s, err := promx.SeriesFor(f.shape.Gauge, map[string]string{f.label: strconv.Itoa(i + 1)})
		if err != nil {
			return nil
		}
		// The first k series are bad: they pass the comparison, or fail
		// it when it selects the good ones.
		at := func(e float64) float64 {
			if bad := float64(i) < math.Round(e*float64(m)); bad != f.shape.Complement {
				return f.shape.Pass
			}
			return f.shape.Fail
		}
		out = append(out, scenario.Series{Series: s, Values: gaugeValues(lead, segs, at)})
	}
	return out
}
