package engine

import (
	"context"
	"errors"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/util/annotations"
	"github.com/prometheus/prometheus/util/teststorage"
)

// sideStore holds rule outputs computed by range queries (Record, Scan).
//
// Opening and closing a TSDB (a head, a chunk directory, a temporary
// folder) for these was a tenth of the CPU time of `slo test` over this
// repository, most of it in file system calls, for stores that hold a few
// thousand float samples. So float samples are kept in memory, per series
// in time order, with the TSDB's rules for what it accepts: a sample at or
// before the series' last one is rejected (an identical duplicate is
// dropped silently), and appends are seen only after Commit. Every error
// makes the caller run the group exhaustively, so rejecting more than the
// TSDB would only costs time. Floats read back bit for bit, stale markers
// included, as from a TSDB chunk.
//
// Native histograms are left to the TSDB, whose chunks set counter reset
// hints on read-back: at the first histogram appended, the store opens one
// (as newSideStore did), copies its samples into it and hands everything
// over to it from then on.
type sideStore struct {
	mu     sync.RWMutex
	series map[string]*sideSeries
	tsdb   *teststorage.TestStorage
}

type sideSeries struct {
	lset    labels.Labels
	samples sideSamples
}

func newSideStore() *sideStore {
	return &sideStore{series: map[string]*sideSeries{}}
}

// openSideTSDB returns a TSDB for rule outputs computed by range queries.
func openSideTSDB() (*teststorage.TestStorage, error) {
	return teststorage.NewWithError(cheapStorage, func(o *tsdb.Options) {
		// One block range covering any test, so samples of any age can be
		// appended and nothing is compacted.
		o.MinBlockDuration = int64(100 * 365 * 24 * 3600 * 1000)
		o.MaxBlockDuration = o.MinBlockDuration
		// Samples are appended before anything reads them.
		o.IsolationDisabled = true
	})
}

// Close releases the TSDB, if one was opened.
func (s *sideStore) Close() error {
	if s.tsdb != nil {
		return s.tsdb.Close()
	}
	return nil
}

// Appender returns an appender whose samples are seen after Commit.
func (s *sideStore) Appender(ctx context.Context) storage.Appender {
	if s.tsdb != nil {
		return s.tsdb.Appender(ctx)
	}
	return &sideAppender{store: s, ctx: ctx, last: map[string]sideSample{}}
}

// Querier reads the samples in [mint, maxt].
func (s *sideStore) Querier(mint, maxt int64) (storage.Querier, error) {
	if s.tsdb != nil {
		return s.tsdb.Querier(mint, maxt)
	}
	return &sideQuerier{store: s, mint: mint, maxt: maxt}, nil
}

// toTSDB moves the committed samples into a TSDB and makes it the store.
func (s *sideStore) toTSDB(ctx context.Context) error {
	db, err := openSideTSDB()
	if err != nil {
		return err
	}
	app := db.Appender(ctx)
	for _, sr := range s.series {
		for _, smp := range sr.samples {
			if _, err := app.Append(0, sr.lset, smp.t, smp.f); err != nil {
				_ = app.Rollback()
				return errors.Join(err, db.Close())
			}
		}
	}
	if err := app.Commit(); err != nil {
		return errors.Join(err, db.Close())
	}
	s.tsdb, s.series = db, nil
	return nil
}

type sideSample struct {
	lset labels.Labels
	key  string
	t    int64
	v    float64
}

// sideAppender buffers float samples until Commit. After a histogram it
// hands over to a TSDB appender (see sideStore).
type sideAppender struct {
	storage.Appender // Only when handed over; nil before.
	store            *sideStore
	ctx              context.Context
	opts             *storage.AppendOptions
	pending          []sideSample
	// last is the last pending sample per series.
	last map[string]sideSample
}

func (a *sideAppender) SetOptions(o *storage.AppendOptions) {
	a.opts = o
	if a.Appender != nil {
		a.Appender.SetOptions(o)
	}
}

func (a *sideAppender) Append(ref storage.SeriesRef, l labels.Labels, t int64, v float64) (storage.SeriesRef, error) {
	if a.Appender != nil {
		return a.Appender.Append(ref, l, t, v)
	}
	return 0, a.appendKeyed(string(l.Bytes(nil)), l, t, v)
}

// reserve makes room for n more pending float samples.
func (a *sideAppender) reserve(n int) {
	if a.Appender == nil {
		a.pending = slices.Grow(a.pending, n)
	}
}

// appendKeyed is Append of a series whose key (l.Bytes) the caller has.
func (a *sideAppender) appendKeyed(key string, l labels.Labels, t int64, v float64) error {
	if a.Appender != nil {
		_, err := a.Appender.Append(0, l, t, v)
		return err
	}
	prev, ok := a.last[key]
	last, lastV := prev.t, prev.v
	if !ok {
		a.store.mu.RLock()
		if sr := a.store.series[key]; sr != nil && len(sr.samples) > 0 {
			l := sr.samples[len(sr.samples)-1]
			last, lastV, ok = l.t, l.f, true
		}
		a.store.mu.RUnlock()
	}
	if ok {
		switch {
		case t < last:
			return storage.ErrOutOfOrderSample
		case t == last && math.Float64bits(v) == math.Float64bits(lastV):
			return nil
		case t == last:
			return storage.ErrDuplicateSampleForTimestamp
		}
	}
	smp := sideSample{lset: l, key: key, t: t, v: v}
	a.pending = append(a.pending, smp)
	a.last[key] = smp
	return nil
}

func (a *sideAppender) AppendHistogram(ref storage.SeriesRef, l labels.Labels, t int64, h *histogram.Histogram, fh *histogram.FloatHistogram) (storage.SeriesRef, error) {
	if a.Appender == nil {
		// Hand over: committed samples into a TSDB, pending ones into its
		// appender.
		if err := a.store.toTSDB(a.ctx); err != nil {
			return 0, err
		}
		a.Appender = a.store.tsdb.Appender(a.ctx)
		if a.opts != nil {
			a.Appender.SetOptions(a.opts)
		}
		pending := a.pending
		a.pending = nil
		for _, p := range pending {
			if _, err := a.Appender.Append(0, p.lset, p.t, p.v); err != nil {
				return 0, err
			}
		}
	}
	return a.Appender.AppendHistogram(ref, l, t, h, fh)
}

func (a *sideAppender) Commit() error {
	if a.Appender != nil {
		return a.Appender.Commit()
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range a.pending {
		sr := s.series[p.key]
		if sr == nil {
			sr = &sideSeries{lset: p.lset}
			s.series[p.key] = sr
		}
		sr.samples = append(sr.samples, fSample{p.t, p.v})
	}
	a.pending = nil
	return nil
}

func (a *sideAppender) Rollback() error {
	if a.Appender != nil {
		return a.Appender.Rollback()
	}
	a.pending = nil
	return nil
}

// sideQuerier reads a sideStore's samples in [mint, maxt].
type sideQuerier struct {
	store      *sideStore
	mint, maxt int64
}

func (*sideQuerier) Close() error { return nil }

// Select returns the matching series with samples in range, sorted by
// labels (whether or not asked: merging needs it).
func (q *sideQuerier) Select(_ context.Context, _ bool, _ *storage.SelectHints, ms ...*labels.Matcher) storage.SeriesSet {
	q.store.mu.RLock()
	defer q.store.mu.RUnlock()
	var out []storage.Series
	for _, sr := range q.store.series {
		if !matches(sr.lset, ms) {
			continue
		}
		smp := sr.samples
		lo := sort.Search(len(smp), func(i int) bool { return smp[i].t >= q.mint })
		hi := sort.Search(len(smp), func(i int) bool { return smp[i].t > q.maxt })
		if lo >= hi {
			continue
		}
		out = append(out, &sideSeriesView{lset: sr.lset, samples: smp[lo:hi:hi]})
	}
	slices.SortFunc(out, func(a, b storage.Series) int { return labels.Compare(a.Labels(), b.Labels()) })
	return &sideSeriesSet{series: out, i: -1}
}

func matches(l labels.Labels, ms []*labels.Matcher) bool {
	for _, m := range ms {
		if !m.Matches(l.Get(m.Name)) {
			return false
		}
	}
	return true
}

func (q *sideQuerier) LabelValues(ctx context.Context, name string, _ *storage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	var vals []string
	set := q.Select(ctx, true, nil, ms...)
	for set.Next() {
		if v := set.At().Labels().Get(name); v != "" {
			vals = append(vals, v)
		}
	}
	slices.Sort(vals)
	return slices.Compact(vals), nil, nil
}

func (q *sideQuerier) LabelNames(ctx context.Context, _ *storage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	var names []string
	set := q.Select(ctx, true, nil, ms...)
	for set.Next() {
		set.At().Labels().Range(func(l labels.Label) { names = append(names, l.Name) })
	}
	slices.Sort(names)
	return slices.Compact(names), nil, nil
}

type sideSeriesSet struct {
	series []storage.Series
	i      int
}

func (s *sideSeriesSet) Next() bool                      { s.i++; return s.i < len(s.series) }
func (s *sideSeriesSet) At() storage.Series              { return s.series[s.i] }
func (*sideSeriesSet) Err() error                        { return nil }
func (*sideSeriesSet) Warnings() annotations.Annotations { return nil }

// sideSeriesView is a series' samples within a querier's range; the
// slices are never appended to through it.
type sideSeriesView struct {
	lset    labels.Labels
	samples sideSamples
}

func (s *sideSeriesView) Labels() labels.Labels { return s.lset }

func (s *sideSeriesView) Iterator(chunkenc.Iterator) chunkenc.Iterator {
	return storage.NewListSeriesIterator(s.samples)
}

// fSample is a float sample; *fSample is a chunks.Sample, so that
// Get hands out pointers and allocates nothing.
type fSample struct {
	t int64
	f float64
}

func (s *fSample) T() int64                    { return s.t }
func (*fSample) ST() int64                     { return 0 }
func (s *fSample) F() float64                  { return s.f }
func (*fSample) H() *histogram.Histogram       { return nil }
func (*fSample) FH() *histogram.FloatHistogram { return nil }
func (*fSample) Type() chunkenc.ValueType      { return chunkenc.ValFloat }
func (s *fSample) Copy() chunks.Sample         { c := *s; return &c }

type sideSamples []fSample

func (s sideSamples) Get(i int) chunks.Sample { return &s[i] }
func (s sideSamples) Len() int                { return len(s) }
