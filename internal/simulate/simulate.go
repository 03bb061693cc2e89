// Package simulate evaluates one test group (input series, rule files,
// assertions) with the real Prometheus rule engine and returns promtool's
// verdicts as typed failures, and the alert states it was asked to
// observe.
//
// It is the simulator's core; its parts each have one job:
//
//   - engine (internal/simulate/engine) is the adapter to Prometheus's
//     promql, rules, storage and tsdb packages, the only code importing
//     them: storage, rule groups, queries;
//   - plan (internal/simulate/plan) decides which rules are evaluated at
//     which steps on demand, which are computed with range queries, and
//     which must be scanned for errors;
//   - this package runs a group, on demand or exhaustively, checks the
//     assertions and falls back to an exhaustive run where on demand
//     cannot be shown to agree (one path, for Observe and the runner);
//   - promtool (internal/simulate/promtool) reads and runs files in the
//     format of `promtool test rules` and writes promtool's report: the
//     only place failures become promtool's text.
//
// It differs from promtool in two ways. Queries run on an engine with a
// large sample limit and a configurable lookback delta, so rules over 30
// days of 1-minute samples can be tested. And by default rules are
// evaluated on demand: only at the evaluation steps an assertion can
// observe, directly or through other rules (see package plan for why the
// outcome is identical). Options.Exhaustive evaluates every group at every
// step from time zero, exactly like promtool.
package simulate

import (
	"fmt"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-compiler/slo/internal/simulate/engine"
	"github.com/slo-compiler/slo/internal/simulate/plan"
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
	// plan/materialize.go). Slower; the results are the same.
	NoMaterialize bool
	// NoCompress evaluates alerting rules at every step of their plan,
	// instead of only where their state can change (see
	// plan/compress.go). Slower; the results are the same.
	NoCompress bool
	// NoLatest has the planner assume that every instant selector reads
	// its whole lookback window (see "Latest reads" in package plan).
	// Slower; the results are the same.
	NoLatest bool
	// LookbackDelta of the query engine; zero means 5m.
	LookbackDelta time.Duration
	// MaxSamples one query may load; zero means
	// engine.DefaultEvalMaxSamples.
	MaxSamples int
	// ParserOptions for rule expressions and expected samples; nil means
	// promtool's defaults.
	ParserOptions *parser.Options
	// EnableDelayedNameRemoval matches promtool's
	// --enable-feature=promql-delayed-name-removal.
	EnableDelayedNameRemoval bool
	// IgnoreUnknownFields in rule files (promtool's
	// --ignore-unknown-fields).
	IgnoreUnknownFields bool
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
	// instead of per-step evaluations (see plan/materialize.go).
	MaterializedSteps int
	// ScannedRules counts the rules an on-demand run evaluated over the
	// whole range to rule out evaluation errors (plan/prove.go): the rules
	// not proven unable to fail, and the rules they read.
	ScannedRules int
	// Exhaustive is set when the group was evaluated at every step.
	Exhaustive bool
	// Fallback says why an on-demand run was evaluated exhaustively.
	Fallback string
}

// promtoolParserOptions are the parser options promtool starts from.
var promtoolParserOptions = parser.Options{ExperimentalDurationExpr: true}

// parser returns the parser of rule expressions and expected samples.
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

// groupRun evaluates one test group.
type groupRun struct {
	in     *Input
	opts   Options
	parser parser.Parser
	// mint is the time of step 0.
	mint time.Time
	obs  *observation
	// lines and lineErrs are the plot of the last run (Input.Plot).
	lines    [][]Line
	lineErrs []error
}

// needExhaustive makes an on-demand run start over exhaustively.
type needExhaustive struct{ reason string }

// run evaluates the group, on demand unless opts.Exhaustive, starting
// over exhaustively when on demand gives up. Observe and the promtool
// runner both come through here.
func (gr *groupRun) run() ([]Failure, Stats) {
	if gr.opts.Exhaustive {
		gr.obs.densify(true)
		fs, st, _ := gr.evaluate(true)
		return fs, st
	}
	fs, st, fb := gr.evaluate(false)
	// A firing-only range whose probes found a series the selector
	// matches is observed step by step in a run of its own
	// (plan/sparse.go).
	for fb == nil && gr.obs.densify(false) {
		gr.obs.reset()
		fs, st, fb = gr.evaluate(false)
	}
	if fb != nil {
		// Drop what the abandoned run observed.
		gr.obs.reset()
		gr.obs.densify(true)
		fs, st, _ = gr.evaluate(true)
		st.Fallback = fb.reason
	}
	return fs, st
}

// seriesLoadingString returns the input series in PromQL notation.
func (gr *groupRun) seriesLoadingString() string {
	var b []byte
	b = fmt.Appendf(b, "load %v\n", shortDuration(gr.in.Interval))
	for _, s := range gr.in.Series {
		b = fmt.Appendf(b, "  %v %v\n", s.Series, s.Values)
	}
	return string(b)
}

// evaluate runs the test group once. In on-demand mode it may give up and
// return a non-nil needExhaustive.
func (gr *groupRun) evaluate(exhaustive bool) (fails []Failure, st Stats, fb *needExhaustive) {
	in := gr.in
	st.Exhaustive = exhaustive
	gr.lines, gr.lineErrs = nil, nil
	loadFail := func(err error) Failure { return Failure{Kind: Load, Group: in.Name, Err: err} }
	sess, err := engine.Open(gr.seriesLoadingString(), in.Start, engine.Options{
		MaxSamples:               gr.opts.MaxSamples,
		LookbackDelta:            gr.opts.LookbackDelta,
		SubqueryInterval:         in.EvalInterval,
		EnableDelayedNameRemoval: gr.opts.EnableDelayedNameRemoval,
		Parser:                   gr.parser,
		IgnoreUnknownFields:      gr.opts.IgnoreUnknownFields,
		OnDemand:                 !exhaustive,
	})
	if err != nil {
		return []Failure{loadFail(err)}, st, nil
	}
	defer func() {
		if err := sess.Close(); err != nil && fb == nil {
			fails = append(fails, loadFail(err))
		}
	}()
	var ext labels.Labels
	if len(in.ExternalLabels) > 0 {
		ext = labels.FromMap(in.ExternalLabels)
	}
	rules, errs := sess.LoadRules(in.RuleFiles, in.EvalInterval, ext, in.ExternalURL, in.GroupOrder)
	if errs != nil {
		for _, err := range errs {
			fails = append(fails, loadFail(err))
		}
		return fails, st, nil
	}
	iv := in.EvalInterval
	lastStep := int(in.maxEvalTime() / iv)
	st.Steps = lastStep + 1

	ac, err := newAlertChecker(in)
	if err != nil {
		return []Failure{loadFail(err)}, st, nil
	}
	step := func(k int) time.Time { return gr.mint.Add(time.Duration(k) * iv) }

	if exhaustive {
		// promtool's loop.
		for k := 0; k <= lastStep; k++ {
			ts := step(k)
			var ruleErrs []engine.RuleError
			if err := sess.LoadUntil(ts); err != nil {
				fails = append(fails, loadFail(err))
			} else {
				var n int
				n, ruleErrs = sess.EvalAll(ts)
				st.RuleEvals += n
			}
			st.EvaluatedSteps++
			if len(ruleErrs) > 0 {
				for _, e := range ruleErrs {
					fails = append(fails, ruleFailure(in.Name, e))
				}
				return fails, st, nil
			}
			fails = append(fails, ac.check(k, iv, sess, rules)...)
			gr.obs.record(k, sess, rules, nil)
		}
	} else {
		// If the input cannot be parsed, loading it fails in either
		// mode, whatever the plan.
		input, inputOK := gr.inputLabels()
		p, reason := plan.Build(rules, in.demands(gr.obs), plan.Options{
			Interval:   iv,
			Lookback:   gr.opts.lookback(),
			LastStep:   lastStep,
			NoCompress: gr.opts.NoCompress,
			NoLatest:   gr.opts.NoLatest,
			Input:      input,
			Parser:     gr.parser,
		})
		if reason != "" {
			return nil, st, &needExhaustive{reason}
		}
		probed, prefixes := gr.obs.undecided(), gr.obs.probing()
		gr.obs.markDense(probed, prefixes, p.Dense)
		// promtool fails a test at the first step any rule fails at, and
		// on demand most steps are skipped: rule out failures first
		// (plan/prove.go).
		if inputOK { // Otherwise loading the input fails in either mode.
			need, reason := p.ScanNeeds(input, gr.opts.EnableDelayedNameRemoval)
			if reason != "" {
				return nil, st, &needExhaustive{reason}
			}
			if need != nil {
				reason, st.ScannedRules = sess.Scan(need, gr.mint, lastStep, iv)
				if reason != "" {
					return nil, st, &needExhaustive{reason}
				}
			}
		}
		if inputOK && !gr.opts.NoMaterialize {
			p.MarkMaterializable(input)
		}
		mat, err := newMaterializer(p, sess, gr.mint, iv)
		if err != nil {
			return []Failure{loadFail(err)}, st, nil
		}
		defer func() { st.MaterializedSteps = mat.steps }()
		for _, n := range p.Nodes {
			if n.Compress {
				sess.Discard(n.Rule.Index)
			}
		}
		// Compressed rules not evaluated at a step have stale states
		// there; catchUp records what they were.
		var recordStep int
		staleRule := func(i int) bool { n := p.Nodes[i]; return n.Compress && n.Last != recordStep }
		it := p.Steps()
		for k, ok := it(); ok; k, ok = it() {
			ts := step(k)
			if err := sess.LoadUntil(ts); err != nil {
				return nil, st, &needExhaustive{"loading input series failed: " + err.Error()}
			}
			if reason := mat.advance(k); reason != "" {
				return nil, st, &needExhaustive{reason}
			}
			for _, n := range p.Nodes {
				if n.Materialize || !n.Cur.Contains(k) {
					continue
				}
				if n.Compress {
					if !n.MCur.Contains(k) {
						continue
					}
					if n.Steps.SameRun(n.Last, k) {
						evals, reason := gr.catchUp(sess, n, k)
						st.RuleEvals += evals
						if reason != "" {
							return nil, st, &needExhaustive{reason}
						}
					}
					n.Last = k
				}
				st.RuleEvals++
				if e := sess.EvalRule(n.Rule.Index, ts); e != nil {
					return nil, st, &needExhaustive{"rule evaluation failed: " + e.Rule + ": " + e.Err.Error()}
				}
			}
			st.EvaluatedSteps++
			fails = append(fails, ac.check(k, iv, sess, rules)...)
			recordStep = k
			gr.obs.record(k, sess, rules, staleRule)
		}
		// promtool's last step loads the input up to it.
		if err := sess.LoadUntil(step(lastStep)); err != nil {
			return nil, st, &needExhaustive{"loading input series failed: " + err.Error()}
		}
		if reason := mat.advance(lastStep); reason != "" {
			return nil, st, &needExhaustive{reason}
		}
		if gr.obs != nil {
			gr.obs.probe(sess, p.Probes, probed, prefixes)
		}
	}

	gr.obs.finish(lastStep)
	fails = append(fails, gr.checkExprs(sess)...)
	if in.Plot != nil {
		gr.lines, gr.lineErrs = gr.plot(sess)
	}
	return fails, st, nil
}

// inputLabels returns the label sets of the input series, or false if one
// cannot be parsed (the loader then fails the test anyway).
func (gr *groupRun) inputLabels() ([]labels.Labels, bool) {
	var out []labels.Labels
	for _, s := range gr.in.Series {
		l, err := gr.parser.ParseMetric(s.Series)
		if err != nil {
			return nil, false
		}
		out = append(out, l)
	}
	return out, true
}

// catchUp brings a compressed rule from its last evaluation up to step k
// (exclusive): it evaluates the rule for real at every skipped step where
// its expression's label sets change, and with keep_firing_for at the
// step before each such change, k's included (see plan/compress.go), and
// records the derived states of the skipped steps that are observed. It
// returns the rule evaluations it took, or a reason to run exhaustively.
func (gr *groupRun) catchUp(sess *engine.Session, n *plan.Node, k int) (int, string) {
	if n.Last < 0 || k-n.Last <= 1 {
		return 0, ""
	}
	iv := gr.in.EvalInterval
	keep := n.Rule.KeepFiringFor > 0
	count := k - n.Last
	if keep {
		count++ // Step k too: a change there needs step k-1.
	}
	start := gr.mint.Add(time.Duration(n.Last)*iv - n.Rule.QueryOffset)
	sets, err := sess.LabelSets(n.Rule.Index, start, count, iv)
	if err != nil {
		return 0, "rule " + n.Rule.Name + ": " + err.Error()
	}
	evals := 0
	cur := sets[0]
	// The rule's alerts change only where it is evaluated: they are read
	// once per evaluation, not at every step derived from it.
	var alerts []engine.Alert
	read := false
	alertsNow := func() []engine.Alert {
		if !read {
			alerts, read = sess.Alerts(n.Rule.Index), true
		}
		return alerts
	}
	for s := n.Last + 1; s < k; s++ {
		set := sets[s-n.Last]
		if set != cur || keep && sets[s+1-n.Last] != set {
			cur = set
			evals++
			if e := sess.EvalRule(n.Rule.Index, gr.mint.Add(time.Duration(s)*iv)); e != nil {
				return evals, "rule evaluation failed: " + e.Rule + ": " + e.Err.Error()
			}
			read = false
		}
		gr.obs.derive(s, alertsNow, n.Rule)
	}
	return evals, ""
}

// materializer has the engine record the outputs of materialized rules,
// step range by step range as the evaluation loop advances.
type materializer struct {
	sess  *engine.Session
	mint  time.Time
	iv    time.Duration
	nodes []*plan.Node
	state []*engine.RecordState
	steps int
}

// newMaterializer returns a materializer that does nothing if no rule of
// the plan is materialized.
func newMaterializer(p *plan.Plan, sess *engine.Session, mint time.Time, iv time.Duration) (*materializer, error) {
	m := &materializer{sess: sess, mint: mint, iv: iv}
	for _, n := range p.Nodes {
		if n.Materialize {
			m.nodes = append(m.nodes, n)
			m.state = append(m.state, engine.NewRecordState())
		}
	}
	if len(m.nodes) == 0 {
		return m, nil
	}
	return m, sess.EnableRecording()
}

// advance materializes every step up to k of the materialized rules. The
// input series must be loaded up to step k: the rules only read samples at
// or before the steps they are evaluated at, so later input is not seen.
func (m *materializer) advance(k int) string {
	for i, n := range m.nodes {
		st := m.state[i]
		var runs [][2]int
		for _, sp := range n.Steps {
			if sp.Hi <= st.Done || sp.Lo > k {
				continue
			}
			runs = append(runs, [2]int{sp.Lo, min(sp.Hi, k)})
		}
		steps, reason := m.sess.Record(n.Rule.Index, runs, m.mint, m.iv, st)
		m.steps += steps
		if reason != "" {
			return reason
		}
	}
	return ""
}
