package simulate

// Materialized recording rules.
//
// Evaluating a recording rule at tens of thousands of steps one
// rules.Group.Eval at a time costs tens of microseconds per step, most of
// it in per-evaluation bookkeeping. For a recording rule that
//
//   - reads input series, or outputs of materialized rules that come
//     before it in evaluation order (which promtool evaluates before it
//     at every step),
//   - reads only samples at or before its evaluation time, in a span
//     bounded relative to it (no @, negative offset, subquery or info()),
//   - writes no series that an input series or another rule may write
//     (rules with the same record name are told apart by their rule
//     labels), and
//   - is read only by rules that come after it in evaluation order (so at
//     any step they see the same samples of it as in promtool's run: those
//     up to and including that step),
//
// its outputs over a range of steps are computed with one PromQL range
// query (which the engine evaluates as the same instant evaluation at
// every step), once the input series are loaded up to the last of those
// steps and the rules it reads are materialized up to it, and written
// into a separate storage with the transformation RecordingRule.Eval and
// Group.Eval apply: __name__ set to the record name, rule labels set, an
// error on duplicate label sets or when the group limit is exceeded, and a
// stale marker for every series of the previous step that is gone. Rules
// and assertions then query both storages merged. A query or rule error
// makes the group run exhaustively, so errors are reported as promtool
// reports them.

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/timestamp"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/util/teststorage"
)

// markMaterializable decides which rules of the plan are materialized.
// input holds the label sets of the input series.
func (p *plan) markMaterializable(input []labels.Labels) {
NODES:
	for i, n := range p.nodes {
		if n.alert != nil || len(n.steps) == 0 || hasSubquery(n.rule.Query()) {
			continue
		}
		// No other rule and no input series may write a series this rule
		// writes: the materialized samples live in a storage of their own.
		for j, m := range p.nodes {
			if j != i && sharesOutput(n, m) {
				continue NODES
			}
		}
		for _, o := range n.outputs {
			for _, in := range input {
				if in.Get(labels.MetricName) == o && hasLabels(in, n.rule.Labels()) {
					continue NODES
				}
			}
		}
		for _, r := range n.reads {
			if r.Unbounded || r.Forward > 0 {
				continue NODES
			}
			for j, m := range p.nodes {
				if m.produces(r) && (j >= i || !m.materialize) {
					continue NODES
				}
			}
		}
		for j := 0; j <= i; j++ {
			for _, r := range p.nodes[j].reads {
				if n.produces(r) {
					continue NODES
				}
			}
		}
		n.materialize = true
	}
}

// sharesOutput reports whether two rules may write the same series.
// Recording rules with the same name do not if their rule labels give
// some label different values.
func sharesOutput(a, b *node) bool {
	common := false
	for _, o := range a.outputs {
		common = common || slices.Contains(b.outputs, o)
	}
	if !common {
		return false
	}
	if a.alert != nil || b.alert != nil {
		return true
	}
	bl := b.rule.Labels()
	disjoint := false
	a.rule.Labels().Range(func(l labels.Label) {
		if l.Name != labels.MetricName && bl.Has(l.Name) && bl.Get(l.Name) != l.Value {
			disjoint = true
		}
	})
	return !disjoint
}

// hasLabels reports whether ls has every label of want (other than the
// metric name) with the same value.
func hasLabels(ls, want labels.Labels) bool {
	ok := true
	want.Range(func(l labels.Label) {
		if l.Name != labels.MetricName && ls.Get(l.Name) != l.Value {
			ok = false
		}
	})
	return ok
}

func hasSubquery(e parser.Expr) bool {
	found := false
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if _, ok := n.(*parser.SubqueryExpr); ok {
			found = true
		}
		return nil
	})
	return found
}

// inputLabels returns the label sets of the input series, or false if one
// cannot be parsed (the loader then fails the test anyway).
func (gr *groupRun) inputLabels() ([]labels.Labels, bool) {
	var out []labels.Labels
	for _, s := range gr.tg.InputSeries {
		l, err := gr.parser.ParseMetric(s.Series)
		if err != nil {
			return nil, false
		}
		out = append(out, l)
	}
	return out, true
}

// materializer writes the outputs of materialized rules into a storage
// of its own, step range by step range as the evaluation loop advances.
type materializer struct {
	gr     *groupRun
	engine *promql.Engine
	input  storage.Queryable
	store  *teststorage.TestStorage
	mint   time.Time
	nodes  []*matNode
	steps  int
}

type matNode struct {
	n *node
	// done is the last step materialized.
	done int
	// prev holds the series written at step done, for stale markers.
	prev map[string]labels.Labels
}

// newMaterializer returns nil if no rule of the plan is materialized.
// input must be the test storage merged with the materializer's store.
func (gr *groupRun) newMaterializer(p *plan, engine *promql.Engine, input storage.Queryable, mint time.Time) (*materializer, error) {
	m := &materializer{gr: gr, engine: engine, input: input, mint: mint}
	for _, n := range p.nodes {
		if n.materialize {
			m.nodes = append(m.nodes, &matNode{n: n, done: -1})
		}
	}
	if len(m.nodes) == 0 {
		return nil, nil
	}
	var err error
	m.store, err = newSideStore()
	if err != nil {
		return nil, err
	}
	return m, nil
}

// newSideStore returns a storage for rule outputs computed by range
// queries.
func newSideStore() (*teststorage.TestStorage, error) {
	return teststorage.NewWithError(func(o *tsdb.Options) {
		// One block range covering any test, so samples of any age can be
		// appended and nothing is compacted.
		o.MinBlockDuration = int64(100 * 365 * 24 * time.Hour / time.Millisecond)
		o.MaxBlockDuration = o.MinBlockDuration
		// Samples are appended before anything reads them.
		o.IsolationDisabled = true
		o.WALSegmentSize = -1 // No WAL: nothing is ever replayed.
	})
}

func (m *materializer) Close() error { return m.store.Close() }

// advance materializes every step up to k of the materialized rules. The
// input series must be loaded up to step k: the rules only read samples at
// or before the steps they are evaluated at, so later input is not seen.
func (m *materializer) advance(ctx context.Context, k int) *errNeedExhaustive {
	iv := m.gr.evalInterval
	for _, mn := range m.nodes {
		n := mn.n
		// One commit per rule: later rules read what earlier ones wrote.
		app := m.store.Appender(ctx)
		app.SetOptions(&storage.AppendOptions{DiscardOutOfOrder: true})
		for _, sp := range n.steps {
			if sp.hi <= mn.done || sp.lo > k {
				continue
			}
			lo, hi := sp.lo, min(sp.hi, k)
			if mn.done < lo {
				mn.prev = nil // First step of a run: no stale markers.
			} else {
				lo = mn.done + 1
			}
			start := m.mint.Add(time.Duration(lo)*iv - n.qo)
			end := m.mint.Add(time.Duration(hi)*iv - n.qo)
			mat, err := rangeQuery(ctx, m.engine, m.input, n.rule.Query().String(), start, end, iv)
			if err != nil {
				_ = app.Rollback()
				return &errNeedExhaustive{"rule " + n.rule.Name() + ": " + err.Error()}
			}
			prev, reason := appendRecorded(app, n, mat, span{lo, hi}, mn.prev, m.mint, iv)
			if reason != "" {
				_ = app.Rollback()
				return &errNeedExhaustive{reason}
			}
			mn.prev, mn.done = prev, hi
			m.steps += hi - lo + 1
		}
		if err := app.Commit(); err != nil {
			return &errNeedExhaustive{"appending recorded samples failed: " + err.Error()}
		}
	}
	return nil
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

// appendRecorded appends a recording rule's outputs at the steps of sp,
// given the rule expression's values there. It returns why the group must
// run exhaustively, if it must.
func appendRecorded(app storage.Appender, n *node, mat promql.Matrix, sp span, prev map[string]labels.Labels, mint time.Time, iv time.Duration) (map[string]labels.Labels, string) {
	type out struct {
		lset labels.Labels
		key  string
		fl   []promql.FPoint
		hs   []promql.HPoint
	}
	lb := labels.NewBuilder(labels.EmptyLabels())
	series := make([]*out, len(mat))
	for i, s := range mat {
		lb.Reset(s.Metric)
		lb.Set(labels.MetricName, n.rule.Name())
		n.rule.Labels().Range(func(l labels.Label) { lb.Set(l.Name, l.Value) })
		lset := lb.Labels()
		series[i] = &out{lset: lset, key: string(lset.Bytes(nil)), fl: s.Floats, hs: s.Histograms}
	}
	limit := n.group.Limit()
	for g := sp.lo; g <= sp.hi; g++ {
		t := timestamp.FromTime(mint.Add(time.Duration(g)*iv - n.qo))
		cur := make(map[string]labels.Labels, len(series))
		for _, s := range series {
			for len(s.fl) > 0 && s.fl[0].T < t {
				s.fl = s.fl[1:]
			}
			for len(s.hs) > 0 && s.hs[0].T < t {
				s.hs = s.hs[1:]
			}
			var err error
			switch {
			case len(s.hs) > 0 && s.hs[0].T == t:
				if _, dup := cur[s.key]; dup {
					return nil, "rule " + n.rule.Name() + " produced duplicate series"
				}
				_, err = app.AppendHistogram(0, s.lset, t, nil, s.hs[0].H)
			case len(s.fl) > 0 && s.fl[0].T == t:
				if _, dup := cur[s.key]; dup {
					return nil, "rule " + n.rule.Name() + " produced duplicate series"
				}
				_, err = app.Append(0, s.lset, t, s.fl[0].F)
			default:
				continue
			}
			if err != nil {
				return nil, "appending recorded samples failed: " + err.Error()
			}
			cur[s.key] = s.lset
		}
		if limit > 0 && len(cur) > limit {
			return nil, "rule " + n.rule.Name() + " exceeded its limit"
		}
		for k, l := range prev {
			if _, ok := cur[k]; !ok {
				if _, err := app.Append(0, l, t, math.Float64frombits(value.StaleNaN)); err != nil {
					return nil, "appending stale markers failed: " + err.Error()
				}
			}
		}
		prev = cur
	}
	return prev, ""
}

// disableCompactions stops a test storage from compacting its head into
// blocks in the background. Compaction changes neither query results nor
// which samples can be appended (the head only accepts samples newer than
// half a block range before its newest sample either way); it only costs
// time and disk writes.
func disableCompactions(s storage.Storage) {
	if d, ok := s.(interface{ DisableCompactions() }); ok {
		d.DisableCompactions()
	}
}
