package simulate

import (
	"errors"
	"fmt"
	"maps"
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
}

// AlertState is an alert the rules report after an evaluation.
type AlertState struct {
	Name        string
	Labels      map[string]string
	Annotations map[string]string
	Firing      bool
	// ActiveAt is when the alert went pending, from the test's start. On
	// demand it is exact for alerts that went pending within the observed
	// steps (or `for` before them); an alert active since earlier shows
	// the first evaluated step instead. Exhaustive runs are always exact.
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
	Stats  Stats
}

// Observe runs one test group given as data, on demand unless
// opts.Exhaustive, and returns promtool's verdicts on its alert and
// expression tests and the observed alert states. The error is only for
// an invalid Input.
func Observe(in Input, opts Options) (*Output, error) {
	if in.EvalInterval <= 0 {
		return nil, errors.New("simulate: evaluation interval must be positive")
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
		for _, r := range in.Observe {
			if r.To < r.From {
				return nil, fmt.Errorf("simulate: observed range ends (%s) before it starts (%s)", r.To, r.From)
			}
			names := map[string]bool{}
			for _, n := range r.Alertnames {
				names[n] = true
			}
			obs.ranges = append(obs.ranges, plan.Observed{Names: names, From: r.From, To: r.To, StatesOnly: r.StatesOnly})
		}
	}
	gr := &groupRun{in: &in, opts: opts, parser: opts.parser(), mint: mint, obs: obs}
	fails, st := gr.run()
	out := &Output{Failures: fails, Stats: st}
	if obs != nil {
		out.States = obs.states
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
	return m
}

// demands are what the assertions read, for the planner.
func (in *Input) demands(obs *observation) plan.Demands {
	var d plan.Demands
	for _, a := range in.AlertTests {
		d.Alerts = append(d.Alerts, plan.AlertAssertion{At: a.At, Alertname: a.Alertname})
	}
	if obs != nil {
		d.Observed = obs.ranges
	}
	for _, e := range in.ExprTests {
		d.Exprs = append(d.Exprs, plan.ExprAssertion{Expr: e.Expr, At: e.At})
	}
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
	states map[time.Duration][]AlertState
}

// reset drops the states of an abandoned run.
func (o *observation) reset() {
	if o != nil {
		o.states = map[time.Duration][]AlertState{}
	}
}

// names returns the alert names observed at step k.
func (o *observation) names(k int) map[string]bool {
	names := map[string]bool{}
	for _, r := range o.ranges {
		if plan.Step(r.From, o.iv) <= k && k <= plan.Step(r.To, o.iv) {
			maps.Copy(names, r.Names)
		}
	}
	return names
}

// observes reports whether alert name is observed at step k.
func (o *observation) observes(k int, name string) bool {
	for _, r := range o.ranges {
		if r.Names[name] && plan.Step(r.From, o.iv) <= k && k <= plan.Step(r.To, o.iv) {
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
	t := time.Duration(k) * o.iv
	names := o.names(k)
	if len(names) == 0 {
		return
	}
	states := o.states[t]
	if states == nil {
		states = []AlertState{}
	}
	for _, r := range rules {
		if !r.Alert || !names[r.Name] || stale != nil && stale(r.Index) {
			continue
		}
		states = appendStates(states, sess, r, o.mint, nil)
	}
	o.states[t] = states
}

// appendStates appends the active alerts of alerting rule r. With at set,
// the firing state is the one at that time (see plan/compress.go).
func appendStates(states []AlertState, sess *engine.Session, r engine.Rule, mint time.Time, at *time.Time) []AlertState {
	for _, a := range sess.Alerts(r.Index) {
		firing := a.Firing
		if at != nil && a.Pending {
			firing = at.Sub(a.ActiveAt) >= r.For
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
// it had then: those of its last evaluation, firing once `for` has passed.
func (o *observation) derive(s int, sess *engine.Session, r engine.Rule) {
	if o == nil || !o.observes(s, r.Name) {
		return
	}
	t := time.Duration(s) * o.iv
	at := o.mint.Add(t)
	states := o.states[t]
	if states == nil {
		states = []AlertState{}
	}
	o.states[t] = appendStates(states, sess, r, o.mint, &at)
}

// finish gives every observed step up to lastStep its states, empty when
// no rule recorded any, and sorts them by name and labels.
func (o *observation) finish(lastStep int) {
	if o == nil {
		return
	}
	for _, r := range o.ranges {
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
