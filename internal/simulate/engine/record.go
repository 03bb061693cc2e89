package engine

// Rule outputs computed with range queries instead of per-step
// evaluations: the materialized recording rules of an on-demand run, the
// label sets a compressed alerting rule returns over skipped steps, and
// the scan for rule errors at steps an on-demand run skips. Why each is
// the same as promtool's per-step evaluation is argued in the planner
// (package plan); this file only does it.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/timestamp"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"
)

// RecordState is what Record keeps between calls for one rule.
type RecordState struct {
	// Done is the last step recorded; -1 before the first.
	Done int
	// prev holds the series written at step Done, for stale markers.
	prev map[string]labels.Labels
}

// NewRecordState returns the state of a rule nothing was recorded of.
func NewRecordState() *RecordState { return &RecordState{Done: -1} }

// EnableRecording creates the store Record writes into; from then on rules
// and queries read the input and the recorded outputs merged.
func (s *Session) EnableRecording() error {
	side := newSideStore()
	s.side = side
	s.queryable = mergedQueryable(s.suite.Storage(), side)
	return nil
}

// mergeGap is the largest gap, in steps, between two runs that Record
// computes with one range query: a range query costs its setup and the
// load of each selector's window, which outweighs evaluating a step or two
// nobody reads.
const mergeGap = 2

// progressions covers the steps of runs (in order, disjoint) with few
// range queries, as [lo, hi, step] with steps lo, lo+step, ... hi: from
// the first step not yet covered, the steps the next uncovered one apart
// while they are wanted, if three or more (probes of several alerts make
// such progressions, interleaved), else every step up to the last wanted
// one that is at most mergeGap steps after the previous. Steps of two
// progressions may coincide; none is left out.
func progressions(runs [][2]int) [][3]int {
	lo, hi := runs[0][0], runs[len(runs)-1][1]
	want := make([]bool, hi-lo+1)
	for _, r := range runs {
		for g := r[0]; g <= r[1]; g++ {
			want[g-lo] = true
		}
	}
	done := make([]bool, len(want))
	next := func(from int) int {
		for ; from < len(want); from++ {
			if want[from] && !done[from] {
				return from
			}
		}
		return -1
	}
	// along returns the last wanted step of the progression from a with
	// stride d.
	along := func(a, d int) int {
		e := a
		for e+d < len(want) && want[e+d] {
			e += d
		}
		return e
	}
	var out [][3]int
	for a := next(0); a >= 0; a = next(a + 1) {
		b := next(a + 1)
		d, e := b-a, a
		if b == a+1 && b+1 < len(want) && !want[b+1] {
			// A pair of adjacent steps, as two probe strides make where
			// they meet (15 and 16 of every 3rd and every 16th): merging
			// every gap of up to mergeGap steps from here would compute
			// every step of both strides' stretch. The longest
			// progression of three or more steps through a and one of
			// the next two uncovered wanted steps is taken instead, if
			// fewer than half the steps it spans are wanted (else merging
			// wastes less); b is left for a progression of its own.
			for c, x := 0, next(b+1); c < 2 && x >= 0; c, x = c+1, next(x+1) {
				if y := along(a, x-a); y >= a+2*(x-a) && (y-a)/(x-a) > (e-a)/max(d, 1) {
					d, e = x-a, y
				}
			}
			if d > 1 {
				n := 0
				for g := a; g <= e; g++ {
					if want[g] {
						n++
					}
				}
				if 2*n >= e-a+1 {
					d = 1
				}
			}
		} else if b > a+1 {
			e = along(a, d)
		}
		if d > 1 && (e >= a+2*d || d > mergeGap+1) {
			for g := a; g <= e; g += d {
				done[g] = true
			}
			out = append(out, [3]int{a + lo, e + lo, d})
			continue
		}
		e = a
		for g := a + 1; g < len(want) && g-e <= mergeGap+1; g++ {
			if want[g] {
				e = g
			}
		}
		for g := a; g <= e; g++ {
			done[g] = true
		}
		out = append(out, [3]int{a + lo, e + lo, 1})
	}
	return out
}

// mergeMatrices returns the series of mats with their points in time
// order, a point at a time that several have kept once (they are the
// same evaluation).
func mergeMatrices(mats []promql.Matrix) promql.Matrix {
	if len(mats) == 1 {
		return mats[0]
	}
	var out promql.Matrix
	index := map[string]int{}
	for _, mat := range mats {
		for _, sr := range mat {
			key := string(sr.Metric.Bytes(nil))
			j, ok := index[key]
			if !ok {
				j = len(out)
				index[key] = j
				out = append(out, promql.Series{Metric: sr.Metric})
			}
			out[j].Floats = append(out[j].Floats, sr.Floats...)
			out[j].Histograms = append(out[j].Histograms, sr.Histograms...)
		}
	}
	for j := range out {
		slices.SortFunc(out[j].Floats, func(a, b promql.FPoint) int { return cmp.Compare(a.T, b.T) })
		out[j].Floats = slices.CompactFunc(out[j].Floats, func(a, b promql.FPoint) bool { return a.T == b.T })
		slices.SortFunc(out[j].Histograms, func(a, b promql.HPoint) int { return cmp.Compare(a.T, b.T) })
		out[j].Histograms = slices.CompactFunc(out[j].Histograms, func(a, b promql.HPoint) bool { return a.T == b.T })
	}
	slices.SortFunc(out, func(a, b promql.Series) int { return labels.Compare(a.Metric, b.Metric) })
	return out
}

// Record computes recording rule i at every step of each run [lo, hi] of
// runs (steps after st.Done; runs in order) with range queries (one per
// offset within runs that repeat, see periodic; otherwise see
// progressions; steps a query computes that no run has are dropped),
// over the storage as loaded now, and writes the outputs into
// the side store in one commit, with the transformation RecordingRule.Eval
// and Group.Eval apply. It returns the steps recorded, or why the group
// must run exhaustively.
func (s *Session) Record(i int, runs [][2]int, mint time.Time, iv time.Duration, st *RecordState) (int, string) {
	r := s.rules[i]
	qo := s.single[i].QueryOffset()
	// One commit per rule: later rules read what earlier ones wrote.
	app := s.side.Appender(s.ctx)
	app.SetOptions(&storage.AppendOptions{DiscardOutOfOrder: true})
	steps := 0
	var todo [][2]int
	for _, run := range runs {
		if run[1] <= st.Done {
			continue
		}
		run[0] = max(run[0], st.Done+1)
		todo = append(todo, run)
	}
	for ri := 0; ri < len(todo); {
		// First step of a run: st.prev still holds the series of the
		// last step recorded, so series gone since get stale markers, as
		// Group.Eval writes them after a skipped step (plan.go, "Latest
		// reads", relies on it).
		mat, n, err := s.periodic(r.Query().String(), todo[ri:], mint, iv, qo)
		if err != nil {
			_ = app.Rollback()
			return steps, "rule " + r.Name() + ": " + err.Error()
		}
		if mat == nil {
			n = len(todo) - ri
			var spans []span
			for _, pr := range progressions(todo[ri:]) {
				spans = append(spans, span{
					start: mint.Add(time.Duration(pr[0])*iv - qo),
					end:   mint.Add(time.Duration(pr[1])*iv - qo),
					step:  time.Duration(pr[2]) * iv,
				})
			}
			mat, err = rangeQueries(s.ctx, s.engine, s.view, r.Query().String(), spans)
			if err != nil {
				_ = app.Rollback()
				return steps, "rule " + r.Name() + ": " + err.Error()
			}
		}
		part := todo[ri : ri+n]
		prev, reason := s.appendRecorded(app, i, mat, part, st.prev, mint, iv)
		if reason != "" {
			_ = app.Rollback()
			return steps, reason
		}
		st.prev, st.Done = prev, part[n-1][1]
		for _, run := range part {
			steps += run[1] - run[0] + 1
		}
		ri += n
	}
	if err := app.Commit(); err != nil {
		return steps, "appending recorded samples failed: " + err.Error()
	}
	return steps, ""
}

// periodic computes expr over the leading runs that repeat with a
// constant stride and length (as the probes of plan/sparse.go make them),
// with one range query per offset within a run, stride apart, and returns
// the results of all those runs in one matrix (each series' points in
// time order) and how many runs it covers, or nil when fewer than two
// runs repeat. A range query evaluates the same instant evaluation at
// each of its steps whatever its step, so the results are those of one
// range query per run; but the engine loads each selector's window once
// per query, not once per run.
func (s *Session) periodic(expr string, runs [][2]int, mint time.Time, iv, qo time.Duration) (promql.Matrix, int, error) {
	if len(runs) < 2 {
		return nil, 0, nil
	}
	length := runs[0][1] - runs[0][0]
	stride := runs[1][0] - runs[0][0]
	n := 1
	for n < len(runs) && runs[n][1]-runs[n][0] == length && runs[n][0]-runs[0][0] == n*stride {
		n++
	}
	if n < 2 || stride <= length {
		return nil, 0, nil
	}
	step := time.Duration(stride) * iv
	spans := make([]span, 0, length+1)
	for d := 0; d <= length; d++ {
		start := mint.Add(time.Duration(runs[0][0]+d)*iv - qo)
		spans = append(spans, span{start: start, end: start.Add(time.Duration(n-1) * step), step: step})
	}
	// The offsets' steps are distinct, so merging keeps every point.
	mat, err := rangeQueries(s.ctx, s.engine, s.view, expr, spans)
	if err != nil {
		return nil, 0, err
	}
	return mat, n, nil
}

// LabelSets evaluates rule i's expression at count steps iv apart from
// start (with one range query, split where a processor is free, see
// rangeQueries) and returns, per step, the label sets it returned as one
// comparable string.
func (s *Session) LabelSets(i int, start time.Time, count int, iv time.Duration) ([]string, error) {
	end := start.Add(time.Duration(count-1) * iv)
	mat, err := rangeQueries(s.ctx, s.engine, s.view, s.rules[i].Query().String(), []span{{start: start, end: end, step: iv}})
	if err != nil {
		return nil, err
	}
	sets := make([][]string, count)
	for _, sr := range mat {
		key := string(sr.Metric.Bytes(nil))
		add := func(t int64) {
			i := int((timestamp.Time(t).Sub(start)) / iv)
			if i >= 0 && i < len(sets) {
				sets[i] = append(sets[i], key)
			}
		}
		for _, p := range sr.Floats {
			add(p.T)
		}
		for _, p := range sr.Histograms {
			add(p.T)
		}
	}
	out := make([]string, count)
	for i := range sets {
		slices.Sort(sets[i])
		// Each key carries its length: the empty label set (sum(x) > 1
		// returns {}) has an empty key, and a bare join would make one
		// series of it equal to no series at all, hiding the step where
		// the alert appears.
		var b strings.Builder
		for _, k := range sets[i] {
			b.WriteString(strconv.Itoa(len(k)))
			b.WriteByte(':')
			b.WriteString(k)
		}
		out[i] = b.String()
	}
	return out, nil
}

// Scan evaluates each rule need marks over every step 0..lastStep with one
// range query, in evaluation order, on a separate copy of the input with
// every sample up to lastStep loaded (in a side store; see loadInto);
// recorded outputs are written next to it, so later rules read them. A recording rule's result
// is checked per step for duplicate label sets after applying its labels
// and against the group limit, an alerting rule's for duplicates after
// applying the alert labels and against the limit. It returns why the
// group must run exhaustively ("" if no rule fails) and how many rules
// it evaluated.
func (s *Session) Scan(need []bool, mint time.Time, lastStep int, iv time.Duration) (reason string, scanned int) {
	ctx := context.Background()
	store := newSideStore()
	defer store.Close()
	var q storage.Queryable = store
	if ok, err := loadInto(store, s.series, s.start, mint.Add(time.Duration(lastStep)*iv)); err != nil {
		return "", 0 // The evaluation reports it.
	} else if !ok {
		// Notation only promqltest reads: a TSDB of its own.
		suite, err := newLoader(s.series, s.start, s.opts.EnableDelayedNameRemoval)
		if err != nil {
			return "", 0 // The evaluation reports it.
		}
		defer suite.Close()
		disableCompactions(suite.Storage())
		var loadErr error
		suite.WithSamplesTill(mint.Add(time.Duration(lastStep)*iv), func(err error) { loadErr = err })
		if loadErr != nil {
			return "", 0 // So does the evaluation.
		}
		q = mergedQueryable(suite.Storage(), store)
	}
	// The rule that wrote each recorded series, by its labels: rules that
	// may write the same series (plan.ScanNeeds) are scanned only if none
	// does, at any step. Then no sample of one can meet a sample or
	// stale marker of another in the storage, which could reject one.
	writer := map[string]int{}
	lb := labels.NewBuilder(labels.EmptyLabels())
	for i, r := range s.rules {
		if !need[i] {
			continue
		}
		scanned++
		qo := s.single[i].QueryOffset()
		start := mint.Add(-qo)
		end := mint.Add(time.Duration(lastStep)*iv - qo)
		mat, err := rangeQuery(ctx, s.engine, q, r.Query().String(), start, end, iv)
		if err != nil {
			return "rule " + r.Name() + " fails: " + err.Error(), scanned
		}
		if _, ok := r.(*rules.AlertingRule); ok {
			if reason := s.checkAlertSteps(i, mat, lastStep, mint, iv); reason != "" {
				return reason, scanned
			}
			continue
		}
		for _, sr := range mat {
			key := string(recordedLabels(lb, r, sr.Metric).Bytes(nil))
			if w, ok := writer[key]; ok && w != i {
				return "rules " + s.rules[w].Name() + " and " + r.Name() + " write the same series", scanned
			}
			writer[key] = i
		}
		app := store.Appender(ctx)
		if _, reason := s.appendRecorded(app, i, mat, [][2]int{{0, lastStep}}, nil, mint, iv); reason != "" {
			_ = app.Rollback()
			return reason, scanned
		}
		if err := app.Commit(); err != nil {
			return "scanning for rule errors failed: " + err.Error(), 0
		}
	}
	return "", scanned
}

// loadInto appends the input series (in the notation fastLoader reads;
// false if they are not) up to till into a side store, which scanning
// reads as the evaluation reads its TSDB: the same float values (and
// native histograms, which the side store keeps in a TSDB). The rule
// outputs Scan appends have other label sets (ScanNeeds), so they go
// into the same store.
func loadInto(store *sideStore, input string, start, till time.Time) (bool, error) {
	series, ok := parseFastSeries(input, start)
	if !ok {
		return false, nil
	}
	app := store.Appender(context.Background())
	for _, s := range series {
		for _, smp := range s.samples {
			if smp.t > till.UnixMilli() {
				break
			}
			var err error
			if smp.v.Histogram != nil {
				_, err = app.AppendHistogram(0, s.metric, smp.t, nil, smp.v.Histogram)
			} else {
				_, err = app.Append(0, s.metric, smp.t, smp.v.Value)
			}
			if err != nil {
				_ = app.Rollback()
				return true, err
			}
		}
	}
	return true, app.Commit()
}

// AlertLabels returns the labels AlertingRule.Eval gives the alert of a
// series its expression returned, rule labels not templated: metric
// without __name__, with the rule's labels and alertname set. A label
// that sets itself (IdentityLabel) is left as the metric has it, as
// templating it does. lb is reset and reused.
func AlertLabels(lb *labels.Builder, metric, ruleLabels labels.Labels, alertname string) labels.Labels {
	lb.Reset(metric)
	lb.Del(labels.MetricName)
	ruleLabels.Range(func(l labels.Label) {
		if !IdentityLabel(l) {
			lb.Set(l.Name, l.Value)
		}
	})
	lb.Set(labels.AlertName, alertname)
	return lb.Labels()
}

// IdentityLabel reports whether an alerting rule's label sets itself to
// the value it already has: `team: "{{ $labels.team }}"`, which
// AlertingRule.Eval templates to the series' own value, or to "" (which
// removes it) where the series has none; so the alert's labels are the
// same as without it. Wikimedia's rules write it to pass a team label
// through. Never __name__, which Eval removes before it sets the rule's
// labels (rule files may not set it anyway).
func IdentityLabel(l labels.Label) bool {
	m := identityLabel.FindStringSubmatch(l.Value)
	return m != nil && m[1] == l.Name && l.Name != labels.MetricName
}

var identityLabel = regexp.MustCompile(`^\{\{ *\$labels\.([a-zA-Z_][a-zA-Z0-9_]*) *\}\}$`)

// checkAlertSteps checks an alerting rule's results at every step for
// duplicate label sets after applying the alert labels, and against the
// group limit.
func (s *Session) checkAlertSteps(i int, mat promql.Matrix, lastStep int, mint time.Time, iv time.Duration) string {
	r := s.rules[i]
	lb := labels.NewBuilder(labels.EmptyLabels())
	type out struct {
		key string
		ts  []int64
	}
	series := make([]out, len(mat))
	for j, sr := range mat {
		series[j].key = string(AlertLabels(lb, sr.Metric, r.Labels(), r.Name()).Bytes(nil))
		for _, f := range sr.Floats {
			series[j].ts = append(series[j].ts, f.T)
		}
		for _, h := range sr.Histograms {
			series[j].ts = append(series[j].ts, h.T)
		}
		slices.Sort(series[j].ts)
	}
	limit := s.single[i].Limit()
	// Without two series of one key, and with no more series than the
	// limit, no step can fail.
	keys := make(map[string]bool, len(series))
	for _, sr := range series {
		keys[sr.key] = true
	}
	if len(keys) == len(series) && (limit <= 0 || len(series) <= limit) {
		return ""
	}
	qo := s.single[i].QueryOffset()
	seen := map[string]bool{}
	for k := 0; k <= lastStep; k++ {
		t := mint.Add(time.Duration(k)*iv - qo).UnixMilli()
		clear(seen)
		for j := range series {
			sr := &series[j]
			for len(sr.ts) > 0 && sr.ts[0] < t {
				sr.ts = sr.ts[1:]
			}
			if len(sr.ts) == 0 || sr.ts[0] != t {
				continue
			}
			if seen[sr.key] {
				return "alert " + r.Name() + " fails: duplicate label sets after applying alert labels"
			}
			seen[sr.key] = true
		}
		if limit > 0 && len(seen) > limit {
			return "alert " + r.Name() + " exceeds its group limit"
		}
	}
	return ""
}

func rangeQuery(ctx context.Context, engine *promql.Engine, q storage.Queryable, qs string, start, end time.Time, iv time.Duration) (promql.Matrix, error) {
	qry, err := engine.NewRangeQuery(ctx, q, nil, qs, start, end, iv)
	if err != nil {
		return nil, err
	}
	res := qry.Exec(ctx)
	if res.Err != nil {
		return nil, res.Err
	}
	mat, ok := res.Value.(promql.Matrix)
	if !ok {
		return nil, fmt.Errorf("range query returned %s", res.Value.Type())
	}
	return mat, nil
}

// recordedLabels are the labels recording rule r writes a series of its
// expression's result under: the metric's, with r's name and labels set.
// lb is reset and reused.
func recordedLabels(lb *labels.Builder, r rules.Rule, metric labels.Labels) labels.Labels {
	lb.Reset(metric)
	lb.Set(labels.MetricName, r.Name())
	r.Labels().Range(func(l labels.Label) { lb.Set(l.Name, l.Value) })
	return lb.Labels()
}

// appendRecorded appends recording rule i's outputs at the steps of runs
// (in order), given the rule expression's values there (values at other
// steps are dropped). prev holds the series written at the step recorded
// last. It returns the series written at the last step, or why the group
// must run exhaustively.
func (s *Session) appendRecorded(app storage.Appender, i int, mat promql.Matrix, runs [][2]int, prev map[string]labels.Labels, mint time.Time, iv time.Duration) (map[string]labels.Labels, string) {
	r := s.rules[i]
	type out struct {
		lset labels.Labels
		key  string
		fl   []promql.FPoint
		hs   []promql.HPoint
	}
	lb := labels.NewBuilder(labels.EmptyLabels())
	series := make([]*out, len(mat))
	for j, sr := range mat {
		lset := recordedLabels(lb, r, sr.Metric)
		series[j] = &out{lset: lset, key: string(lset.Bytes(nil)), fl: sr.Floats, hs: sr.Histograms}
	}
	limit := s.single[i].Limit()
	qo := s.single[i].QueryOffset()
	side, _ := app.(*sideAppender)
	if side != nil {
		// Most series have a point at most steps: room for them up front,
		// rather than growing the buffer by copies (a tenth of what a
		// scenario of a week of steps allocated).
		n := 0
		for _, sr := range series {
			n += len(sr.fl)
		}
		side.reserve(n)
	}
	// appendF appends through the side store's keyed path when it can,
	// with the key the caller has, not encoding the labels again.
	appendF := func(key string, lset labels.Labels, t int64, v float64) error {
		if side != nil {
			return side.appendKeyed(key, lset, t, v)
		}
		_, err := app.Append(0, lset, t, v)
		return err
	}
	// Two maps, reused: cur of this step, prev of the last.
	spare := make(map[string]labels.Labels, len(series))
	first := true
	for g := range stepsOf(runs) {
		t := timestamp.FromTime(mint.Add(time.Duration(g)*iv - qo))
		cur := spare
		clear(cur)
		for _, sr := range series {
			for len(sr.fl) > 0 && sr.fl[0].T < t {
				sr.fl = sr.fl[1:]
			}
			for len(sr.hs) > 0 && sr.hs[0].T < t {
				sr.hs = sr.hs[1:]
			}
			var err error
			switch {
			case len(sr.hs) > 0 && sr.hs[0].T == t:
				if _, dup := cur[sr.key]; dup {
					return nil, "rule " + r.Name() + " produced duplicate series"
				}
				_, err = app.AppendHistogram(0, sr.lset, t, nil, sr.hs[0].H)
			case len(sr.fl) > 0 && sr.fl[0].T == t:
				if _, dup := cur[sr.key]; dup {
					return nil, "rule " + r.Name() + " produced duplicate series"
				}
				err = appendF(sr.key, sr.lset, t, sr.fl[0].F)
			default:
				continue
			}
			if err != nil {
				return nil, "appending recorded samples failed: " + err.Error()
			}
			cur[sr.key] = sr.lset
		}
		if limit > 0 && len(cur) > limit {
			return nil, "rule " + r.Name() + " exceeded its limit"
		}
		for k, l := range prev {
			if _, ok := cur[k]; !ok {
				if err := appendF(k, l, t, math.Float64frombits(value.StaleNaN)); err != nil {
					return nil, "appending stale markers failed: " + err.Error()
				}
			}
		}
		if first {
			// prev came from the caller: never reuse it.
			spare = make(map[string]labels.Labels, len(series))
			first = false
		} else {
			spare = prev
		}
		prev = cur
	}
	return prev, ""
}

// stepsOf yields the steps of runs in order.
func stepsOf(runs [][2]int) func(func(int) bool) {
	return func(yield func(int) bool) {
		for _, r := range runs {
			for g := r[0]; g <= r[1]; g++ {
				if !yield(g) {
					return
				}
			}
		}
	}
}

// mergedQueryable reads the input series and the side store of recorded
// values together.
func mergedQueryable(primary, secondary storage.Queryable) storage.Queryable {
	return storage.QueryableFunc(func(mint, maxt int64) (storage.Querier, error) {
		a, err := primary.Querier(mint, maxt)
		if err != nil {
			return nil, err
		}
		b, err := secondary.Querier(mint, maxt)
		if err != nil {
			return nil, errors.Join(err, a.Close())
		}
		return storage.NewMergeQuerier([]storage.Querier{a, b}, nil, storage.ChainedSeriesMerge), nil
	})
}

// discard is an Appendable that drops everything.
type discard struct{}

func (discard) Appender(context.Context) storage.Appender { return discardAppender{} }

type discardAppender struct{ storage.Appender }

func (discardAppender) Append(ref storage.SeriesRef, _ labels.Labels, _ int64, _ float64) (storage.SeriesRef, error) {
	return ref, nil
}

func (discardAppender) AppendHistogram(ref storage.SeriesRef, _ labels.Labels, _ int64, _ *histogram.Histogram, _ *histogram.FloatHistogram) (storage.SeriesRef, error) {
	return ref, nil
}
func (discardAppender) SetOptions(*storage.AppendOptions) {}
func (discardAppender) Commit() error                     { return nil }
func (discardAppender) Rollback() error                   { return nil }
