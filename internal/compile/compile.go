package compile

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/par"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/signal"
)

// Project compiles every service and the routing of p.
//
// The services are compiled on all cores: Service only reads its service.
func Project(p *model.Project) *Output {
	out := Outline(p)
	par.Each(len(p.Services), func(i int) { out.RuleFiles[i] = Service(p.Services[i]) })
	return out
}

// Outline is Project without the services' rules: every rule file with
// its name and source and no groups, and the routing. It is for a caller
// that compiles each service with Service when it needs its rules, and
// drops them after, rather than hold every service's rules at once.
func Outline(p *model.Project) *Output {
	out := &Output{}
	if len(p.Services) > 0 {
		out.RuleFiles = make([]RuleFile, len(p.Services))
		for i, s := range p.Services {
			out.RuleFiles[i] = ruleFileOf(s)
		}
	}
	if p.Routing != nil {
		out.Alertmanager = Routing(p.Routing, p.Services)
	}
	return out
}

// ruleFileOf is s's rule file without its groups.
func ruleFileOf(s *model.Service) RuleFile {
	return RuleFile{Name: "rules/" + s.Name + ".yml", Source: s.Source}
}

// Service compiles one service into its rule file: a group per SLO, then a
// group for its threshold alerts.
func Service(s *model.Service) RuleFile {
	f := ruleFileOf(s)
	for _, slo := range s.SLOs {
		f.Groups = append(f.Groups, sloGroup(s, slo))
	}
	if len(s.Alerts) > 0 {
		g := Group{Name: s.Name + "-alerts", Interval: s.Interval}
		for _, a := range s.Alerts {
			g.Rules = append(g.Rules, alertRules(s, a)...)
		}
		f.Groups = append(f.Groups, g)
	}
	return f
}

func dur(d time.Duration) string { return promx.FormatDuration(d) }

// labels merges label maps, later ones winning, sorted by name.
func labels(ms ...map[string]string) []Label {
	all := map[string]string{}
	for _, m := range ms {
		maps.Copy(all, m)
	}
	out := make([]Label, 0, len(all))
	for _, k := range slices.Sorted(maps.Keys(all)) {
		out = append(out, Label{k, all[k]})
	}
	return out
}

// matchers renders a selector's label matchers, {a="b",c="d"}, sorted.
func matchers(ls []Label) string {
	if len(ls) == 0 {
		return ""
	}
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = fmt.Sprintf("%s=%q", l.Name, l.Value)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// sumBy renders "sum by (a, b) (inner)", or "sum(inner)" without labels.
func aggBy(op string, by []string, inner string) string {
	if len(by) == 0 {
		return op + "(" + inner + ")"
	}
	return op + " by (" + strings.Join(by, ", ") + ") (" + inner + ")"
}

func annotations(summary, description, runbook string) []Label {
	out := []Label{{"summary", summary}, {"description", description}}
	if runbook != "" {
		out = append(out, Label{"runbook_url", runbook})
	}
	return out
}

// alertLabels are the labels slo sets on every alert of a service.
func alertLabels(s *model.Service, sev model.Severity) map[string]string {
	m := map[string]string{"severity": string(sev), "service": s.Name}
	if s.Team != "" {
		m["team"] = s.Team
	}
	return m
}

// thresholdLabels are the labels of threshold alert a's rule of severity
// sev.
func thresholdLabels(s *model.Service, a *model.Alert, sev model.Severity) []Label {
	return labels(s.Labels, a.Labels, alertLabels(s, sev))
}

// SignalRules returns the recording rules that hold an alert's signal; the
// last one records a.Record. Each signal kind writes its own (package
// signal).
func SignalRules(s *model.Service, a *model.Alert) []Rule {
	ls := labels(s.Labels)
	var out []Rule
	for _, r := range signal.Records(a, func(name string) string { return name + matchers(ls) }) {
		out = append(out, Rule{Record: r.Name, Expr: r.Expr, Labels: ls})
	}
	return out
}

// RatioExpr is the error ratio of bad (or total minus good) over total,
// from rates over w.
func RatioExpr(bad, good, total string, by []string, w time.Duration) string {
	return signal.RatioExpr(bad, good, total, by, w)
}

func alertRules(s *model.Service, a *model.Alert) []Rule {
	rules := SignalRules(s, a)
	sel := a.Record + matchers(labels(s.Labels))
	for _, l := range a.Levels {
		var expr, cond string
		switch a.Direction {
		case model.Above:
			expr, cond = sel+" > "+num.Format(l.Threshold), "above "+num.Format(l.Threshold)
		case model.Below:
			expr, cond = sel+" < "+num.Format(l.Threshold), "below "+num.Format(l.Threshold)
		case model.Condition:
			expr, cond = sel, "present"
			if e, c, ok := signal.Condition(a.Signal, sel); ok {
				expr, cond = e, c
			}
		}
		if a.OnAbsent == model.AbsentFire {
			expr += " or " + signal.AbsentInputs(a, sel)
			cond += ", or its input absent"
		}
		summary := a.Summary
		if summary == "" {
			summary = fmt.Sprintf("%s: %s is {{ $value | humanize }}, %s", a.Name, a.Record, cond)
			if a.Direction == model.Condition {
				summary = fmt.Sprintf("%s: %s is %s", a.Name, a.Record, cond)
			}
		}
		description := a.Description
		if description == "" {
			description = fmt.Sprintf("%s is %s (%s threshold).", a.Record, cond, l.Severity)
			if l.For > 0 {
				description = fmt.Sprintf("%s has been %s for %s (%s threshold).", a.Record, cond, dur(l.For), l.Severity)
			}
		}
		rules = append(rules, Rule{
			Alert:         a.Name,
			Expr:          expr,
			For:           l.For,
			KeepFiringFor: l.KeepFiringFor,
			Labels:        thresholdLabels(s, a, l.Severity),
			Annotations:   annotations(summary, description, a.RunbookURL),
		})
	}
	return rules
}
