package simulate

import (
	"time"

	"github.com/prometheus/common/model"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/slo-compiler/slo/internal/simulate/engine"
)

// Kind is what a Failure is about.
type Kind int

const (
	// Load: the test group could not be run as given (input series, rule
	// files, a malformed assertion, a storage error); Err says why.
	Load Kind = iota + 1
	// Limit: the test group is over a limit and was not run (the
	// promtool runner checks them); Err says which.
	Limit
	// RuleFailed: Rule failed to evaluate at At with Err.
	RuleFailed
	// AlertMismatch: the firing alerts of Alertname at At (alert test
	// Index) are GotAlerts, not ExpAlerts.
	AlertMismatch
	// ExprFailed: expression test Index could not be evaluated, or its
	// expected samples not read; Err says why.
	ExprFailed
	// ExprMismatch: expression test Index returned GotSamples, not
	// ExpSamples.
	ExprMismatch
)

// Failure is one failed verdict, as data: the promtool runner's report
// writer (package promtool) renders promtool's text from it, the harness
// its own message, and neither parses the other's text.
type Failure struct {
	Kind Kind
	// Group is the test group's name ("" for an unnamed group).
	Group string
	// Index of the assertion in Input.AlertTests or Input.ExprTests.
	Index int
	// At is the assertion's eval time; for RuleFailed, the time of the
	// failing evaluation since the Unix epoch.
	At        time.Duration
	Alertname string
	Expr      string
	Rule      string
	// ExpAlerts and GotAlerts are sorted by labels, then annotations.
	ExpAlerts, GotAlerts []Alert
	// ExpSamples and GotSamples are sorted by labels.
	ExpSamples, GotSamples []Sample
	Err                    error
}

// Alert is a firing alert's labels (alertname included) and annotations.
type Alert struct {
	Labels, Annotations labels.Labels
}

// Sample is a series of an expression's result, or an expected one.
type Sample struct {
	Labels labels.Labels
	Value  float64
	// Histogram is the value in load notation when it is a histogram.
	Histogram string
}

func ruleFailure(group string, e engine.RuleError) Failure {
	return Failure{Kind: RuleFailed, Group: group, Rule: e.Rule, At: e.At.Sub(time.Unix(0, 0).UTC()), Err: e.Err}
}

// fmtDuration renders d as promtool prints eval times ("5m").
func fmtDuration(d time.Duration) string { return model.Duration(d).String() }
