package simulate

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/slo-compiler/slo/internal/simulate/engine"
	"github.com/slo-compiler/slo/internal/simulate/plan"
)

// Input is one test group given as data: the rule files to load
// (rendered, on disk), the input series, promtool-style alert and
// expression tests, and the alert states to observe over ranges of time
// (slo's pending, range and routing assertions are checked on those by
// the caller).
type Input struct {
	// Name of the test group ("" for promtool's unnamed groups).
	Name         string
	RuleFiles    []string
	EvalInterval time.Duration
	// Interval is the time between input samples; zero means
	// EvalInterval.
	Interval       time.Duration
	Series         []SeriesInput
	AlertTests     []AlertTest
	ExprTests      []ExprTest
	ExternalLabels map[string]string
	ExternalURL    string
	Observe        []ObserveRange
	// Start is the time of the first step; zero means the Unix epoch.
	Start time.Time
	// GroupOrder ranks rule groups by name (promtool's group_eval_order).
	GroupOrder map[string]int
	// Fuzzy compares floats of expected samples and annotations within
	// one ulp (promtool's fuzzy_compare).
	Fuzzy bool
	// Plot, when set, asks for the series of expressions over the run
	// (Output.Lines); the run lasts until Plot.End at least.
	Plot *Plot
}

// SeriesInput is a series in promtool's notation.
type SeriesInput struct{ Series, Values string }

// AlertTest is promtool's alert_rule_test: Firing is exactly the firing
// alerts of Alertname at At.
type AlertTest struct {
	At        time.Duration
	Alertname string
	Firing    []ExpectedAlert
}

// ExpectedAlert is an alert's labels (but alertname) and annotations.
type ExpectedAlert struct{ Labels, Annotations map[string]string }

// ExprTest is promtool's promql_expr_test.
type ExprTest struct {
	Expr    string
	At      time.Duration
	Samples []ExpectedSample
}

// ExpectedSample is a series in PromQL notation and its value, or its
// histogram in load notation when Histogram is set.
type ExpectedSample struct {
	Labels    string
	Value     float64
	Histogram string
}

// ObserveRange asks for the states of the named alerts after every
// evaluation from From to To.
type ObserveRange struct {
	Alertnames []string
	From, To   time.Duration
	// StatesOnly says only each alert's name, labels, firing state and
	// ActiveAt are needed: at steps where a rule's state can only have
	// changed by time passing, it is derived instead of evaluated
	// (plan/compress.go), with the annotations of the rule's last
	// evaluation.
	StatesOnly bool
	// FiringOnly asks only whether an alert of the names whose labels
	// include Labels fires at some evaluation of the range. When an
	// on-demand run shows that none does without observing every step
	// (plan/sparse.go), Output.Silent says so and the range's steps may
	// have no states; otherwise the range is observed as a StatesOnly
	// one.
	FiringOnly bool
	// FiresSome asks only whether an alert of the names whose labels
	// include Labels fires at some evaluation of the range. The range's
	// last evaluation is observed first, alone; when an alert the range
	// selects fires there, the range's other steps may have no states
	// (the answer is yes, and the states say so). Otherwise the range is
	// observed as a StatesOnly one (see witnessRange).
	FiresSome bool
	// UntilFiring says the states are read only up to the range's first
	// step where an alert of the names whose labels include Labels fires
	// (and at every step when none does); the steps after it may have no
	// states. On demand, the alerting rules' expressions are probed first
	// to guess that step, and the range is observed up to the guess; when
	// no such alert fires there, the whole range is observed (see
	// prefixRange).
	UntilFiring bool
	// Labels, when set, ask only for alerts with these label values:
	// rules whose labels give their alerts other values are not
	// observed, and their alerts may be missing from Output.States.
	Labels map[string]string
}

// AlertState is an alert the rules report after an evaluation.
type AlertState struct {
	Name        string
	Labels      map[string]string
	Annotations map[string]string
	Firing      bool
	// ActiveAt is when the alert went pending, from the test's start. On
	// demand it is exact for alerts that went pending within the observed
	// steps (or `for` and one step before them); an alert active since
	// earlier shows the first evaluated step instead, which is before the
	// range. Exhaustive runs are always exact.
	ActiveAt time.Duration
}

// Output is what a run found.
type Output struct {
	// Failures of the alert and expression tests, rule evaluation errors
	// and load errors, in promtool's order.
	Failures []Failure
	// States holds, for each observed evaluation time, the active alerts
	// of the observed names, sorted by name and labels.
	States map[time.Duration][]AlertState
	// Silent has, for each range of Input.Observe, whether it is a
	// FiringOnly range shown to have no firing alert without being
	// observed.
	Silent []bool
	// Lines has the series of each expression of Input.Plot, and
	// LineErrs why one could not be evaluated (nil where it was). Both
	// are nil when there is no plot or the run stopped before its end
	// (a load failure or promtool's stop at a failing rule: Failures
	// says which).
	Lines    [][]Line
	LineErrs []error
	Stats    Stats
}

// Observe runs one test group given as data, on demand unless
// opts.Exhaustive, and returns promtool's verdicts on its alert and
// expression tests and the observed alert states. The error is only for
// an invalid Input.
func Observe(in Input, opts Options) (*Output, error) {
	if in.EvalInterval <= 0 {
		return nil, errors.New("simulate: evaluation interval must be positive")
	}
	if in.Plot != nil && in.Plot.Step <= 0 {
		return nil, errors.New("simulate: plot step must be positive")
	}
	if in.Interval == 0 {
		in.Interval = in.EvalInterval
	}
	mint := in.Start
	if mint.IsZero() {
		mint = time.Unix(0, 0).UTC()
	}
	var obs *observation
	if len(in.Observe) > 0 {
		obs = &observation{iv: in.EvalInterval, mint: mint, states: map[time.Duration][]AlertState{}}
		for i, r := range in.Observe {
			if r.To < r.From {
				return nil, fmt.Errorf("simulate: observed range ends (%s) before it starts (%s)", r.To, r.From)
			}
			names := map[string]bool{}
			for _, n := range r.Alertnames {
				names[n] = true
			}
			if r.FiringOnly {
				obs.sparse = append(obs.sparse, &sparseRange{in: i, fo: plan.FiringOnly{Names: names, From: r.From, To: r.To, Labels: r.Labels}})
				continue
			}
			if r.FiresSome {
				obs.witness = append(obs.witness, newWitnessRange(plan.FiringOnly{Names: names, From: r.From, To: r.To, Labels: r.Labels}, in.EvalInterval))
				continue
			}
			if r.UntilFiring {
				obs.prefix = append(obs.prefix, newPrefixRange(plan.FiringOnly{Names: names, From: r.From, To: r.To, Labels: r.Labels}, in.EvalInterval))
				continue
			}
			obs.ranges = append(obs.ranges, plan.Observed{Names: names, From: r.From, To: r.To, StatesOnly: r.StatesOnly, Labels: r.Labels})
		}
	}
	gr := &groupRun{in: &in, opts: opts, parser: opts.parser(), mint: mint, obs: obs}
	fails, st := gr.run()
	out := &Output{Failures: fails, Stats: st, Silent: make([]bool, len(in.Observe)), Lines: gr.lines, LineErrs: gr.lineErrs}
	if obs != nil {
		out.States = obs.states
		for _, sr := range obs.sparse {
			out.Silent[sr.in] = !sr.dense && sr.probed
		}
	} else {
		out.States = map[time.Duration][]AlertState{}
	}
	return out, nil
}

// maxEvalTime returns the last time any test or observed range looks at.
func (in *Input) maxEvalTime() time.Duration {
	var m time.Duration
	for _, a := range in.AlertTests {
		m = max(m, a.At)
	}
	for _, e := range in.ExprTests {
		m = max(m, e.At)
	}
	for _, r := range in.Observe {
		m = max(m, r.To)
	}
	if in.Plot != nil {
		m = max(m, in.Plot.End)
	}
	return m
}

// demands are what the assertions read, for the planner.
func (in *Input) demands(obs *observation) plan.Demands {
	var d plan.Demands
	for _, a := range in.AlertTests {
		d.Alerts = append(d.Alerts, plan.AlertAssertion{At: a.At, Alertname: a.Alertname})
	}
	if obs != nil {
		d.Observed = obs.observed()
		for _, sr := range obs.undecided() {
			d.FiringOnly = append(d.FiringOnly, sr.fo)
		}
		// After the firing-only ranges: see observation.probe.
		for _, pr := range obs.probing() {
			d.FiringOnly = append(d.FiringOnly, pr.fo)
		}
	}
	for _, e := range in.ExprTests {
		d.Exprs = append(d.Exprs, plan.ExprAssertion{Expr: e.Expr, At: e.At})
	}
	d.Ranges = in.Plot.demands()
	return d
}

func shortDuration(d time.Duration) string {
	s := model.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// observation collects alert states at observed steps.
type observation struct {
	iv     time.Duration
	mint   time.Time
	ranges []plan.Observed
	// sparse are the FiringOnly ranges.
	sparse []*sparseRange
	// witness are the FiresSome ranges.
	witness []*witnessRange
	// prefix are the UntilFiring ranges.
	prefix []*prefixRange
	// all caches observed(); nil when stale.
	all    []plan.Observed
	states map[time.Duration][]AlertState
}

// sparseRange is a FiringOnly range.
type sparseRange struct {
	// in is its index in Input.Observe.
	in int
	fo plan.FiringOnly
	// dense is set once it is observed as a states-only range: when the
	// plan cannot probe it, a probe found a matching series, or the run
	// is exhaustive.
	dense bool
	// found is set when a probe returned a series the selector matches;
	// probed when the probes of the last run were evaluated.
	found, probed bool
}

// witnessRange is a FiresSome range: "a selected alert fires at some
// evaluation in [From, To]" (FiresWithin), which one evaluation where one
// fires shows. Until it is dense, only its last step, w, is observed, as a
// states-only range of its own: each observed step is an alert assertion
// (plan.go, demand 1), so the states there are promtool's. If a selected
// alert fires at w, it fires at an evaluation of the range in promtool's
// run too, and a check of the range over the states observed (which
// include w's) finds it: the verdict is the same as with every step
// observed. If none fires at w, the range is observed at every step in a
// run of its own (densify), exactly as before, with the same verdict and
// message. The last step is where a range that waits for an alert to fire
// (a `for` to pass, an average to move) most likely sees it firing.
type witnessRange struct {
	fo plan.FiringOnly
	// at is the time of the range's last step; dense is set when the
	// range is observed at every step: when at is before From (no step
	// in the range), no selected alert fired at at, or the run is
	// exhaustive.
	at    time.Duration
	dense bool
}

func newWitnessRange(fo plan.FiringOnly, iv time.Duration) *witnessRange {
	at := time.Duration(plan.Step(fo.To, iv)) * iv
	return &witnessRange{fo: fo, at: at, dense: at < fo.From}
}

// observed returns what of w is observed: its last step, or the range.
func (w *witnessRange) observed() plan.Observed {
	ob := w.fo.Observed()
	if !w.dense {
		ob.From = w.at
	}
	return ob
}

// firesIn reports whether an alert fo selects fires in states, the
// states observed at one step.
func firesIn(fo plan.FiringOnly, states []AlertState) bool {
	for _, st := range states {
		if st.Firing && fo.Names[st.Name] && includes(fo.Labels, func(k string) string { return st.Labels[k] }) {
			return true
		}
	}
	return false
}

// prefixRange is an UntilFiring range: the caller reads its states only up
// to its first step f where an alert it selects fires (the harness's
// "pending, then fires" reads the alert firing there and its ActiveAt),
// or all of them when there is no such step. When the alert fires early
// in a long range, observing the rest costs most of the run.
//
// Soundness. Suppose the range is observed from From up to some step E
// only, and an alert it selects fires at a step of [From, E]. Each
// observed step is an alert assertion of its own (plan.go, demand 1), so
// the states at every step up to E are promtool's in this run as in a run
// observing the whole range; where ActiveAt is inexact (an alert active
// since before the rule's first evaluated step), both show that first
// step, which is the same in both: the rule's steps start where the
// range's From and the group's other demands put them, whatever the
// range's end. The first step of [From, To] with a firing selected alert
// is then the first one of [From, E], with the same alert: the caller's
// verdict is the one it reaches with the whole range observed. If no
// selected alert fires at a step of [From, E], the range is observed at
// every step in a run of its own (densify), exactly as before. So any E is
// sound; the probes only make a guess, which a good one holds f in.
// "A step of [From, E]" is one in time: a range that starts between two
// steps is recorded from the step before too.
//
// The guess. The first run observes nothing of the range but probes each
// alerting rule it selects at about prefixProbes steps spread over it, at
// least ceil(for/interval)+1 apart, as a firing-only range is probed
// (plan/sparse.go, which also says which rules can be probed; the range is
// observed whole when one cannot). When a probe at q finds a series with
// the alert's labels, the alert is active at q; if it stays returned, it
// fires by q+m (m = ceil(for/interval)). A threshold crossed once, as in a generated "pending,
// then fires" scenario, gives a last run of probes that find the alert,
// up to the end of the range; earlier ones are flickers, which go pending
// and inactive again without firing. So E is the least q+m over the
// rules, q the first probe of the last run of probes that found a
// selected series. A probe that fails, or no probe finding a selected
// series, or a guess before the range's first step (an alert kept firing
// since before the range), leaves the range to be observed whole; so does
// a guess at its last step or after, which leaves no step out. A run of
// its own costs about as much as a short scenario: ranges shorter than
// minPrefixSteps are observed whole from the start.
type prefixRange struct {
	fo plan.FiringOnly
	// probing is set until the first run's probes are evaluated; then the
	// range is observed up to end, or whole once dense: when the plan
	// cannot probe it, the probes give no guess, no selected alert fires
	// up to end, or the run is exhaustive.
	probing, dense bool
	end            time.Duration
	// guess is the least step the probes found (q+m), when found; failed
	// is set when a probe failed.
	guess         int
	found, failed bool
}

// prefixProbes is about how many steps of an until-firing range are
// probed, at most: a guess needs no more, and each costs the steps of
// the rules the alert reads.
const prefixProbes = 32

// minPrefixSteps is the fewest steps of an until-firing range that is
// probed; shorter ones are observed whole, as other states-only ranges.
// Probing costs a run of its own, which the steps a prefix leaves out
// must pay for, and where the alert fires is not known before. Measured
// on this repository's generated scenarios with every range probed (CPU
// time of each scenario alone, BenchmarkGeneratedScenario, two runs each
// alternating with the code before): ranges of 7 to 364 steps took 0.9 to
// 1.7 times as long, 1,468 steps whose alert fires in their last tenth
// 1.3 to 1.6 times, 1,503 steps firing in their last 7% 1.1 to 1.2 times,
// 1,026 steps firing in their first quarter 0.8 times, and 4,348 steps
// firing at about a quarter 0.5 times. A variable for tests.
var minPrefixSteps = 2000

func newPrefixRange(fo plan.FiringOnly, iv time.Duration) *prefixRange {
	steps := plan.Step(fo.To, iv) - plan.Step(fo.From, iv) + 1
	if steps < minPrefixSteps {
		return &prefixRange{fo: fo, dense: true}
	}
	fo.Stride = (steps + prefixProbes - 1) / prefixProbes
	return &prefixRange{fo: fo, probing: true}
}

// observed returns what of p is observed, and false while it is probed.
func (p *prefixRange) observed() (plan.Observed, bool) {
	ob := p.fo.Observed()
	if !p.dense {
		ob.To = p.end
	}
	return ob, !p.probing
}

// guessed notes the guess of probe pr, whose j-th probed step returned a
// selected series where active[j] is set: the first step of the last run
// of such probed steps, plus m. A run of steps above a threshold that
// fires is usually the last, and probes meeting a flicker before it then
// do not count.
func (p *prefixRange) guessed(active []bool, pr plan.Probe, iv time.Duration) {
	j := len(active) - 1
	for j >= 0 && !active[j] {
		j--
	}
	if j < 0 {
		return
	}
	for j > 0 && active[j-1] {
		j--
	}
	g := pr.From + j*pr.Every + int((pr.Rule.For+iv-1)/iv)
	if !p.found || g < p.guess {
		p.guess, p.found = g, true
	}
}

// settle ends p's probing with what the probes found.
func (p *prefixRange) settle(iv time.Duration) {
	p.probing = false
	lo, hi := firstStep(p.fo.From, iv), plan.Step(p.fo.To, iv)
	if p.failed || !p.found || p.guess < lo || p.guess >= hi {
		// No guess, or none that leaves steps out.
		p.dense = true
		return
	}
	p.end = time.Duration(p.guess) * iv
}

// firstStep is the first step at or after t (t >= 0). An observed range
// records its states from the step at or before its start, which is not
// in it when it starts between two steps.
func firstStep(t, iv time.Duration) int { return int((t + iv - 1) / iv) }

// fired reports whether an alert p selects fires at a step of p's prefix,
// in states.
func (p *prefixRange) fired(states map[time.Duration][]AlertState, iv time.Duration) bool {
	for k := firstStep(p.fo.From, iv); k <= plan.Step(p.end, iv); k++ {
		if firesIn(p.fo, states[time.Duration(k)*iv]) {
			return true
		}
	}
	return false
}

// includes reports whether a label set, read through get, has every
// label value of sel: an alert a range's Labels select.
func includes(sel map[string]string, get func(string) string) bool {
	for k, v := range sel {
		if get(k) != v {
			return false
		}
	}
	return true
}

// observed returns the ranges observed step by step: the ranges given,
// the dense firing-only ones and the witness ranges (their last step, or
// all of them once dense).
func (o *observation) observed() []plan.Observed {
	if o.all != nil {
		return o.all
	}
	out := append([]plan.Observed{}, o.ranges...)
	for _, sr := range o.sparse {
		if sr.dense {
			out = append(out, sr.fo.Observed())
		}
	}
	for _, w := range o.witness {
		out = append(out, w.observed())
	}
	for _, p := range o.prefix {
		if ob, ok := p.observed(); ok {
			out = append(out, ob)
		}
	}
	o.all = out
	return out
}

// undecided returns the firing-only ranges still probed, in the order
// of plan.Demands.FiringOnly.
func (o *observation) undecided() []*sparseRange {
	if o == nil {
		return nil
	}
	var out []*sparseRange
	for _, sr := range o.sparse {
		if !sr.dense {
			out = append(out, sr)
		}
	}
	return out
}

// probing returns the until-firing ranges still to be probed, in the
// order of plan.Demands.FiringOnly (after undecided's).
func (o *observation) probing() []*prefixRange {
	if o == nil {
		return nil
	}
	var out []*prefixRange
	for _, p := range o.prefix {
		if p.probing {
			out = append(out, p)
		}
	}
	return out
}

// markDense observes the ranges of probed (undecided's, then probing's)
// the plan marks dense (plan.Plan.Dense), which cannot be probed.
func (o *observation) markDense(probed []*sparseRange, prefixes []*prefixRange, dense []bool) {
	for j, d := range dense {
		if !d {
			continue
		}
		if j < len(probed) {
			probed[j].dense = true
		} else {
			p := prefixes[j-len(probed)]
			p.probing, p.dense = false, true
		}
		o.all = nil
	}
}

// densify observes the firing-only ranges a probe found a series of and
// the witness ranges whose last step, as the last run observed it, has no
// firing alert they select (all of them when all is set), and reports
// whether it changed any.
func (o *observation) densify(all bool) bool {
	if o == nil {
		return false
	}
	changed := false
	for _, sr := range o.sparse {
		if !sr.dense && (all || sr.found) {
			sr.dense, changed = true, true
		}
		sr.found = false
	}
	for _, w := range o.witness {
		if !w.dense && (all || !firesIn(w.fo, o.states[w.at])) {
			w.dense, changed = true, true
		}
	}
	for _, p := range o.prefix {
		switch {
		case p.dense:
		case all:
			p.probing, p.dense, changed = false, true, true
		case p.probing:
			// Not observed yet: observed up to the guess, or whole.
			p.settle(o.iv)
			changed = true
		case !p.fired(o.states, o.iv):
			p.dense, changed = true, true
		}
	}
	o.all = nil
	return changed
}

// probe evaluates the probes of a plan after the run and notes the
// firing-only ranges (ranges, the first probes' Range indexes) where a
// probed rule returned a series whose alert labels the range's selector
// matches (plan/sparse.go), an error counting as such a series, and the
// until-firing ranges' guesses (prefixes, the next indexes; see
// prefixRange).
func (o *observation) probe(sess *engine.Session, probes []plan.Probe, ranges []*sparseRange, prefixes []*prefixRange) {
	for _, sr := range ranges {
		sr.probed = true
	}
	for _, pr := range probes {
		var sr *sparseRange
		var pf *prefixRange
		var fo plan.FiringOnly
		var active []bool
		if pr.Range < len(ranges) {
			if sr = ranges[pr.Range]; sr.found {
				continue
			}
			fo = sr.fo
		} else {
			if pf = prefixes[pr.Range-len(ranges)]; pf.failed {
				continue
			}
			fo = pf.fo
			active = make([]bool, (pr.To-pr.From)/pr.Every+1)
		}
		r := pr.Rule
		start := o.mint.Add(time.Duration(pr.From)*o.iv - r.QueryOffset)
		end := o.mint.Add(time.Duration(pr.To)*o.iv - r.QueryOffset)
		returned, err := sess.Returned(r.Query.String(), start, end, time.Duration(pr.Every)*o.iv)
		if err != nil {
			if sr != nil {
				sr.found = true
			} else {
				pf.failed = true
			}
			continue
		}
		lb := labels.NewBuilder(labels.EmptyLabels())
		for _, rs := range returned {
			if !includes(fo.Labels, engine.AlertLabels(lb, rs.Labels, r.Labels, r.Name).Get) {
				continue
			}
			if sr != nil {
				sr.found = true
				break
			}
			for _, t := range rs.Times {
				active[int(t.Sub(start)/o.iv)/pr.Every] = true
			}
		}
		if pf != nil {
			pf.guessed(active, pr, o.iv)
		}
	}
}

// reset drops the states of an abandoned run.
func (o *observation) reset() {
	if o != nil {
		o.states = map[time.Duration][]AlertState{}
		for _, sr := range o.sparse {
			sr.probed = false
		}
	}
}

// observesAny reports whether some alert name is observed at step k.
func (o *observation) observesAny(k int) bool {
	for _, r := range o.observed() {
		if len(r.Names) > 0 && plan.Step(r.From, o.iv) <= k && k <= plan.Step(r.To, o.iv) {
			return true
		}
	}
	return false
}

// observes reports whether alerting rule ar is observed at step k.
func (o *observation) observes(k int, ar engine.Rule) bool {
	for _, r := range o.observed() {
		// The step bounds first: Selects matches the range's labels
		// against the rule's, and this runs per rule at every step.
		if plan.Step(r.From, o.iv) <= k && k <= plan.Step(r.To, o.iv) && r.Selects(ar) {
			return true
		}
	}
	return false
}

// record notes the states after evaluation step k, but those of rules
// stale says were not evaluated at k (compressed rules, whose states
// catchUp derives later). It is called at every step either mode
// evaluates; the plan includes every observed step but the states-only
// ones, which finish fills in.
func (o *observation) record(k int, sess *engine.Session, rules []engine.Rule, stale func(int) bool) {
	if o == nil {
		return
	}
	// Membership is asked per rule rather than collected into a set: this
	// runs at every evaluated step, and a set would be allocated each time.
	if !o.observesAny(k) {
		return
	}
	t := time.Duration(k) * o.iv
	states := o.states[t]
	if states == nil {
		states = []AlertState{}
	}
	for _, r := range rules {
		if !r.Alert || stale != nil && stale(r.Index) || !o.observes(k, r) {
			continue
		}
		states = appendStates(states, sess.Alerts(r.Index), r, o.mint, nil)
	}
	o.states[t] = states
}

// appendStates appends the states of alerts, the active alerts of alerting
// rule r. With at set, the state is the one at that time, the label sets
// returned unchanged since (see plan/compress.go): pending alerts fire
// once `for` has passed, and alerts kept firing by keep_firing_for are
// resolved once it has passed.
func appendStates(states []AlertState, alerts []engine.Alert, r engine.Rule, mint time.Time, at *time.Time) []AlertState {
	for _, a := range alerts {
		firing := a.Firing
		if at != nil && a.Pending {
			firing = at.Sub(a.ActiveAt) >= r.For
		}
		if at != nil && !a.KeepFiringSince.IsZero() && at.Sub(a.KeepFiringSince) >= r.KeepFiringFor {
			continue
		}
		states = append(states, AlertState{
			Name:        r.Name,
			Labels:      a.Labels.Map(),
			Annotations: a.Annotations.Map(),
			Firing:      firing,
			ActiveAt:    a.ActiveAt.Sub(mint),
		})
	}
	return states
}

// derive records, at a step s that compressed rule r skipped, the states
// it had then: those of its last evaluation (alerts returns its active
// alerts), firing once `for` has passed and no longer kept firing once
// keep_firing_for has.
func (o *observation) derive(s int, alerts func() []engine.Alert, r engine.Rule) {
	if o == nil || !o.observes(s, r) {
		return
	}
	t := time.Duration(s) * o.iv
	at := o.mint.Add(t)
	states := o.states[t]
	if states == nil {
		states = []AlertState{}
	}
	o.states[t] = appendStates(states, alerts(), r, o.mint, &at)
}

// finish gives every observed step up to lastStep its states, empty when
// no rule recorded any, and sorts them by name and labels.
func (o *observation) finish(lastStep int) {
	if o == nil {
		return
	}
	for _, r := range o.observed() {
		for k := plan.Step(r.From, o.iv); k <= min(plan.Step(r.To, o.iv), lastStep); k++ {
			t := time.Duration(k) * o.iv
			if o.states[t] == nil {
				o.states[t] = []AlertState{}
			}
		}
	}
	for _, states := range o.states {
		slices.SortFunc(states, func(a, b AlertState) int {
			if a.Name != b.Name {
				return strings.Compare(a.Name, b.Name)
			}
			return labels.Compare(labels.FromMap(a.Labels), labels.FromMap(b.Labels))
		})
	}
}
