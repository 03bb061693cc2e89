// Package diff compares two compiled versions of a project, the base and the
// head of a change: what changed in each alert's and SLO's spec (thresholds
// per severity, for, keep_firing_for, burn windows, objective, receivers,
// inhibitions, panels), and what changed in their behaviour when the
// scenarios of both sides run on the same inputs against each side's rules.
// Every change is a value with a sentence; package cmd/slo prints them as
// text, Markdown or JSON.
package diff

import (
	"slices"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/scenario"
)

// Side is one compiled side of a diff.
type Side struct {
	// Label says what the side is: "a1b2c3d (merge base with main)",
	// "working tree", a folder.
	Label string
	// Root is the folder the side's files were read from; spec file
	// names are reported relative to it.
	Root    string
	Project *model.Project
	// Files are the generated files by name (rules/<service>.yml,
	// alertmanager/alertmanager.yml).
	Files map[string][]byte
	// Scenarios are the side's generated and hand-written scenarios, with
	// the rule files they were written for.
	Scenarios []*scenario.File
}

// Report is everything that changed from base to head.
type Report struct {
	Base SideInfo `json:"base"`
	Head SideInfo `json:"head"`
	// Changed is set when anything below is not empty.
	Changed bool `json:"changed"`
	// Alerts are the alerts and SLOs with a change, in head's spec order
	// (removed ones after, in base's order).
	Alerts []*Alert `json:"alerts"`
	// Routing are changes to the routing document that are not one
	// alert's: default receiver, grouping, timings, team routes.
	Routing []Change `json:"routing"`
	// Dashboards are changes to the thresholds shown on panels.
	Dashboards []Change `json:"dashboards"`
	// Scenarios counts the distinct scenarios of both sides; Run, those
	// of them run on both sides' rules. A scenario is not run when the
	// alerts of its rule files all have the same rules, recording rules
	// and routes on both sides: it acts the same on both.
	Scenarios int `json:"scenarios"`
	Run       int `json:"scenarios_run"`
	// SpecOnly is set when the scenarios were not run (Options.NoBehaviour).
	SpecOnly bool `json:"spec_only,omitempty"`
}

// SideInfo names a side.
type SideInfo struct {
	Label string `json:"label"`
}

// Alert is the changes of one alert or SLO.
type Alert struct {
	Alert   string `json:"alert"`
	Service string `json:"service"`
	// SLO is the SLO's name when the alert is an SLO's burn-rate alert.
	SLO string `json:"slo,omitempty"`
	// Spec is the spec file, relative to the project.
	Spec string `json:"spec"`
	// Status is "changed", "added" or "removed".
	Status    string      `json:"status"`
	Changes   []Change    `json:"spec_changes"`
	Behaviour []Behaviour `json:"behaviour_changes"`
}

// Change is one changed setting. Base or Head is "" when the setting is
// only on one side.
type Change struct {
	// Severity is the alert severity the setting belongs to, if any.
	Severity string `json:"severity,omitempty"`
	// Field names the setting: threshold, for, keep_firing_for,
	// windows, objective, receivers, inhibits, panel, ...
	Field string `json:"field"`
	Base  string `json:"base"`
	Head  string `json:"head"`
	// Text is the change as a sentence.
	Text string `json:"text"`
}

// Behaviour is one difference in what an alert severity does on a
// scenario's inputs: Text says it as a sentence. Scenarios lists every
// scenario that shows the same difference.
type Behaviour struct {
	Severity  string   `json:"severity"`
	Text      string   `json:"text"`
	Scenarios []string `json:"scenarios"`
	// Base and Head are the outcomes on the first of Scenarios.
	Base Outcome `json:"base"`
	Head Outcome `json:"head"`
	// Plots are the plot files of Scenarios, one each, when plots were
	// drawn (slo diff --plots); see Report.LinkPlots.
	Plots []string `json:"plots,omitempty"`

	sev            string             // the alert's severity label
	key            string             // what scenarios showing the same change share
	generic, first string             // the sentence without and with its context
	values, named  []string           // the contexts of Scenarios
	ownNamed       int                // how many of named cover the alert (they come first)
	changed        []*ChangedScenario // the scenario of each of Scenarios
}

// ChangedScenario is a scenario on which some alert acts differently on
// head than on base.
type ChangedScenario struct {
	// Name is as in Behaviour.Scenarios: "file: scenario name"; File is
	// the scenario file, or the spec it was generated from.
	Name, File string
	Scenario   *scenario.Scenario
	// RuleFiles name the generated rule files the scenario runs on.
	RuleFiles []string
	// Alerts are the alerts that act differently on it.
	Alerts []string
	// Behaviour are the sentences that name it.
	Behaviour []string
	// Plot is the path of its plot, set by whoever draws it.
	Plot string
}

// ChangedScenarios returns each scenario on which some alert acts
// differently, once, in the order the report names them.
func (r *Report) ChangedScenarios() []*ChangedScenario {
	var out []*ChangedScenario
	for _, a := range r.Alerts {
		for _, x := range a.Behaviour {
			for _, c := range x.changed {
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
				if !slices.Contains(c.Behaviour, x.Text) {
					c.Behaviour = append(c.Behaviour, x.Text)
				}
			}
		}
	}
	return out
}

// LinkPlots sets each behaviour's Plots from the Plot of its scenarios,
// once those are drawn.
func (r *Report) LinkPlots() {
	for _, a := range r.Alerts {
		for i := range a.Behaviour {
			x := &a.Behaviour[i]
			x.Plots = nil
			for _, c := range x.changed {
				x.Plots = append(x.Plots, c.Plot)
			}
		}
	}
}

// Outcome is what an alert severity did on one scenario. Times are from
// the scenario's start, in Prometheus's duration notation.
type Outcome struct {
	Fired bool `json:"fired"`
	// PendingAt is when the first firing alert went pending, FiredAt when
	// it first fired, ResolvedAt when it stopped ("" when it fired to the
	// end of the scenario).
	PendingAt  string `json:"pending_at,omitempty"`
	FiredAt    string `json:"fired_at,omitempty"`
	ResolvedAt string `json:"resolved_at,omitempty"`
	// Receivers are the receivers notified when it first fired; empty
	// when it was inhibited (Inhibited) or no route reaches one.
	Receivers []string `json:"receivers,omitempty"`
	Inhibited bool     `json:"inhibited,omitempty"`

	pendingAt, firedAt, resolvedAt time.Duration
	resolved                       bool
}

// Options configure Compare.
type Options struct {
	// Parallelism bounds concurrent scenario runs; zero means GOMAXPROCS.
	Parallelism int
	// NoBehaviour skips running the scenarios.
	NoBehaviour bool
}

// Compare returns what changed from base to head.
func Compare(base, head *Side, opts Options) (*Report, error) {
	r := &Report{Base: SideInfo{base.Label}, Head: SideInfo{head.Label}, Alerts: []*Alert{}, Routing: []Change{}, Dashboards: []Change{}}
	alerts := compareSpecs(base, head)
	r.Routing = compareRouting(base.Project.Routing, head.Project.Routing)
	r.Dashboards = compareDashboards(base.Project, head.Project)
	r.SpecOnly = opts.NoBehaviour
	if !opts.NoBehaviour {
		n, ran, err := compareBehaviour(base, head, alerts, opts)
		if err != nil {
			return nil, err
		}
		r.Scenarios, r.Run = n, ran
	}
	for _, a := range alerts.list {
		if len(a.Changes) > 0 || len(a.Behaviour) > 0 || a.Status != "changed" {
			r.Alerts = append(r.Alerts, a)
		}
	}
	r.Changed = len(r.Alerts) > 0 || len(r.Routing) > 0 || len(r.Dashboards) > 0
	return r, nil
}
