// Package compile turns the model into the compiled form: Prometheus rule
// groups and the Alertmanager route tree and inhibit rules. It is made of
// pure functions; rendering to bytes is package render's job.
package compile

import (
	"time"

	"github.com/slo-compiler/slo/internal/diag"
)

// Output is everything compiled from a project.
type Output struct {
	// RuleFiles holds one file per service, in input order.
	RuleFiles []RuleFile
	// Alertmanager is nil when the project has no routing document.
	Alertmanager *Alertmanager
}

// RuleFile is one Prometheus rule file.
type RuleFile struct {
	// Name is the file's path below the output folder, "rules/<service>.yml".
	Name string
	// Source is the spec file it was compiled from.
	Source string
	Groups []Group
}

// Group is a Prometheus rule group.
type Group struct {
	Name     string
	Interval time.Duration
	Rules    []Rule
}

// Rule is a recording rule (Record set) or an alerting rule (Alert set).
type Rule struct {
	Record        string
	Alert         string
	Expr          string
	For           time.Duration
	KeepFiringFor time.Duration
	// Labels are sorted by name.
	Labels []Label
	// Annotations are in the order summary, description, runbook_url.
	Annotations []Label
}

// Label is a name and a value, for labels and annotations alike.
type Label struct{ Name, Value string }

// Alertmanager is the generated part of the Alertmanager config, and the
// user's base config it is merged into.
type Alertmanager struct {
	// Name is the file's path below the output folder.
	Name   string
	Source string
	// Base is the user's config, or nil; BasePath names it.
	Base     []byte
	BasePath string
	// Route is the generated route tree: the root route, or with Merge a
	// subtree placed at child index At of the base config's root route.
	Route   Route
	Merge   bool
	At      int
	Inhibit []InhibitRule
	// Receivers lists every receiver the routes name, sorted; they are
	// written as empty receivers when there is no base config.
	Receivers []string
}

// Route is an Alertmanager route.
type Route struct {
	Receiver            string
	GroupBy             []string
	GroupWait           time.Duration
	GroupInterval       time.Duration
	RepeatInterval      time.Duration
	Matchers            []string
	MuteTimeIntervals   []string
	ActiveTimeIntervals []string
	Continue            bool
	Routes              []Route
	// Pos is where the routing spec writes the route (the default
	// receiver, for the top of slo's tree); MutePos and ActivePos its time
	// interval lists, the team's where the route takes them from its team.
	// Not rendered: they place the loader's refusal of the route.
	Pos, MutePos, ActivePos diag.Pos
}

// InhibitRule mutes target alerts while a source alert fires.
type InhibitRule struct {
	SourceMatchers []string
	TargetMatchers []string
	Equal          []string
}
