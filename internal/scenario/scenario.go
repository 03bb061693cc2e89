// Package scenario holds the test scenarios of compiled rules: hand-written
// ones read from tests/*.yaml, and ones that package signal generates from a
// spec's alerts and SLOs. A scenario is data: input series in promtool's notation and the
// expectations on alerts, receivers and queries. Package simulate runs them.
package scenario

import (
	"time"

	"github.com/slo-compiler/slo/internal/diag"
)

// Scenario is one test group.
type Scenario struct {
	Name string
	// Pos is where the scenario was written, or the spec alert or SLO it was
	// generated from.
	Pos       diag.Pos
	Generated bool
	// Family names the failure mode of a generated failure-mode scenario.
	Family string
	// Interval is the time between input samples.
	Interval       time.Duration
	Series         []Series
	Alerts         []AlertAt
	Ranges         []AlertRange
	Queries        []QueryAt
	ExternalLabels map[string]string
	// Covers says which alerts this scenario shows firing or silent.
	Covers []Cover
	// Probe, on generated threshold scenarios, is the value the signal is
	// held at and the threshold it is held against.
	Probe *Probe
	// Claim, on generated burn-rate scenarios, is the error ratio the
	// input series give the SLO.
	Claim *Claim
}

// Probe is a signal value tested against a threshold. At is a time at which
// the recorded signal equals Value (once its series have the samples, and
// for signals over a window, once the window is full).
type Probe struct {
	Value, Threshold float64
	At               time.Duration
}

// Claim is an SLO error ratio a generated scenario holds: at time At, the
// error ratio over each of Windows is Ratio.
type Claim struct {
	Ratio   float64
	Windows []time.Duration
	At      time.Duration
}

// Series is an input series in promtool's notation.
type Series struct {
	Series, Values string
	Pos            diag.Pos
	// ValuesPos is where Values is written, when known (for limits).
	ValuesPos diag.Pos
}

// AlertAt checks the alerts of one name at one evaluation, like promtool's
// alert_rule_test: Firing must be exactly the firing alerts of that name;
// when CheckPending, Pending must be exactly the pending ones.
type AlertAt struct {
	At           time.Duration
	Alertname    string
	Firing       []ExpAlert
	Pending      []ExpAlert
	CheckPending bool
	Pos          diag.Pos
	// TimePos is where At is written, when known (for limits).
	TimePos diag.Pos
}

// ExpAlert is an expected alert. Labels are all its labels but alertname;
// Annotations, when not nil, are all its annotations.
// When CheckReceivers, Receivers are the receivers Alertmanager notifies
// for it at that time (routed, not inhibited by the other firing alerts, not
// held back by time intervals), in route order.
type ExpAlert struct {
	Labels         map[string]string
	Annotations    map[string]string
	Receivers      []string
	CheckReceivers bool
	Pos            diag.Pos
}

// RangeKind is what an AlertRange asserts.
type RangeKind int

const (
	// NeverFires: no selected alert fires at any evaluation in [From, To].
	NeverFires RangeKind = iota
	// FiresWithin: a selected alert fires at some evaluation in [From, To].
	FiresWithin
	// ResolvedBy: no selected alert fires at the evaluation at From.
	ResolvedBy
	// AlwaysFires: a selected alert fires at every evaluation in [From, To].
	AlwaysFires
	// PendingThenFires: a selected alert first turns pending at some
	// evaluation t in [From, To], is not firing at t+For-step and fires at
	// t+For: the alert waits exactly its `for`.
	PendingThenFires
)

// AlertRange asserts over a span of evaluations. Labels select alerts by a
// subset match.
type AlertRange struct {
	Kind      RangeKind
	Alertname string
	Labels    map[string]string
	From, To  time.Duration
	For       time.Duration
	Pos       diag.Pos
	// TimePos is where the range's end is written, when known (for
	// limits).
	TimePos diag.Pos
}

// QueryAt checks an expression at one time, like promtool's
// promql_expr_test; Samples must match exactly, in any order.
type QueryAt struct {
	Expr    string
	At      time.Duration
	Samples []Sample
	Pos     diag.Pos
	// TimePos is where At is written, when known (for limits).
	TimePos diag.Pos
}

// Sample is an expected sample: a series in PromQL notation and its value.
type Sample struct {
	Labels string
	Value  float64
}

// Cover records that a scenario shows an alert (of a severity, or of every
// severity when empty) firing or staying silent.
type Cover struct {
	Alert    string
	Severity string
	Firing   bool
}

// File is the rules under test and the scenarios run on them.
type File struct {
	// Name is the scenario file, or the spec file the scenarios were
	// generated from.
	Name string
	// RuleFiles are the rendered rule files, as deployed.
	RuleFiles []RuleFile
	// Alertmanager is the rendered Alertmanager config, or nil.
	Alertmanager []byte
	Scenarios    []*Scenario
	// Uncovered lists the alerts generation could not invert into
	// scenarios; they need hand-written ones.
	Uncovered []Uncovered
}

// RuleFile is a rendered rule file.
type RuleFile struct {
	Name string
	Data []byte
}

// Uncovered is an alert that needs a hand-written scenario.
type Uncovered struct {
	Alert string
	Pos   diag.Pos
	Why   string
}

// Result is the outcome of one scenario.
type Result struct {
	// File is the scenario file, or the spec file for generated ones.
	File     string
	Scenario *Scenario
	Failures []Failure
	Duration time.Duration
	// Evaluations counts rule group evaluations it took.
	Evaluations int
	// Materialized counts the recording rules' outputs it computed with
	// range queries instead (one per rule and step).
	Materialized int
}

// Passed reports whether every expectation held.
func (r *Result) Passed() bool { return len(r.Failures) == 0 }

// Failure is an expectation that did not hold: where it was written, and
// what was expected against what happened.
type Failure struct {
	Pos     diag.Pos
	Message string
}
