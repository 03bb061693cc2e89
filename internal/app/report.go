package app

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/harness"
	"github.com/slo-compiler/slo/internal/htmlreport"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/par"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/simulate"
)

// ReportOptions configure slo report.
type ReportOptions struct {
	// Paths are spec files and scenario files or folders; empty means
	// DefaultTestPaths.
	Paths []string
	// Limits bound each scenario, as in slo test.
	Limits scenario.Limits
}

// otherSection holds the scenarios that name no alert of the specs.
const otherSection = "Other scenarios"

// Report runs every generated and hand-written scenario under the paths
// and returns the HTML report's document: a section per alert, in spec
// order, with its spec text, its compiled rules and a plot per scenario.
// promtool unit-test files are not plotted (they name no spec).
func Report(opts ReportOptions) (*htmlreport.Document, diag.List, error) {
	rep, diags, err := reportScenarios(opts)
	if rep == nil {
		return nil, diags, err
	}
	sfiles, project := rep.files, rep.project

	doc := &htmlreport.Document{Title: "slo report"}
	index := map[string]int{}
	addSection := func(name string, pos diag.Pos, spec string) {
		index[name] = len(doc.Sections)
		doc.Sections = append(doc.Sections, htmlreport.Section{
			ID: fmt.Sprintf("alert-%d", len(doc.Sections)+1), Name: name, Source: posString(pos), Spec: spec,
		})
	}
	if project != nil {
		for _, svc := range project.Services {
			for _, s := range svc.SLOs {
				if s.Alerting.Page != nil || s.Alerting.Ticket != nil {
					addSection(s.Alerting.Name, s.Pos, specText(s.Pos))
				}
			}
			for _, a := range svc.Alerts {
				addSection(a.Name, a.Pos, specText(a.Pos))
			}
		}
	}

	type job struct {
		f     *scenario.File
		s     *scenario.Scenario
		alert string
		sig   alertRules
		out   *htmlreport.Scenario
	}
	var jobs []*job
	var placed [][]*job // per section
	for _, f := range sfiles {
		for _, s := range f.Scenarios {
			name := namedAlert(s)
			i, ok := index[name]
			if !ok {
				if _, ok := index[otherSection]; !ok {
					addSection(otherSection, diag.Pos{}, "")
				}
				i = index[otherSection]
			}
			j := &job{f: f, s: s, alert: name, sig: rulesOf(f.RuleFiles, name)}
			if doc.Sections[i].Rules == "" && name != "" {
				doc.Sections[i].Rules = j.sig.text
			}
			for len(placed) <= i {
				placed = append(placed, nil)
			}
			placed[i] = append(placed[i], j)
			jobs = append(jobs, j)
		}
	}
	par.Each(len(jobs), func(i int) {
		j := jobs[i]
		j.out = plotScenario(j.f, j.s, j.alert, j.sig)
	})
	for i, js := range placed {
		for _, j := range js {
			doc.Sections[i].Scenarios = append(doc.Sections[i].Scenarios, *j.out)
		}
	}
	return doc, diags, nil
}

func posString(p diag.Pos) string {
	if p.File == "" {
		return ""
	}
	return p.String()
}

// reported is what slo report plots: the scenario files generated from
// the specs, then the scenario files, the scenarios over a limit left
// out; and the specs' project (nil if there are no specs).
type reported struct {
	files   []*scenario.File
	project *model.Project
}

// reportScenarios collects what slo report plots under the paths; nil
// when the specs or scenarios do not load (the diagnostics say why).
func reportScenarios(opts ReportOptions) (*reported, diag.List, error) {
	paths := testPaths(opts.Paths)
	k, err := classify(paths)
	if err != nil {
		return nil, nil, err
	}
	if len(k.all) == 0 {
		return nil, nil, fmt.Errorf("nothing to report under %s", strings.Join(paths, ", "))
	}
	specFiles, scenarioFiles := k.specs, k.scenarios
	var diags diag.List
	var sfiles []*scenario.File
	var project *model.Project
	if len(specFiles) > 0 {
		b, ds, err := Compile(specFiles)
		diags = append(diags, ds...)
		if err != nil || b == nil {
			return nil, diags, err
		}
		project = b.Project
		am := fileData(b, "alertmanager/alertmanager.yml")
		for i := range b.Project.Services {
			f, _, over := generatedScenarios(b, i, opts.Limits, am)
			diags = append(diags, over...)
			if f != nil {
				sfiles = append(sfiles, f)
			}
		}
	}
	for _, path := range scenarioFiles {
		f, ds, ns, err := loadScenarioFile(path, opts.Limits)
		diags = append(append(diags, ds...), ns...)
		if err != nil {
			return nil, diags, err
		}
		if f != nil {
			sfiles = append(sfiles, f)
		}
	}
	if diags.HasErrors() {
		return nil, diags, nil
	}
	sfiles, over := harness.CheckLimits(sfiles, opts.Limits)
	return &reported{files: sfiles, project: project}, append(diags, over...), nil
}

// namedAlert is the alert a scenario is about: the first it covers or
// asserts on ("" if none).
func namedAlert(s *scenario.Scenario) string {
	for _, c := range s.Covers {
		return c.Alert
	}
	for _, a := range s.Alerts {
		return a.Alertname
	}
	for _, r := range s.Ranges {
		return r.Alertname
	}
	return ""
}

// alertRules is what the compiled rules say about one alert: the series
// its rules compare with constants (its signal) and those constants per
// severity, and the rules themselves as YAML.
type alertRules struct {
	signals    []string
	thresholds []htmlreport.Threshold
	text       string
}

// ruleYAML is a rule as shown in the report.
type ruleYAML struct {
	Record        string            `yaml:"record,omitempty"`
	Alert         string            `yaml:"alert,omitempty"`
	Expr          string            `yaml:"expr"`
	For           string            `yaml:"for,omitempty"`
	KeepFiringFor string            `yaml:"keep_firing_for,omitempty"`
	Labels        map[string]string `yaml:"labels,omitempty"`
	Annotations   map[string]string `yaml:"annotations,omitempty"`
}

func rulesOf(rfs []scenario.RuleFile, alert string) alertRules {
	var out alertRules
	if alert == "" {
		return out
	}
	var all []promx.Rule
	for _, rf := range rfs {
		groups, _ := promx.LoadRuleFile(rf.Data)
		for _, g := range groups {
			all = append(all, g.Rules...)
		}
	}
	records := map[string]bool{}
	for _, r := range all {
		if r.Record != "" {
			records[r.Record] = true
		}
	}
	var shown []ruleYAML
	read := map[string]bool{}
	seen := map[string]bool{}
	for _, r := range all {
		if r.Alert != alert {
			continue
		}
		sev := r.Labels["severity"]
		for _, c := range promx.Comparisons(r.Expr) {
			if !slices.Contains(out.signals, c.Metric) {
				out.signals = append(out.signals, c.Metric)
			}
			label := fmt.Sprintf("%s: %s %s", sev, c.Op, num.Format(c.Value))
			if !seen[label] {
				seen[label] = true
				out.thresholds = append(out.thresholds, htmlreport.Threshold{Severity: sev, Label: label, Value: c.Value})
			}
		}
		for _, sel := range promx.Selectors(r.Expr) {
			if s, errs := promx.ParseSelector(sel); errs == nil && records[s.Metric()] {
				read[s.Metric()] = true
			}
		}
		shown = append(shown, toYAML(r))
	}
	// The recording rules the alert reads, before it, in file order.
	var recs []ruleYAML
	for _, r := range all {
		if read[r.Record] {
			recs = append(recs, toYAML(r))
		}
	}
	if len(shown) > 0 {
		b, err := yaml.Marshal(append(recs, shown...))
		if err == nil {
			out.text = string(b)
		}
	}
	return out
}

func toYAML(r promx.Rule) ruleYAML {
	y := ruleYAML{Record: r.Record, Alert: r.Alert, Expr: r.Expr, Labels: r.Labels, Annotations: r.Annotations}
	if r.For > 0 {
		y.For = promx.FormatDuration(r.For)
	}
	if r.KeepFiringFor > 0 {
		y.KeepFiringFor = promx.FormatDuration(r.KeepFiringFor)
	}
	return y
}

// specText is the YAML of the list item whose first key is at pos: that
// line and the lines after it indented at least as deep.
func specText(pos diag.Pos) string {
	src, err := os.ReadFile(pos.File)
	if err != nil || pos.Line < 1 {
		return ""
	}
	lines := strings.Split(string(src), "\n")
	if pos.Line > len(lines) {
		return ""
	}
	first := lines[pos.Line-1]
	indent := len(first) - len(strings.TrimLeft(first, " -"))
	out := []string{first}
	for _, l := range lines[pos.Line:] {
		t := strings.TrimLeft(l, " ")
		if t != "" && (len(l)-len(t) < indent || strings.HasPrefix(t, "- ") && len(l)-len(t) < indent) {
			break
		}
		out = append(out, l)
	}
	for len(out) > 1 && strings.TrimSpace(out[len(out)-1]) == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n")
}

// plotScenario replays s and turns its timeline into a figure and notes.
func plotScenario(f *scenario.File, s *scenario.Scenario, alert string, ar alertRules) *htmlreport.Scenario {
	out := &htmlreport.Scenario{Name: s.Name, Source: posString(s.Pos)}
	tl, err := harness.Replay(f, s, ar.signals)
	if err != nil {
		out.Err = err.Error()
		return out
	}
	fig := htmlreport.Figure{Title: shortTitle(s.Name), End: tl.End, Thresholds: ar.thresholds}
	fig.Inputs = seriesOf(slices.Concat(tl.Inputs...), tl)
	for i, err := range tl.SignalErrs {
		if err != nil {
			out.Notes = append(out.Notes, fmt.Sprintf("signal %s: %v", ar.signals[i], err))
		}
	}
	fig.Signals = seriesOf(slices.Concat(tl.Signals...), tl)
	d := promx.FormatDuration
	for _, e := range tl.Episodes {
		if e.Alert == alert || alert == "" {
			fig.Bands = append(fig.Bands, htmlreport.Band{Severity: e.Labels["severity"], Firing: e.Firing, From: e.From, To: e.To})
		}
		if !e.Firing {
			continue
		}
		until := "to " + d(e.To)
		if e.To > tl.End {
			until = "to the end (" + d(tl.End) + ")"
		}
		who := fmt.Sprintf("%s%s fires from %s %s", e.Alert, labelText(e.Labels, "alertname"), d(e.From), until)
		for i, r := range e.Routes {
			if i > 0 {
				who += "; from " + d(r.At)
			}
			who += ": " + routeText(r)
		}
		out.Notes = append(out.Notes, who)
	}
	if len(out.Notes) == 0 || !slices.ContainsFunc(tl.Episodes, func(e harness.Episode) bool { return e.Firing }) {
		out.Notes = append(out.Notes, "no alert fires")
	}
	out.Figure = fig
	return out
}

// routeText says who a firing alert notified, or what stopped it.
func routeText(r harness.Route) string {
	var s string
	switch {
	case r.Inhibited && len(r.InhibitedBy) > 0:
		s = "inhibited by " + strings.Join(r.InhibitedBy, ", ")
	case r.Inhibited:
		s = "inhibited by the alerts firing with it"
	case r.Note != "":
		s = r.Note
	case len(r.Receivers) > 0:
		s = "notifies " + strings.Join(r.Receivers, ", ")
	default:
		s = "notifies no receiver"
	}
	if len(r.Held) > 0 {
		s += " (held back: " + strings.Join(r.Held, "; ") + ")"
	}
	return s
}

func shortTitle(s string) string {
	if r := []rune(s); len(r) > 64 {
		return string(r[:63]) + "…"
	}
	return s
}

// seriesOf turns lines into plotted series, labelled by their metric
// name and the labels that tell them apart within lines.
func seriesOf(ls []simulate.Line, tl *harness.Timeline) []htmlreport.Series {
	same := map[string]bool{}
	if len(ls) > 0 {
		for k, v := range ls[0].Labels {
			same[k] = true
			for _, l := range ls[1:] {
				if l.Labels[k] != v {
					same[k] = false
				}
			}
		}
	}
	var out []htmlreport.Series
	for _, l := range ls {
		shown := map[string]string{}
		for k, v := range l.Labels {
			if k == "__name__" || !same[k] {
				shown[k] = v
			}
		}
		out = append(out, htmlreport.Series{Label: strings.TrimSuffix(labelText(shown, ""), "{}"), Times: l.Times, Values: l.Values, Step: tl.Step})
	}
	return out
}

// labelText writes labels as name{k="v", ...}, keys sorted, skipping
// one key.
func labelText(ls map[string]string, skip string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(ls)) {
		if k == "__name__" || k == skip {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%q", k, ls[k]))
	}
	return ls["__name__"] + "{" + strings.Join(parts, ", ") + "}"
}
