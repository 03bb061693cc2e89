package engine

import (
	"math"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/timestamp"
)

// RangeSeries is one series of a range query's result: its labels and
// its float samples (histogram samples are left out).
type RangeSeries struct {
	Metric labels.Labels
	Points []Point
}

// Point is a float sample.
type Point struct {
	T time.Time
	V float64
}

// Range evaluates expr at every step from start to end (a range query) on
// the input and the recorded outputs, as loaded now. It is for plotting
// what a rule or an input series did over a test, not for verdicts.
func (s *Session) Range(expr string, start, end time.Time, step time.Duration) ([]RangeSeries, error) {
	mat, err := rangeQuery(s.ctx, s.engine, s.view, expr, start, end, step)
	if err != nil {
		return nil, err
	}
	out := make([]RangeSeries, len(mat))
	for i, sr := range mat {
		pts := make([]Point, len(sr.Floats))
		for j, p := range sr.Floats {
			pts[j] = Point{T: timestamp.Time(p.T).UTC(), V: p.F}
		}
		out[i] = RangeSeries{Metric: sr.Metric.Copy(), Points: pts}
	}
	return out, nil
}

// Returned evaluates expr at every step from start to end (a range query)
// on the input and the recorded outputs, as loaded now, and returns the
// label sets of the series it returned, float or histogram, at one step
// at least, and for each the first step it was returned at. It is how an
// on-demand run probes an alerting rule's expression at some of its steps
// (plan/sparse.go).
func (s *Session) Returned(expr string, start, end time.Time, step time.Duration) ([]labels.Labels, []time.Time, error) {
	mat, err := rangeQuery(s.ctx, s.engine, s.view, expr, start, end, step)
	if err != nil {
		return nil, nil, err
	}
	var out []labels.Labels
	var first []time.Time
	for _, sr := range mat {
		if len(sr.Floats)+len(sr.Histograms) == 0 {
			continue
		}
		// Each kind of point is in time order.
		t := int64(math.MaxInt64)
		if len(sr.Floats) > 0 {
			t = sr.Floats[0].T
		}
		if len(sr.Histograms) > 0 {
			t = min(t, sr.Histograms[0].T)
		}
		out = append(out, sr.Metric.Copy())
		first = append(first, timestamp.Time(t).UTC())
	}
	return out, first, nil
}
