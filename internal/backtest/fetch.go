package backtest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/slo-compiler/slo/internal/simulate/engine"
)

// maxPointsPerQuery is Prometheus's own limit on the points of one series
// in a range query's result (11,000); longer ranges are split.
const maxPointsPerQuery = 11000

// rawChunk is the span of one raw-sample fetch (a range selector queried
// at one instant).
const rawChunk = 6 * time.Hour

// source answers queries: a Prometheus server's HTTP API.
type source struct {
	api     v1.API
	url     string
	lim     Limits
	samples int // fetched so far
	queries int
	prog    *progress
}

// queryTimeout bounds one request to the server.
const queryTimeout = 5 * time.Minute

func newSource(addr string, lim Limits, prog *progress) (*source, error) {
	u, err := url.Parse(addr)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--prometheus: expected an http:// or https:// URL such as http://127.0.0.1:9090, got %q", addr)
	}
	c, err := api.NewClient(api.Config{Address: addr, Client: &http.Client{Timeout: queryTimeout}})
	if err != nil {
		return nil, fmt.Errorf("--prometheus %s: %v", addr, err)
	}
	return &source{api: v1.NewAPI(c), url: addr, lim: lim, prog: prog}, nil
}

// count adds n fetched samples and enforces MaxSamples.
func (s *source) count(n int, what string) error {
	s.samples += n
	if s.lim.MaxSamples > 0 && s.samples > s.lim.MaxSamples {
		return fmt.Errorf("%s: more than %d samples fetched in all (--max-samples); shorten the range or raise the limit", what, s.lim.MaxSamples)
	}
	return nil
}

func (s *source) checkSeries(n int, what string) error {
	if s.lim.MaxSeries > 0 && n > s.lim.MaxSeries {
		return fmt.Errorf("%s: %d series, more than --max-series %d; narrow the rule's selectors or raise the limit", what, n, s.lim.MaxSeries)
	}
	return nil
}

// rangeQuery runs expr as range queries over [start, end] at step, split
// into queries of at most maxPointsPerQuery steps, and returns the series
// merged, sorted by labels.
func (s *source) rangeQuery(ctx context.Context, expr string, start, end time.Time, step time.Duration, what string) ([]engine.Series, error) {
	bySig := map[string]*engine.Series{}
	span := step * (maxPointsPerQuery - 1)
	for lo := start; !lo.After(end); lo = lo.Add(span + step) {
		hi := lo.Add(span)
		if hi.After(end) {
			hi = end
		}
		s.prog.step(what)
		val, _, err := s.api.QueryRange(ctx, expr, v1.Range{Start: lo, End: hi, Step: step})
		if err != nil {
			return nil, fmt.Errorf("%s: range query %s over %s..%s: %v", what, expr, stamp(lo), stamp(hi), err)
		}
		mat, ok := val.(model.Matrix)
		if !ok {
			return nil, fmt.Errorf("%s: range query returned %s, not a matrix", what, val.Type())
		}
		if err := s.merge(bySig, mat, what); err != nil {
			return nil, err
		}
	}
	return sorted(bySig), nil
}

// raw fetches the raw samples of a series selector over (start, end] by
// querying sel[rawChunk] at successive instants: the samples as stored,
// not resampled.
func (s *source) raw(ctx context.Context, sel string, start, end time.Time, what string) ([]engine.Series, error) {
	bySig := map[string]*engine.Series{}
	for lo := start; lo.Before(end); lo = lo.Add(rawChunk) {
		hi := lo.Add(rawChunk)
		if hi.After(end) {
			hi = end
		}
		s.prog.step(what)
		q := fmt.Sprintf("%s[%s]", sel, model.Duration(hi.Sub(lo)))
		val, _, err := s.api.Query(ctx, q, hi)
		if err != nil {
			return nil, fmt.Errorf("%s: query %s at %s: %v", what, q, stamp(hi), err)
		}
		mat, ok := val.(model.Matrix)
		if !ok {
			return nil, fmt.Errorf("%s: query returned %s, not a matrix", what, val.Type())
		}
		if err := s.merge(bySig, mat, what); err != nil {
			return nil, err
		}
	}
	return sorted(bySig), nil
}

func (s *source) merge(bySig map[string]*engine.Series, mat model.Matrix, what string) error {
	n := 0
	for _, ss := range mat {
		sig := ss.Metric.String()
		e := bySig[sig]
		if e == nil {
			b := labels.NewScratchBuilder(len(ss.Metric))
			for k, v := range ss.Metric {
				b.Add(string(k), string(v))
			}
			b.Sort()
			e = &engine.Series{Metric: b.Labels()}
			bySig[sig] = e
		}
		for _, p := range ss.Values {
			t := int64(p.Timestamp)
			if len(e.T) > 0 && t <= e.T[len(e.T)-1] {
				continue // the chunks' edges overlap by nothing, but be safe
			}
			e.T = append(e.T, t)
			e.F = append(e.F, float64(p.Value))
			n++
		}
	}
	if err := s.checkSeries(len(bySig), what); err != nil {
		return err
	}
	return s.count(n, what)
}

func sorted(bySig map[string]*engine.Series) []engine.Series {
	out := make([]engine.Series, 0, len(bySig))
	for _, s := range bySig {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return labels.Compare(out[i].Metric, out[j].Metric) < 0 })
	return out
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
