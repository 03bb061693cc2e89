package engine

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/common/promslog"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/util/teststorage"
)

// History is a local storage filled with series fetched from elsewhere
// (slo backtest fetches them from a Prometheus server), a query engine
// over it, and alerting rule groups evaluated step by step on it with
// Prometheus's own rule code, so that `for` and `keep_firing_for` follow
// Prometheus's alert state machine exactly.
type History struct {
	st     *teststorage.TestStorage
	engine *promql.Engine
	groups []*rules.Group
	group  []int // group index of each rule
	ruleSet
	cancel context.CancelFunc
}

// Series is one series of a range query's result, or one series to
// append: its labels and its samples in time order (milliseconds).
type Series struct {
	Metric labels.Labels
	T      []int64
	F      []float64
}

// OpenHistory opens an empty history storage that accepts samples of any
// age, in any order of series (each series in time order).
func OpenHistory(o EvalEngineOptions) (*History, error) {
	st, err := openSideTSDB()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &History{st: st, engine: NewEvalEngine(o), ruleSet: ruleSet{ctx: ctx}, cancel: cancel}, nil
}

// Close releases the storage and the engine.
func (h *History) Close() error {
	h.cancel()
	return errors.Join(h.st.Close(), h.engine.Close())
}

// Append writes a series' samples (float values; a staleness marker is
// value.StaleNaN).
func (h *History) Append(s Series) error {
	app := h.st.Appender(h.ctx)
	for i, t := range s.T {
		if _, err := app.Append(0, s.Metric, t, s.F[i]); err != nil {
			_ = app.Rollback()
			return err
		}
	}
	return app.Commit()
}

// Range runs a range query on the history.
func (h *History) Range(expr string, start, end time.Time, step time.Duration) ([]Series, error) {
	mat, err := rangeQuery(h.ctx, h.engine, h.st, expr, start, end, step)
	if err != nil {
		return nil, err
	}
	out := make([]Series, 0, len(mat))
	for _, s := range mat {
		r := Series{Metric: s.Metric.Copy()}
		for _, p := range s.Floats {
			r.T = append(r.T, p.T)
			r.F = append(r.F, p.F)
		}
		out = append(out, r)
	}
	return out, nil
}

// LoadRules loads rule files whose groups are evaluated on the history
// by EvalGroup; it returns the rules as plain data, in group order then
// rule order, and each group's interval. Alerting rules are marked
// restored, as in a server that has run for long.
func (h *History) LoadRules(files []string, interval time.Duration) ([]Rule, []time.Duration, []error) {
	mopts := &rules.ManagerOptions{
		QueryFunc:  rules.EngineQueryFunc(h.engine, h.st),
		Appendable: h.st,
		Context:    h.ctx,
		NotifyFunc: func(context.Context, string, ...*rules.Alert) {},
		Logger:     promslog.NewNopLogger(),
	}
	m := rules.NewManager(mopts)
	groupsMap, errs := m.LoadGroups(interval, labels.EmptyLabels(), "", nil, false, files...)
	if errs != nil {
		return nil, nil, errs
	}
	h.groups = orderedGroups(groupsMap, nil, files)
	var out []Rule
	var ivs []time.Duration
	for gi, g := range h.groups {
		ivs = append(ivs, g.Interval())
		for _, r := range g.Rules() {
			d := Rule{Index: len(out), Name: r.Name(), Query: r.Query(), Labels: r.Labels(), QueryOffset: g.QueryOffset(), Limit: g.Limit()}
			if ar, ok := r.(*rules.AlertingRule); ok {
				ar.SetRestored(true)
				d.Alert = true
				d.Annotations = ar.Annotations()
				d.For = ar.HoldDuration()
				d.KeepFiringFor = ar.KeepFiringFor()
			}
			out = append(out, d)
			h.rules = append(h.rules, r)
			h.group = append(h.group, gi)
			qo := g.QueryOffset()
			h.single = append(h.single, rules.NewGroup(rules.GroupOptions{
				Name: g.Name(), File: g.File(), Interval: g.Interval(), Limit: g.Limit(),
				Rules: []rules.Rule{r}, Opts: mopts, QueryOffset: &qo,
			}))
		}
	}
	return out, ivs, nil
}

// GroupOf returns the index of rule i's group.
func (h *History) GroupOf(i int) int { return h.group[i] }

// EvalGroup evaluates group gi at ts, and returns the rules that failed.
func (h *History) EvalGroup(gi int, ts time.Time) []RuleError {
	g := h.groups[gi]
	g.Eval(h.ctx, ts)
	var errs []RuleError
	for _, r := range g.Rules() {
		if err := r.LastError(); err != nil {
			errs = append(errs, RuleError{Rule: r.Name(), At: ts, Err: err})
		}
	}
	return errs
}
