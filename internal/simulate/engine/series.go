package engine

import (
	"slices"
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

// ReturnedSeries is a series a probe returned: its label set and the
// times of the steps it was returned at, in order.
type ReturnedSeries struct {
	Labels labels.Labels
	Times  []time.Time
}

// Returned evaluates expr at every step from start to end (a range query)
// on the input and the recorded outputs, as loaded now, and returns the
// series it returned, float or histogram, at one step at least. It is how
// an on-demand run probes an alerting rule's expression at some of its
// steps (plan/sparse.go).
func (s *Session) Returned(expr string, start, end time.Time, step time.Duration) ([]ReturnedSeries, error) {
	mat, err := rangeQuery(s.ctx, s.engine, s.view, expr, start, end, step)
	if err != nil {
		return nil, err
	}
	var out []ReturnedSeries
	for _, sr := range mat {
		if len(sr.Floats)+len(sr.Histograms) == 0 {
			continue
		}
		ts := make([]int64, 0, len(sr.Floats)+len(sr.Histograms))
		for _, p := range sr.Floats {
			ts = append(ts, p.T)
		}
		for _, p := range sr.Histograms {
			ts = append(ts, p.T)
		}
		slices.Sort(ts)
		times := make([]time.Time, len(ts))
		for i, t := range ts {
			times[i] = timestamp.Time(t).UTC()
		}
		out = append(out, ReturnedSeries{Labels: sr.Metric.Copy(), Times: times})
	}
	return out, nil
}
