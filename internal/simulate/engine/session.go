package engine

import (
	"context"
	"errors"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/common/promslog"
	"go.yaml.in/yaml/v2"

	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"
)

// Options configure a Session.
type Options struct {
	// MaxSamples one query may load; zero means DefaultEvalMaxSamples.
	MaxSamples int
	// LookbackDelta of the query engine; zero means DefaultLookbackDelta.
	LookbackDelta time.Duration
	// SubqueryInterval is the step of subqueries written without one.
	SubqueryInterval time.Duration
	// EnableDelayedNameRemoval matches promtool's
	// --enable-feature=promql-delayed-name-removal.
	EnableDelayedNameRemoval bool
	// Parser reads rule expressions.
	Parser parser.Parser
	// IgnoreUnknownFields in rule files.
	IgnoreUnknownFields bool
	// OnDemand says rules will be evaluated at some steps only: the input
	// is loaded in two commits per step (see LoadUntil) and the storage
	// never compacts.
	OnDemand bool
}

// Rule is what a rule loaded by a Session is, as plain data: the planner
// decides from it which steps to evaluate.
type Rule struct {
	// Index is the rule's position in evaluation order (group order, then
	// rule order): the handle Session's methods take.
	Index int
	Name  string
	// Alert is set for alerting rules.
	Alert bool
	Query parser.Expr
	// Labels and Annotations as written in the rule file.
	Labels, Annotations labels.Labels
	// For and KeepFiringFor of an alerting rule.
	For, KeepFiringFor time.Duration
	// QueryOffset and Limit of the rule's group.
	QueryOffset time.Duration
	Limit       int
}

// Alert is an active alert of an alerting rule after an evaluation.
type Alert struct {
	Labels, Annotations labels.Labels
	Firing, Pending     bool
	ActiveAt            time.Time
	// KeepFiringSince is, for a firing alert that keep_firing_for keeps
	// firing, the first evaluation its expression did not return it at;
	// zero otherwise.
	KeepFiringSince time.Time
}

// Sample is one series of an instant query's result.
type Sample struct {
	Metric labels.Labels
	F      float64
	// H is the histogram value, or nil.
	H *histogram.FloatHistogram
}

// RuleError is a rule that failed at an evaluation.
type RuleError struct {
	Rule string
	At   time.Time
	Err  error
}

// Session is one test group's storage, query engine and rule groups.
type Session struct {
	opts   Options
	series string
	start  time.Time
	suite  loader
	engine *promql.Engine
	// side holds rule outputs computed by range queries (Record); queries
	// read it merged with the input once it exists.
	side      *sideStore
	queryable storage.Queryable
	view      storage.Queryable
	mopts     *rules.ManagerOptions
	groups    []*rules.Group
	ruleSet
}

// ruleSet holds the rules of a Session or a History and, per rule, a
// one-rule group evaluated by EvalRule, so that the rules package keeps
// its own per-rule state machine and staleness bookkeeping.
type ruleSet struct {
	rules  []rules.Rule
	single []*rules.Group
	ctx    context.Context
}

// Open loads the input series (in promtool's `load` notation) of a test
// starting at start, lazily: LoadUntil appends them step by step.
func Open(series string, start time.Time, o Options) (*Session, error) {
	suite, err := newLoader(series, start, o.EnableDelayedNameRemoval)
	if err != nil {
		return nil, err
	}
	if o.OnDemand {
		disableCompactions(suite.Storage())
	}
	s := &Session{
		opts:   o,
		series: series,
		start:  start,
		suite:  suite,
		engine: NewEvalEngine(EvalEngineOptions{
			MaxSamples:               o.MaxSamples,
			LookbackDelta:            o.LookbackDelta,
			SubqueryInterval:         o.SubqueryInterval,
			EnableDelayedNameRemoval: o.EnableDelayedNameRemoval,
		}),
		queryable: suite.Storage(),
		ruleSet:   ruleSet{ctx: suite.Context()},
	}
	s.view = storage.QueryableFunc(func(mint, maxt int64) (storage.Querier, error) {
		return s.queryable.Querier(mint, maxt)
	})
	openSessions.Add(1)
	return s, nil
}

// Close releases the storages and the engine.
func (s *Session) Close() error {
	openSessions.Add(-1)
	var err error
	if s.side != nil {
		err = s.side.Close()
	}
	return errors.Join(s.suite.Close(), s.engine.Close(), err)
}

// LoadRules loads the rule files, the groups evaluated every interval,
// and returns their rules in promtool's evaluation order: by groupOrder
// (group name to rank), then by rule file and position in the file
// (promtool leaves the relative order of unranked groups to map
// iteration). Alerting rules are marked restored, so that the ALERTS
// series is written when they run.
func (s *Session) LoadRules(files []string, interval time.Duration, externalLabels labels.Labels, externalURL string, groupOrder map[string]int) ([]Rule, []error) {
	s.mopts = &rules.ManagerOptions{
		QueryFunc:  rules.EngineQueryFunc(s.engine, s.view),
		Appendable: s.suite.Storage(),
		Context:    context.Background(),
		NotifyFunc: func(context.Context, string, ...*rules.Alert) {},
		Logger:     promslog.NewNopLogger(),
		Parser:     s.opts.Parser,
	}
	if s.opts.Parser != nil {
		s.mopts.GroupLoader = cachingLoader{parser: s.opts.Parser, logger: s.mopts.Logger}
	}
	m := rules.NewManager(s.mopts)
	groupsMap, errs := m.LoadGroups(interval, externalLabels, externalURL, nil, s.opts.IgnoreUnknownFields, files...)
	if errs != nil {
		return nil, errs
	}
	s.groups = orderedGroups(groupsMap, groupOrder, files)
	var out []Rule
	for _, g := range s.groups {
		for _, r := range g.Rules() {
			d := Rule{
				Index:       len(out),
				Name:        r.Name(),
				Query:       r.Query(),
				Labels:      r.Labels(),
				QueryOffset: g.QueryOffset(),
				Limit:       g.Limit(),
			}
			if ar, ok := r.(*rules.AlertingRule); ok {
				ar.SetRestored(true)
				d.Alert = true
				d.Annotations = ar.Annotations()
				d.For = ar.HoldDuration()
				d.KeepFiringFor = ar.KeepFiringFor()
			}
			out = append(out, d)
			s.rules = append(s.rules, r)
			s.single = append(s.single, s.oneRuleGroup(g, r, s.mopts))
		}
	}
	return out, nil
}

func (s *Session) oneRuleGroup(g *rules.Group, r rules.Rule, mopts *rules.ManagerOptions) *rules.Group {
	qo := g.QueryOffset()
	return rules.NewGroup(rules.GroupOptions{
		Name:        g.Name(),
		File:        g.File(),
		Interval:    g.Interval(),
		Limit:       g.Limit(),
		Rules:       []rules.Rule{r},
		Opts:        mopts,
		QueryOffset: &qo,
	})
}

// Discard makes EvalRule of rule i drop what the rule writes (ALERTS and
// ALERTS_FOR_STATE of an alerting rule nothing reads), so that late
// evaluations append nothing out of order.
func (s *Session) Discard(i int) {
	o := *s.mopts
	o.Appendable = discard{}
	g := s.single[i]
	qo := g.QueryOffset()
	s.single[i] = rules.NewGroup(rules.GroupOptions{
		Name:        g.Name(),
		File:        g.File(),
		Interval:    g.Interval(),
		Limit:       g.Limit(),
		Rules:       []rules.Rule{s.rules[i]},
		Opts:        &o,
		QueryOffset: &qo,
	})
}

// LoadUntil appends the input samples up to ts. On demand it does so in
// at least two commits: the head keeps, per series, the IDs of appends
// that may still be in flight (isolation) until a later commit appends to
// the series, and with one big commit every chunk read scans the IDs of
// all its samples; the samples before ts go in commits of bounded size
// (see appendSliced). How the samples are split into commits is not
// observable.
func (s *Session) LoadUntil(ts time.Time) error {
	var err error
	if s.opts.OnDemand {
		before := ts.Add(-time.Millisecond)
		if fl, ok := s.suite.(*fastLoader); ok {
			err = fl.appendSliced(millis(before))
		} else {
			s.suite.WithSamplesTill(before, func(e error) { err = e })
		}
		if err != nil {
			return err
		}
	}
	s.suite.WithSamplesTill(ts, func(e error) { err = e })
	return err
}

// EvalAll evaluates every group at ts, as promtool does at each step, and
// returns the rules that failed, in evaluation order, and how many rules
// were evaluated.
func (s *Session) EvalAll(ts time.Time) (int, []RuleError) {
	var errs []RuleError
	n := 0
	for _, g := range s.groups {
		g.Eval(s.ctx, ts)
		n += len(g.Rules())
		for _, r := range g.Rules() {
			if err := r.LastError(); err != nil {
				errs = append(errs, RuleError{Rule: r.Name(), At: ts, Err: err})
			}
		}
	}
	return n, errs
}

// EvalRule evaluates rule i alone at ts and returns its error.
func (rs *ruleSet) EvalRule(i int, ts time.Time) *RuleError {
	rs.single[i].Eval(rs.ctx, ts)
	if err := rs.rules[i].LastError(); err != nil {
		return &RuleError{Rule: rs.rules[i].Name(), At: ts, Err: err}
	}
	return nil
}

// Alerts returns the active alerts of alerting rule i.
func (rs *ruleSet) Alerts(i int) []Alert {
	ar, ok := rs.rules[i].(*rules.AlertingRule)
	if !ok {
		return nil
	}
	var out []Alert
	for _, a := range ar.ActiveAlerts() {
		out = append(out, Alert{
			Labels:          a.Labels.Copy(),
			Annotations:     a.Annotations.Copy(),
			Firing:          a.State == rules.StateFiring,
			Pending:         a.State == rules.StatePending,
			ActiveAt:        a.ActiveAt,
			KeepFiringSince: a.KeepFiringSince,
		})
	}
	return out
}

// Instant runs an instant query on the input and the recorded outputs
// (promtool's query helper, error text included); a scalar result is one
// sample without labels.
func (s *Session) Instant(expr string, ts time.Time) ([]Sample, error) {
	vec, err := EvalInstant(s.ctx, s.engine, s.view, expr, ts)
	if err != nil {
		return nil, err
	}
	out := make([]Sample, len(vec))
	for i, smp := range vec {
		out[i] = Sample{Metric: smp.Metric.Copy(), F: smp.F, H: smp.H}
	}
	return out, nil
}

// HistogramString renders a histogram in the load notation promtool
// compares histograms in ("" for nil).
func HistogramString(h *histogram.FloatHistogram) string {
	return promqltest.HistogramTestExpression(h)
}

// orderedGroups orders groups by group_eval_order, as promtool does. Groups
// the order leaves unranked are ordered by rule file and then by position
// in their file (promtool leaves their relative order to map iteration).
func orderedGroups(groupsMap map[string]*rules.Group, groupOrder map[string]int, ruleFiles []string) []*rules.Group {
	fileIdx := make(map[string]int, len(ruleFiles))
	for i, f := range ruleFiles {
		if _, ok := fileIdx[f]; !ok {
			fileIdx[f] = i
		}
	}
	pos := groupPositions(ruleFiles)
	groups := make([]*rules.Group, 0, len(groupsMap))
	for _, g := range groupsMap {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool {
		a, b := groups[i], groups[j]
		if oa, ob := groupOrder[a.Name()], groupOrder[b.Name()]; oa != ob {
			return oa < ob
		}
		if fa, fb := fileIdx[a.File()], fileIdx[b.File()]; fa != fb {
			return fa < fb
		}
		ka, kb := rules.GroupKey(a.File(), a.Name()), rules.GroupKey(b.File(), b.Name())
		if pa, pb := pos[ka], pos[kb]; pa != pb {
			return pa < pb
		}
		return ka < kb
	})
	return groups
}

// groupPositions returns the index of every group within its rule file.
func groupPositions(ruleFiles []string) map[string]int {
	pos := map[string]int{}
	for _, f := range ruleFiles {
		for i, name := range groupNames(f) {
			k := rules.GroupKey(f, name)
			if _, ok := pos[k]; !ok {
				pos[k] = i
			}
		}
	}
	return pos
}

// groupNameCache keeps the group names of rule files by content
// (as cachingLoader keeps the parsed files): decoding the YAML again for
// every scenario of a spec was a fiftieth of slo test's CPU time.
var groupNameCache = struct {
	sync.Mutex
	m map[string][]string
}{m: map[string][]string{}}

// groupNames returns the names of the groups of a rule file, in order
// (none if it cannot be read).
func groupNames(f string) []string {
	b, err := os.ReadFile(f)
	if err != nil {
		return nil
	}
	key := string(b)
	groupNameCache.Lock()
	names, ok := groupNameCache.m[key]
	groupNameCache.Unlock()
	if ok {
		return names
	}
	var doc struct {
		Groups []struct {
			Name string `yaml:"name"`
		} `yaml:"groups"`
	}
	if yaml.Unmarshal(b, &doc) != nil {
		return nil
	}
	names = make([]string, len(doc.Groups))
	for i, g := range doc.Groups {
		names[i] = g.Name
	}
	groupNameCache.Lock()
	if len(groupNameCache.m) >= maxCachedRuleFiles {
		clear(groupNameCache.m)
	}
	groupNameCache.m[key] = names
	groupNameCache.Unlock()
	return names
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
