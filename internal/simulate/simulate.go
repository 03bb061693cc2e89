// Package simulate runs Prometheus rule unit tests written in the format of
// `promtool test rules` and produces promtool's verdicts and failure
// messages, with the real Prometheus rule manager, rule groups, PromQL
// engine and test storage.
//
// It differs from promtool in two ways. Queries run on an engine with a
// large sample limit and a configurable lookback delta, so rules over 30
// days of 1-minute samples can be tested. And by default rules are
// evaluated on demand: only at the evaluation steps an assertion can
// observe, directly or through other rules (see plan.go for why the
// outcome is identical). Options.Exhaustive evaluates every group at every
// step from time zero, exactly like promtool.
package simulate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/regexp"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"go.yaml.in/yaml/v2"

	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"

	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/simulate/engine"
)

// Options configure a run.
type Options struct {
	// Exhaustive evaluates every rule group at every evaluation step from
	// the start, as promtool does. Otherwise rules are evaluated only at
	// the steps the test's assertions depend on.
	Exhaustive bool
	// NoMaterialize evaluates every recording rule through rules.Group.Eval
	// at each of its steps, instead of computing long runs of steps of
	// rules that only read input series with range queries (see
	// materialize.go). Slower; the results are the same.
	NoMaterialize bool
	// LookbackDelta of the query engine; zero means 5m.
	LookbackDelta time.Duration
	// MaxSamples one query may load; zero means engine.DefaultEvalMaxSamples.
	MaxSamples int
	// ParserOptions for rule expressions and expected samples; nil means
	// promtool's defaults.
	ParserOptions *parser.Options
	// EnableDelayedNameRemoval matches promtool's
	// --enable-feature=promql-delayed-name-removal.
	EnableDelayedNameRemoval bool
	// Run, if set, only runs test groups whose name matches one of these
	// regular expressions (promtool's --run).
	Run []string
	// IgnoreUnknownFields in rule files (promtool's
	// --ignore-unknown-fields).
	IgnoreUnknownFields bool
	// NoCompress evaluates alerting rules at every step of their plan,
	// instead of only where their state can change (see compress.go).
	// Slower; the results are the same.
	NoCompress bool
	// Limits, when set, are checked on each test group before anything is
	// loaded; a group over one fails with a message naming the limit's
	// flag, and is not run.
	Limits *scenario.Limits
	// Parallelism bounds how many test groups are evaluated at once;
	// zero means GOMAXPROCS. Results keep the input order regardless.
	Parallelism int
}

// FileResult is the outcome of one unit-test file.
type FileResult struct {
	File string
	// Warnings are the lines promtool prints as warnings (rule file
	// patterns that match nothing).
	Warnings []string
	// Errors are promtool's failure messages for the file, in the order
	// promtool prints them. The file passed if there are none.
	Errors []string
	// Groups holds one entry per test group that was run, in file order.
	Groups []GroupResult
}

// GroupResult is the outcome of one test group (one entry of `tests`).
type GroupResult struct {
	// Name is the group's name, or promtool's "unnamed#<index>".
	Name string
	// Errors are the group's failure messages.
	Errors []string
	Stats  Stats
}

// Stats describe how much evaluation a test group took.
type Stats struct {
	// Steps is the number of evaluation steps promtool runs.
	Steps int
	// EvaluatedSteps is the number of steps at which at least one rule was
	// evaluated or an alert assertion was checked.
	EvaluatedSteps int
	// RuleEvals counts single-rule evaluations.
	RuleEvals int
	// MaterializedSteps counts rule outputs computed by range queries
	// instead of per-step evaluations (see materialize.go).
	MaterializedSteps int
	// ScannedRules counts the rules an on-demand run evaluated over the
	// whole range to rule out evaluation errors (errscan.go): the rules
	// not proven unable to fail, and the rules they read.
	ScannedRules int
	// Exhaustive is set when the group was evaluated at every step.
	Exhaustive bool
	// Fallback says why an on-demand run was evaluated exhaustively.
	Fallback string
}

// Passed reports whether every test in the file passed.
func (r *FileResult) Passed() bool { return len(r.Errors) == 0 }

// WriteReport writes the result the way promtool prints it, stdout and
// stderr merged: "  SUCCESS" or "  FAILED:" followed by each message.
func (r *FileResult) WriteReport(w io.Writer) error {
	var b strings.Builder
	b.WriteString("Unit Testing:  " + r.File + "\n")
	for _, wn := range r.Warnings {
		b.WriteString(wn + "\n")
	}
	if r.Passed() {
		b.WriteString("  SUCCESS\n")
	} else {
		b.WriteString("  FAILED:\n")
		for _, e := range r.Errors {
			b.WriteString(e + "\n\n")
		}
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// promtoolParserOptions are the parser options promtool starts from.
var promtoolParserOptions = parser.Options{ExperimentalDurationExpr: true}

func (o Options) parser() parser.Parser {
	if o.ParserOptions != nil {
		return parser.NewParser(*o.ParserOptions)
	}
	return parser.NewParser(promtoolParserOptions)
}

func (o Options) lookback() time.Duration {
	if o.LookbackDelta > 0 {
		return o.LookbackDelta
	}
	return engine.DefaultLookbackDelta
}

func (o Options) runRegexp() (*regexp.Regexp, error) {
	if o.Run == nil {
		return nil, nil
	}
	return regexp.Compile(strings.Join(o.Run, "|"))
}

func (o Options) parallelism() int {
	if o.Parallelism > 0 {
		return o.Parallelism
	}
	return runtime.GOMAXPROCS(0)
}

// RunPromtoolFiles runs several unit-test files concurrently and returns
// their results in the order of paths.
func RunPromtoolFiles(paths []string, opts Options) ([]*FileResult, error) {
	if _, err := opts.runRegexp(); err != nil {
		return nil, err
	}
	sem := make(chan struct{}, opts.parallelism())
	out := make([]*FileResult, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], _ = runFile(p, opts, sem)
		}()
	}
	wg.Wait()
	return out, nil
}

// RunPromtoolFile runs one unit-test file. The error is only for invalid
// options; problems with the file are failures in the result, as in
// promtool.
func RunPromtoolFile(path string, opts Options) (*FileResult, error) {
	return runFile(path, opts, make(chan struct{}, opts.parallelism()))
}

func runFile(path string, opts Options, sem chan struct{}) (*FileResult, error) {
	run, err := opts.runRegexp()
	if err != nil {
		return nil, err
	}
	res := &FileResult{File: path}
	fail := func(err error) (*FileResult, error) {
		res.Errors = []string{err.Error()}
		return res, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fail(err)
	}
	var utf unitTestFile
	if err := yaml.UnmarshalStrict(b, &utf); err != nil {
		return fail(err)
	}
	warnings, err := resolveAndGlobFilepaths(filepath.Dir(path), &utf)
	res.Warnings = warnings
	if err != nil {
		return fail(err)
	}
	if utf.EvaluationInterval == 0 {
		utf.EvaluationInterval = model.Duration(time.Minute)
	}
	groupOrder := make(map[string]int)
	for i, gn := range utf.GroupEvalOrder {
		if _, ok := groupOrder[gn]; ok {
			return fail(fmt.Errorf("group name repeated in evaluation order: %s", gn))
		}
		groupOrder[gn] = i
	}

	var runs []*groupRun
	for i := range utf.Tests {
		t := &utf.Tests[i]
		if run != nil && !run.MatchString(t.TestGroupName) {
			continue
		}
		name := t.TestGroupName
		if name == "" {
			name = fmt.Sprintf("unnamed#%d", i)
		}
		if t.Interval == 0 {
			t.Interval = utf.EvaluationInterval
		}
		limitErr := ""
		if opts.Limits != nil {
			limitErr = groupLimits(t, time.Duration(utf.EvaluationInterval), *opts.Limits)
		}
		runs = append(runs, &groupRun{
			limitErr:     limitErr,
			tg:           t,
			name:         name,
			evalInterval: time.Duration(utf.EvaluationInterval),
			groupOrder:   groupOrder,
			ruleFiles:    utf.RuleFiles,
			fuzzy:        utf.FuzzyCompare,
			opts:         opts,
			parser:       opts.parser(),
		})
	}
	res.Groups = make([]GroupResult, len(runs))
	var wg sync.WaitGroup
	for i, gr := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if gr.limitErr != "" {
				res.Groups[i] = GroupResult{Name: gr.name, Errors: []string{gr.limitErr}}
				return
			}
			errs, st := gr.run()
			res.Groups[i] = GroupResult{Name: gr.name, Errors: errorStrings(errs), Stats: st}
		}()
	}
	wg.Wait()
	for _, g := range res.Groups {
		res.Errors = append(res.Errors, g.Errors...)
	}
	return res, nil
}

func errorStrings(errs []error) []string {
	if len(errs) == 0 {
		return nil
	}
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Error()
	}
	return out
}

// groupRun evaluates one test group.
type groupRun struct {
	// limitErr, when set, fails the group without running it.
	limitErr     string
	tg           *testGroup
	name         string
	evalInterval time.Duration
	groupOrder   map[string]int
	ruleFiles    []string
	fuzzy        bool
	opts         Options
	parser       parser.Parser
}

// errNeedExhaustive makes an on-demand run start over exhaustively.
type errNeedExhaustive struct{ reason string }

func (e errNeedExhaustive) Error() string { return e.reason }

func (gr *groupRun) run() ([]error, Stats) {
	if gr.opts.Exhaustive {
		errs, st, _ := gr.evaluate(true)
		return errs, st
	}
	errs, st, fb := gr.evaluate(false)
	if fb != nil {
		errs, st, _ = gr.evaluate(true)
		st.Fallback = fb.reason
	}
	return errs, st
}

// evaluate runs the test group once. In on-demand mode it may give up and
// return a non-nil errNeedExhaustive.
func (gr *groupRun) evaluate(exhaustive bool) (outErr []error, st Stats, fb *errNeedExhaustive) {
	tg := gr.tg
	st.Exhaustive = exhaustive
	suite, err := promqltest.NewLazyLoader(tg.seriesLoadingString(), promqltest.LazyLoaderOpts{
		EnableAtModifier:         true,
		EnableNegativeOffset:     true,
		EnableDelayedNameRemoval: gr.opts.EnableDelayedNameRemoval,
		StartTime:                tg.StartTimestamp.Time,
	})
	if err != nil {
		return []error{err}, st, nil
	}
	if !exhaustive {
		disableCompactions(suite.Storage())
	}
	eng := engine.NewEvalEngine(engine.EvalEngineOptions{
		MaxSamples:               gr.opts.MaxSamples,
		LookbackDelta:            gr.opts.LookbackDelta,
		SubqueryInterval:         gr.evalInterval,
		EnableDelayedNameRemoval: gr.opts.EnableDelayedNameRemoval,
	})
	defer func() {
		if err := errors.Join(suite.Close(), eng.Close()); err != nil && fb == nil {
			outErr = append(outErr, err)
		}
	}()
	ctx := suite.Context()

	// Rules and assertions query the test storage, merged with the
	// outputs of materialized rules once there are any.
	var queryable storage.Queryable = suite.Storage()
	viewQueryable := storage.QueryableFunc(func(mint, maxt int64) (storage.Querier, error) {
		return queryable.Querier(mint, maxt)
	})
	mopts := &rules.ManagerOptions{
		QueryFunc:  rules.EngineQueryFunc(eng, viewQueryable),
		Appendable: suite.Storage(),
		Context:    context.Background(),
		NotifyFunc: func(context.Context, string, ...*rules.Alert) {},
		Logger:     promslog.NewNopLogger(),
		Parser:     gr.parser,
	}
	m := rules.NewManager(mopts)
	groupsMap, ers := m.LoadGroups(time.Duration(tg.Interval), tg.ExternalLabels, tg.ExternalURL, nil, gr.opts.IgnoreUnknownFields, gr.ruleFiles...)
	if ers != nil {
		return ers, st, nil
	}
	groups := orderedGroups(groupsMap, gr.groupOrder, gr.ruleFiles)

	var mint time.Time
	if tg.StartTimestamp.IsZero() {
		mint = time.Unix(0, 0).UTC()
	} else {
		mint = tg.StartTimestamp.Time
	}
	maxEval := tg.maxEvalTime()
	iv := gr.evalInterval
	lastStep := int(maxEval / iv)
	st.Steps = lastStep + 1

	ac, err := newAlertChecker(tg, gr.fuzzy)
	if err != nil {
		return []error{err}, st, nil
	}

	for _, g := range groups {
		for _, r := range g.Rules() {
			if alertRule, ok := r.(*rules.AlertingRule); ok {
				// Mark alerting rules as restored, to ensure the ALERTS
				// timeseries is created when they run.
				alertRule.SetRestored(true)
			}
		}
	}

	var errs []error
	if exhaustive {
		// promtool's loop.
		for k := 0; k <= lastStep; k++ {
			ts := mint.Add(time.Duration(k) * iv)
			var evalErrs []error
			suite.WithSamplesTill(ts, func(err error) {
				if err != nil {
					errs = append(errs, err)
					return
				}
				for _, g := range groups {
					g.Eval(ctx, ts)
					st.RuleEvals += len(g.Rules())
					for _, r := range g.Rules() {
						if r.LastError() != nil {
							evalErrs = append(evalErrs, ruleError(r, ts))
						}
					}
				}
			})
			st.EvaluatedSteps++
			errs = append(errs, evalErrs...)
			if len(evalErrs) > 0 {
				return errs, st, nil
			}
			errs = append(errs, ac.check(k, iv, groups)...)
			tg.observe.record(k, groups, nil)
		}
	} else {
		p, reason := buildPlan(gr, groups, mopts, lastStep)
		if reason != "" {
			return nil, st, &errNeedExhaustive{reason}
		}
		// promtool fails a test at the first step any rule fails at, and
		// on demand most steps are skipped: rule out failures first
		// (errscan.go).
		reason, scanned := gr.scanForErrors(p, eng, mint, lastStep)
		st.ScannedRules = scanned
		if reason != "" {
			return nil, st, &errNeedExhaustive{reason}
		}
		if input, ok := gr.inputLabels(); ok && !gr.opts.NoMaterialize {
			p.markMaterializable(input)
		}
		mat, err := gr.newMaterializer(p, eng, viewQueryable, mint)
		if err != nil {
			return []error{err}, st, nil
		}
		if mat != nil {
			defer func() {
				if err := mat.Close(); err != nil && fb == nil {
					outErr = append(outErr, err)
				}
				st.MaterializedSteps = mat.steps
			}()
			queryable = mergedQueryable(suite.Storage(), mat.store)
		}
		// load loads the input series up to ts in two commits: the head
		// keeps, per series, the IDs of appends that may still be in flight
		// (isolation) until a later commit appends to the series, and with
		// one big commit every chunk read scans the IDs of all its samples.
		// How the samples are split into commits is not observable.
		load := func(ts time.Time) error {
			var err error
			suite.WithSamplesTill(ts.Add(-time.Millisecond), func(e error) { err = e })
			if err == nil {
				suite.WithSamplesTill(ts, func(e error) { err = e })
			}
			return err
		}
		// Compressed rules not evaluated at a step have stale states
		// there; catchUp records what they were.
		compressed := map[rules.Rule]*node{}
		for _, n := range p.nodes {
			if n.compress {
				compressed[n.rule] = n
			}
		}
		var recordStep int
		stale := func(r rules.Rule) bool {
			n, ok := compressed[r]
			return ok && n.last != recordStep
		}
		it := p.steps()
		for k, ok := it(); ok; k, ok = it() {
			ts := mint.Add(time.Duration(k) * iv)
			loadErr := load(ts)
			if loadErr == nil && mat != nil {
				if mfb := mat.advance(ctx, k); mfb != nil {
					return nil, st, mfb
				}
			}
			var evalErrs []error
			compressFail := ""
			func() {
				if loadErr != nil {
					return
				}
				for _, n := range p.nodes {
					if n.materialize || !n.cur.contains(k) {
						continue
					}
					if n.compress {
						if !n.mcur.contains(k) {
							continue
						}
						if n.steps.sameRun(n.last, k) {
							evals, reason := gr.catchUp(ctx, n, k, eng, viewQueryable, mint)
							st.RuleEvals += evals
							if reason != "" {
								compressFail = reason
								return
							}
						}
						n.last = k
					}
					n.group.Eval(ctx, ts)
					st.RuleEvals++
					if n.rule.LastError() != nil {
						evalErrs = append(evalErrs, ruleError(n.rule, ts))
					}
				}
			}()
			st.EvaluatedSteps++
			if loadErr != nil {
				return nil, st, &errNeedExhaustive{"loading input series failed: " + loadErr.Error()}
			}
			if len(evalErrs) > 0 {
				return nil, st, &errNeedExhaustive{"rule evaluation failed: " + evalErrs[0].Error()}
			}
			if compressFail != "" {
				return nil, st, &errNeedExhaustive{compressFail}
			}
			errs = append(errs, ac.check(k, iv, groups)...)
			recordStep = k
			tg.observe.record(k, groups, stale)
		}
		// promtool's last step loads the input up to it.
		if err := load(mint.Add(time.Duration(lastStep) * iv)); err != nil {
			return nil, st, &errNeedExhaustive{"loading input series failed: " + err.Error()}
		}
		if mat != nil {
			if mfb := mat.advance(ctx, lastStep); mfb != nil {
				return nil, st, mfb
			}
		}
	}

	tg.observe.finish(lastStep)
	errs = append(errs, gr.checkExprs(ctx, eng, viewQueryable, mint)...)
	if len(errs) > 0 {
		return errs, st, nil
	}
	return nil, st, nil
}

func ruleError(r rules.Rule, ts time.Time) error {
	return fmt.Errorf("    rule: %s, time: %s, err: %w", r.Name(), ts.Sub(time.Unix(0, 0).UTC()), r.LastError())
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
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var doc struct {
			Groups []struct {
				Name string `yaml:"name"`
			} `yaml:"groups"`
		}
		if yaml.Unmarshal(b, &doc) != nil {
			continue
		}
		for i, g := range doc.Groups {
			k := rules.GroupKey(f, g.Name)
			if _, ok := pos[k]; !ok {
				pos[k] = i
			}
		}
	}
	return pos
}

// alertChecker holds the alert assertions of a test group, by eval time,
// and compares them with the alerting rules' state (promtool's logic).
type alertChecker struct {
	tg       *testGroup
	times    []model.Duration
	inTest   map[model.Duration]map[string]struct{}
	tests    map[model.Duration][]alertTestCase
	curr     int
	cmpFloat cmp.Option
}

func newAlertChecker(tg *testGroup, fuzzy bool) (*alertChecker, error) {
	ac := &alertChecker{
		tg:       tg,
		inTest:   map[model.Duration]map[string]struct{}{},
		tests:    map[model.Duration][]alertTestCase{},
		cmpFloat: cmp.Options{},
	}
	if fuzzy {
		ac.cmpFloat = cmp.Comparer(func(x, y float64) bool {
			return x == y || math.Nextafter(x, math.Inf(-1)) == y || math.Nextafter(x, math.Inf(1)) == y
		})
	}
	seen := map[model.Duration]struct{}{}
	for _, alert := range tg.AlertRuleTests {
		if alert.Alertname == "" {
			var testGroupLog string
			if tg.TestGroupName != "" {
				testGroupLog = fmt.Sprintf(" (in TestGroup %s)", tg.TestGroupName)
			}
			return nil, fmt.Errorf("an item under alert_rule_test misses required attribute alertname at eval_time %v%s", alert.EvalTime, testGroupLog)
		}
		seen[alert.EvalTime] = struct{}{}
		if _, ok := ac.inTest[alert.EvalTime]; !ok {
			ac.inTest[alert.EvalTime] = map[string]struct{}{}
		}
		ac.inTest[alert.EvalTime][alert.Alertname] = struct{}{}
		ac.tests[alert.EvalTime] = append(ac.tests[alert.EvalTime], alert)
	}
	for k := range seen {
		ac.times = append(ac.times, k)
	}
	slices.Sort(ac.times)
	return ac, nil
}

// step returns the evaluation step whose state an alert assertion at t
// is compared with: the last step at or before t.
func alertStep(t model.Duration, iv time.Duration) int {
	return int(time.Duration(t) / iv)
}

// check compares the assertions due after the evaluation at step k.
func (ac *alertChecker) check(k int, iv time.Duration, groups []*rules.Group) []error {
	var errs []error
	tg := ac.tg
	for ac.curr < len(ac.times) && alertStep(ac.times[ac.curr], iv) <= k {
		t := ac.times[ac.curr]
		presentAlerts := ac.inTest[t]
		got := make(map[string]labelsAndAnnotations)
		// Same Alert name can be present in multiple groups.
		for _, g := range groups {
			for _, r := range g.Rules() {
				ar, ok := r.(*rules.AlertingRule)
				if !ok {
					continue
				}
				if _, ok := presentAlerts[ar.Name()]; !ok {
					continue
				}
				var alerts labelsAndAnnotations
				for _, a := range ar.ActiveAlerts() {
					if a.State == rules.StateFiring {
						alerts = append(alerts, labelAndAnnotation{
							Labels:      a.Labels.Copy(),
							Annotations: a.Annotations.Copy(),
						})
					}
				}
				got[ar.Name()] = append(got[ar.Name()], alerts...)
			}
		}

		for _, testcase := range ac.tests[t] {
			gotAlerts := got[testcase.Alertname]
			var expAlerts labelsAndAnnotations
			for _, a := range testcase.ExpAlerts {
				// User gives only the labels from alerting rule, which doesn't
				// include this label (added by Prometheus during Eval).
				expLabels := make(map[string]string, len(a.ExpLabels)+1)
				for k, v := range a.ExpLabels {
					expLabels[k] = v
				}
				expLabels[labels.AlertName] = testcase.Alertname
				expAlerts = append(expAlerts, labelAndAnnotation{
					Labels:      labels.FromMap(expLabels),
					Annotations: labels.FromMap(a.ExpAnnotations),
				})
			}
			sort.Sort(gotAlerts)
			sort.Sort(expAlerts)
			if !cmp.Equal(expAlerts, gotAlerts, cmp.Comparer(labels.Equal), ac.cmpFloat) {
				var testName string
				if tg.TestGroupName != "" {
					testName = fmt.Sprintf("    name: %s,\n", tg.TestGroupName)
				}
				expString := indentLines(expAlerts.String(), "            ")
				gotString := indentLines(gotAlerts.String(), "            ")
				errs = append(errs, fmt.Errorf("%s    alertname: %s, time: %s, \n        exp:%v, \n        got:%v",
					testName, testcase.Alertname, testcase.EvalTime.String(), expString, gotString))
			}
		}
		ac.curr++
	}
	return errs
}

// checkExprs runs the promql_expr_test cases (promtool's logic).
func (gr *groupRun) checkExprs(ctx context.Context, eng *promql.Engine, q storage.Queryable, mint time.Time) []error {
	tg := gr.tg
	var errs []error
	var compareFloat64 cmp.Option = cmp.Options{}
	if gr.fuzzy {
		compareFloat64 = cmp.Comparer(func(x, y float64) bool {
			return x == y || math.Nextafter(x, math.Inf(-1)) == y || math.Nextafter(x, math.Inf(1)) == y
		})
	}
Outer:
	for _, testCase := range tg.PromqlExprTests {
		got, err := engine.EvalInstant(ctx, eng, q, testCase.Expr, mint.Add(time.Duration(testCase.EvalTime)))
		if err != nil {
			errs = append(errs, fmt.Errorf("    expr: %q, time: %s, err: %s", testCase.Expr,
				testCase.EvalTime.String(), err.Error()))
			continue
		}

		var gotSamples []parsedSample
		for _, s := range got {
			gotSamples = append(gotSamples, parsedSample{
				Labels:    s.Metric.Copy(),
				Value:     s.F,
				Histogram: promqltest.HistogramTestExpression(s.H),
			})
		}

		var expSamples []parsedSample
		for _, s := range testCase.ExpSamples {
			lb, err := gr.parser.ParseMetric(s.Labels)
			var hist *histogram.FloatHistogram
			if err == nil && s.Histogram != "" {
				_, values, parseErr := gr.parser.ParseSeriesDesc("{} " + s.Histogram)
				switch {
				case parseErr != nil:
					err = parseErr
				case len(values) != 1:
					err = fmt.Errorf("expected 1 value, got %d", len(values))
				case values[0].Histogram == nil:
					err = fmt.Errorf("expected histogram, got %v", values[0])
				default:
					hist = values[0].Histogram
				}
			}
			if err != nil {
				err = fmt.Errorf("labels %q: %w", s.Labels, err)
				errs = append(errs, fmt.Errorf("    expr: %q, time: %s, err: %w", testCase.Expr,
					testCase.EvalTime.String(), err))
				continue Outer
			}
			expSamples = append(expSamples, parsedSample{
				Labels:    lb,
				Value:     s.Value,
				Histogram: promqltest.HistogramTestExpression(hist),
			})
		}

		sort.Slice(expSamples, func(i, j int) bool {
			return labels.Compare(expSamples[i].Labels, expSamples[j].Labels) <= 0
		})
		sort.Slice(gotSamples, func(i, j int) bool {
			return labels.Compare(gotSamples[i].Labels, gotSamples[j].Labels) <= 0
		})
		if !cmp.Equal(expSamples, gotSamples, cmp.Comparer(labels.Equal), compareFloat64) {
			errs = append(errs, fmt.Errorf("    expr: %q, time: %s,\n        exp: %v\n        got: %v", testCase.Expr,
				testCase.EvalTime.String(), parsedSamplesString(expSamples), parsedSamplesString(gotSamples)))
		}
	}
	return errs
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
