package simulate

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/rules"
)

// Input is one test group given as data rather than a promtool file: the
// rule files to load (rendered, on disk), the input series, promtool-style
// alert and expression tests, and the alert states to observe over ranges
// of time (slo's pending, range and routing assertions are checked on
// those by the caller).
type Input struct {
	Name         string
	RuleFiles    []string
	EvalInterval time.Duration
	// Interval is the time between input samples.
	Interval       time.Duration
	Series         []SeriesInput
	AlertTests     []AlertTest
	ExprTests      []ExprTest
	ExternalLabels map[string]string
	Observe        []ObserveRange
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

// ExpectedSample is a series in PromQL notation and its value.
type ExpectedSample struct {
	Labels string
	Value  float64
}

// ObserveRange asks for the states of the named alerts after every
// evaluation from From to To.
type ObserveRange struct {
	Alertnames []string
	From, To   time.Duration
	// StatesOnly says only each alert's name, labels, firing state and
	// ActiveAt are needed: at steps where a rule's state can only have
	// changed by time passing, it is derived instead of evaluated
	// (compress.go), with the annotations of the rule's last evaluation.
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
	// Errors are promtool's failure messages for the alert and expression
	// tests, and rule evaluation errors.
	Errors []string
	// States holds, for each observed evaluation time, the active alerts
	// of the observed names, sorted by name and labels.
	States map[time.Duration][]AlertState
	Stats  Stats
}

type obsRange struct {
	names      map[string]bool
	from, to   time.Duration
	statesOnly bool
}

// observation collects alert states at observed steps.
type observation struct {
	iv     time.Duration
	mint   time.Time
	ranges []obsRange
	states map[time.Duration][]AlertState
}

func (o *observation) maxTime() time.Duration {
	var m time.Duration
	for _, r := range o.ranges {
		m = max(m, r.to)
	}
	return m
}

// names returns the alert names observed at step k.
func (o *observation) names(k int) map[string]bool {
	names := map[string]bool{}
	for _, r := range o.ranges {
		if alertStep(model.Duration(r.from), o.iv) <= k && k <= alertStep(model.Duration(r.to), o.iv) {
			maps.Copy(names, r.names)
		}
	}
	return names
}

// record notes the states after evaluation step k, but those of rules
// stale says were not evaluated at k (compressed rules, whose states
// catchUp derives later). It is called at every step either mode
// evaluates; the plan includes every observed step but the states-only
// ones, which finish fills in.
func (o *observation) record(k int, groups []*rules.Group, stale func(rules.Rule) bool) {
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
	for _, g := range groups {
		for _, r := range g.Rules() {
			ar, ok := r.(*rules.AlertingRule)
			if !ok || !names[ar.Name()] || stale != nil && stale(r) {
				continue
			}
			states = appendStates(states, ar, o.mint, nil)
		}
	}
	o.states[t] = states
}

// appendStates appends the active alerts of ar. With at set, the firing
// state is the one at that time (see compress.go).
func appendStates(states []AlertState, ar *rules.AlertingRule, mint time.Time, at *time.Time) []AlertState {
	for _, a := range ar.ActiveAlerts() {
		firing := a.State == rules.StateFiring
		if at != nil && a.State == rules.StatePending {
			firing = at.Sub(a.ActiveAt) >= ar.HoldDuration()
		}
		states = append(states, AlertState{
			Name:        ar.Name(),
			Labels:      a.Labels.Map(),
			Annotations: a.Annotations.Map(),
			Firing:      firing,
			ActiveAt:    a.ActiveAt.Sub(mint),
		})
	}
	return states
}

// derive records, at a step s that compressed rule n skipped, the states
// it had then: those of its last evaluation, firing once `for` has passed.
func (o *observation) derive(s int, n *node) {
	if o == nil || !o.names(s)[n.alert.Name()] {
		return
	}
	t := time.Duration(s) * o.iv
	at := o.mint.Add(t)
	states := o.states[t]
	if states == nil {
		states = []AlertState{}
	}
	o.states[t] = appendStates(states, n.alert, o.mint, &at)
}

// finish gives every observed step up to lastStep its states, empty when
// no rule recorded any, and sorts them by name and labels.
func (o *observation) finish(lastStep int) {
	if o == nil {
		return
	}
	for _, r := range o.ranges {
		for k := alertStep(model.Duration(r.from), o.iv); k <= min(alertStep(model.Duration(r.to), o.iv), lastStep); k++ {
			t := time.Duration(k) * o.iv
			if o.states[t] == nil {
				o.states[t] = []AlertState{}
			}
		}
	}
	for _, states := range o.states {
		slices.SortFunc(states, func(a, b AlertState) int {
			if a.Name != b.Name {
				return cmpString(a.Name, b.Name)
			}
			return labels.Compare(labels.FromMap(a.Labels), labels.FromMap(b.Labels))
		})
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Observe runs one test group given as data, on demand unless
// opts.Exhaustive, and returns promtool's verdicts on its alert and
// expression tests and the observed alert states.
func Observe(in Input, opts Options) (*Output, error) {
	if in.EvalInterval <= 0 {
		return nil, errors.New("simulate: evaluation interval must be positive")
	}
	tg := &testGroup{
		Interval:      model.Duration(in.Interval),
		TestGroupName: in.Name,
	}
	if tg.Interval == 0 {
		tg.Interval = model.Duration(in.EvalInterval)
	}
	for _, s := range in.Series {
		tg.InputSeries = append(tg.InputSeries, series{Series: s.Series, Values: s.Values})
	}
	for _, a := range in.AlertTests {
		tc := alertTestCase{EvalTime: model.Duration(a.At), Alertname: a.Alertname}
		for _, e := range a.Firing {
			tc.ExpAlerts = append(tc.ExpAlerts, alert{ExpLabels: e.Labels, ExpAnnotations: e.Annotations})
		}
		tg.AlertRuleTests = append(tg.AlertRuleTests, tc)
	}
	for _, e := range in.ExprTests {
		tc := promqlTestCase{Expr: e.Expr, EvalTime: model.Duration(e.At)}
		for _, s := range e.Samples {
			tc.ExpSamples = append(tc.ExpSamples, sample{Labels: s.Labels, Value: s.Value})
		}
		tg.PromqlExprTests = append(tg.PromqlExprTests, tc)
	}
	if len(in.ExternalLabels) > 0 {
		tg.ExternalLabels = labels.FromMap(in.ExternalLabels)
	}
	obs := &observation{iv: in.EvalInterval, mint: time.Unix(0, 0).UTC(), states: map[time.Duration][]AlertState{}}
	for _, r := range in.Observe {
		if r.To < r.From {
			return nil, fmt.Errorf("simulate: observed range ends (%s) before it starts (%s)", r.To, r.From)
		}
		names := map[string]bool{}
		for _, n := range r.Alertnames {
			names[n] = true
		}
		obs.ranges = append(obs.ranges, obsRange{names: names, from: r.From, to: r.To, statesOnly: r.StatesOnly})
	}
	tg.observe = obs
	gr := &groupRun{
		tg:           tg,
		name:         in.Name,
		evalInterval: in.EvalInterval,
		groupOrder:   map[string]int{},
		ruleFiles:    in.RuleFiles,
		opts:         opts,
		parser:       opts.parser(),
	}
	// A run that falls back to exhaustive starts over: drop what the
	// abandoned run observed.
	var errs []error
	var st Stats
	if opts.Exhaustive {
		errs, st, _ = gr.evaluate(true)
	} else {
		var fb *errNeedExhaustive
		errs, st, fb = gr.evaluate(false)
		if fb != nil {
			obs.states = map[time.Duration][]AlertState{}
			errs, st, _ = gr.evaluate(true)
			st.Fallback = fb.reason
		}
	}
	return &Output{Errors: errorStrings(errs), States: obs.states, Stats: st}, nil
}
