package engine

import (
	"context"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/util/teststorage"
)

// loader appends a test's input series to its storage up to a time, as
// promqltest.LazyLoader does.
type loader interface {
	Storage() storage.Storage
	Context() context.Context
	WithSamplesTill(ts time.Time, fn func(error))
	Close() error
}

// newLoader returns a loader of the input series in `load` notation.
//
// promqltest.LazyLoader opens a test storage with the TSDB's defaults
// (16,384 series stripes, an exemplar ring of 100,000 entries, a WAL on
// disk), which took a third of the CPU time of a scenario of a few hundred
// steps. For input it reads the same way, fastLoader loads the same
// samples into a storage without those; anything else (a parse error, whose
// message must be promtool's, or notation fastLoader does not take) goes
// to LazyLoader itself.
func newLoader(series string, start time.Time, delayedNameRemoval bool) (loader, error) {
	if l, ok := newFastLoader(series, start); ok {
		return l, nil
	}
	return promqltest.NewLazyLoader(series, promqltest.LazyLoaderOpts{
		EnableAtModifier:         true,
		EnableNegativeOffset:     true,
		EnableDelayedNameRemoval: delayedNameRemoval,
		StartTime:                start,
	})
}

// cheapStorage options: what the storage holds and accepts is
// teststorage's (the same block range, so the same samples are in and
// out of bounds); only memory and disk bookkeeping is smaller. Opening
// the default 4 MiB head chunk write buffer and the lock file were half
// of what opening a storage still cost.
func cheapStorage(o *tsdb.Options) {
	o.StripeSize = 64
	o.EnableExemplarStorage = false
	o.MaxExemplars = 0
	o.WALSegmentSize = -1 // No WAL: nothing is ever replayed.
	o.HeadChunksWriteBufferSize = chunks.MinWriteBufferSize
	o.NoLockfile = true // The directory is the storage's own temporary one.
}

// sessionStorage is a session's input storage. It counts the queriers
// open on it, so that Close can drop the head's series first, which
// Head.Truncate does only once no reader holds them.
type sessionStorage struct {
	*teststorage.TestStorage
	open atomic.Int64
}

func (s *sessionStorage) Querier(mint, maxt int64) (storage.Querier, error) {
	q, err := s.TestStorage.Querier(mint, maxt)
	if err != nil {
		return nil, err
	}
	s.open.Add(1)
	return &countedQuerier{Querier: q, release: release{open: &s.open}}, nil
}

func (s *sessionStorage) ChunkQuerier(mint, maxt int64) (storage.ChunkQuerier, error) {
	q, err := s.TestStorage.ChunkQuerier(mint, maxt)
	if err != nil {
		return nil, err
	}
	s.open.Add(1)
	return &countedChunkQuerier{ChunkQuerier: q, release: release{open: &s.open}}, nil
}

// release counts a querier out of its storage's open ones, once however
// often it is closed.
type release struct {
	open   *atomic.Int64
	closed atomic.Bool
}

func (r *release) done() {
	if !r.closed.Swap(true) {
		r.open.Add(-1)
	}
}

type countedQuerier struct {
	storage.Querier
	release
}

func (q *countedQuerier) Close() error { defer q.done(); return q.Querier.Close() }

type countedChunkQuerier struct {
	storage.ChunkQuerier
	release
}

func (q *countedChunkQuerier) Close() error { defer q.done(); return q.ChunkQuerier.Close() }

// Close closes the storage without the work of a storage that lives on:
// Head.Close first writes every full head chunk to disk (mmapHeadChunks:
// a segment file created and written) for a restart to read, and the
// folder is removed right after. Truncating the head past its last sample
// first drops its series, so nothing is written. Head.Truncate waits for
// the readers still open, so with one open (none is, once a session's
// queries are done) the storage is closed as it is.
func (s *sessionStorage) Close() error {
	if err := s.dropSeries(); err != nil {
		return errors.Join(err, s.TestStorage.Close())
	}
	return s.TestStorage.Close()
}

// dropSeries truncates the head past its last sample, unless a querier
// is open.
func (s *sessionStorage) dropSeries() error {
	if s.open.Load() > 0 {
		return nil
	}
	return s.DB.Head().Truncate(math.MaxInt64)
}

var (
	patLoad    = regexp.MustCompile(`^load\s+(.+?)$`)
	loadParser = parser.NewParser(promqltest.TestParserOpts)
)

type fastSeries struct {
	metric labels.Labels
	// samples not yet appended, in time order.
	samples []fastSample
}

type fastSample struct {
	t   int64
	v   parser.SequenceValue
	set bool
}

// fastLoader is promqltest.LazyLoader's load command for the notation it
// accepts: "load <step>" and one "<series> <values>" line per series.
type fastLoader struct {
	st     *sessionStorage
	ctx    context.Context
	cancel context.CancelFunc
	series []*fastSeries
}

func newFastLoader(input string, start time.Time) (*fastLoader, bool) {
	series, ok := parseFastSeries(input, start)
	if !ok {
		return nil, false
	}
	st, err := teststorage.NewWithError(cheapStorage)
	if err != nil {
		return nil, false
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &fastLoader{st: &sessionStorage{TestStorage: st}, ctx: ctx, cancel: cancel, series: series}, true
}

// parseFastSeries reads input in the notation fastLoader takes.
func parseFastSeries(input string, start time.Time) ([]*fastSeries, bool) {
	lines := strings.Split(input, "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil, false
	}
	m := patLoad.FindStringSubmatch(strings.TrimSpace(lines[0]))
	if m == nil {
		return nil, false
	}
	md, err := model.ParseDuration(m[1])
	if err != nil {
		return nil, false
	}
	gap := time.Duration(md)
	if start.IsZero() {
		start = time.Unix(0, 0).UTC()
	}
	byHash := map[uint64]int{}
	var series []*fastSeries
	for _, l := range lines[1:] {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			return nil, false // LazyLoader ends the load command there.
		}
		if i := strings.IndexAny(l, " \t"); i < 0 || strings.HasSuffix(l[:i], "@st") {
			return nil, false
		}
		l, skipped := dropLeadingGap(l)
		metric, vals, err := loadParser.ParseSeriesDesc(l)
		if err != nil {
			return nil, false // LazyLoader reports it, with its line number.
		}
		s := &fastSeries{metric: metric, samples: make([]fastSample, 0, len(vals))}
		ts := start.Add(time.Duration(skipped) * gap)
		for _, v := range vals {
			if !v.Omitted {
				s.samples = append(s.samples, fastSample{t: ts.UnixNano() / int64(time.Millisecond), v: v, set: true})
			}
			ts = ts.Add(gap)
		}
		// A series given twice keeps its last values, as in LazyLoader.
		h := metric.Hash()
		if i, ok := byHash[h]; ok {
			series[i] = s
			continue
		}
		byHash[h] = len(series)
		series = append(series, s)
	}
	return series, true
}

// dropLeadingGap returns line (a series and its values) without the
// blanks ("_", "_xN") its values start with, and how many values they
// stand for. The parser expands "_x42000" into 42000 omitted values, one
// append at a time (a month-boundary scenario's series starts with six
// weeks of nothing: a quarter of its run went there); an omitted value
// writes no sample and only moves the time of the next one on by the load
// step, which the caller does at once. The rest of the line is the same
// values after them: it parses as they did in the whole line, and a line
// the parser rejects is rejected either way (only blanks of exactly that
// form are dropped). Lines it cannot split safely (no values after the
// blanks, a metric it cannot find the end of) are returned as they are.
func dropLeadingGap(line string) (string, int) {
	end := metricEnd(line)
	if end < 0 || end >= len(line) || line[end] != ' ' {
		return line, 0
	}
	rest, skipped := line[end:], 0
	for {
		tok := strings.TrimLeft(rest, " ")
		word := tok
		if i := strings.IndexByte(tok, ' '); i >= 0 {
			word = tok[:i]
		}
		var n int
		switch {
		case word == "_":
			n = 1
		case len(word) > 2 && word[:2] == "_x" && word[2] != '0' && strings.Trim(word[2:], "0123456789") == "":
			v, err := strconv.Atoi(word[2:])
			if err != nil || v > 1<<30 {
				return line, 0
			}
			n = v
		default:
			if skipped == 0 || strings.TrimSpace(tok) == "" {
				return line, 0
			}
			return line[:end] + " " + tok, skipped
		}
		skipped += n
		rest = tok[len(word):]
	}
}

// metricEnd returns the index just after the series of a load line (a
// metric name, a label set in braces, or both), or -1 if it cannot tell:
// quotes inside braces are skipped, so a label value with a space or a
// brace in it does not end the series.
func metricEnd(line string) int {
	for i := 0; i < len(line); i++ {
		switch c := line[i]; c {
		case ' ', '\t':
			return i
		case '{':
			for j := i + 1; j < len(line); j++ {
				switch q := line[j]; q {
				case '}':
					return j + 1
				case '"', '\'', '`':
					for j++; j < len(line) && line[j] != q; j++ {
						if line[j] == '\\' && q != '`' {
							j++
						}
					}
					if j >= len(line) {
						return -1
					}
				}
			}
			return -1
		case '"', '\'', '`', '}':
			return -1
		}
	}
	return -1
}

func (l *fastLoader) Storage() storage.Storage { return l.st }
func (l *fastLoader) Context() context.Context { return l.ctx }
func (l *fastLoader) Close() error             { l.cancel(); return l.st.Close() }

// WithSamplesTill appends every sample up to ts in one commit and calls fn
// with the error.
func (l *fastLoader) WithSamplesTill(ts time.Time, fn func(error)) {
	fn(l.appendTill(millis(ts)))
}

// millis is ts in milliseconds since the epoch, as sample times are.
func millis(ts time.Time) int64 {
	return int64(ts.Sub(time.Unix(0, 0).UTC()) / time.Millisecond)
}

// commitSamples bounds the samples of one commit of appendSliced.
const commitSamples = 4096

// appendSliced appends every sample up to ts, as appendTill does, but in
// commits of at most commitSamples samples that take every series
// forward to the same time. The head collects an appender's samples in
// buffers it takes from a pool and returns at Commit: growing them to a
// week of samples of six series was a quarter of the memory a baseline
// scenario allocates; buffers of this size are reused.
//
// Only an on-demand run may load so: whatever stops one (an append error)
// runs the group again exhaustively, in a new storage, so the commits an
// error leaves behind are never read, where one commit would have rolled
// them back. Otherwise the storage holds the same samples: each commit
// after the first appends only samples after every sample before it, so
// the head's window of appendable times (behind its newest sample) never
// rejects one that one commit would take.
func (l *fastLoader) appendSliced(ts int64) error {
	if len(l.series) == 0 {
		return l.appendTill(ts)
	}
	per := max(1, commitSamples/len(l.series))
	for {
		// end is the time of the series' per-th sample that comes
		// first: up to it, no series appends more than per.
		end := ts
		for _, s := range l.series {
			if len(s.samples) > per && s.samples[per-1].t < end {
				end = s.samples[per-1].t
			}
		}
		if err := l.appendTill(end); err != nil || end == ts {
			return err
		}
	}
}

func (l *fastLoader) appendTill(ts int64) error {
	app := l.st.AppenderV2(l.ctx)
	for _, s := range l.series {
		n := 0
		// The series' reference, once the head has it: looking the
		// series up by its labels at every sample cost a seventh of
		// appending.
		var ref storage.SeriesRef
		for _, smp := range s.samples {
			if smp.t > ts {
				break
			}
			var err error
			if smp.v.Histogram != nil {
				ref, err = app.Append(ref, s.metric, 0, smp.t, 0, nil, smp.v.Histogram, storage.AppendV2Options{})
			} else {
				ref, err = app.Append(ref, s.metric, 0, smp.t, smp.v.Value, nil, nil, storage.AppendV2Options{})
			}
			if err != nil {
				_ = app.Rollback()
				return err
			}
			n++
		}
		s.samples = s.samples[n:]
	}
	return app.Commit()
}
