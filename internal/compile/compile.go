package compile

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
)

// Project compiles every service and the routing of p.
func Project(p *model.Project) *Output {
	out := &Output{}
	for _, s := range p.Services {
		out.RuleFiles = append(out.RuleFiles, Service(s))
	}
	if p.Routing != nil {
		out.Alertmanager = Routing(p.Routing, p.Services)
	}
	return out
}

// Service compiles one service into its rule file: a group per SLO, then a
// group for its threshold alerts.
func Service(s *model.Service) RuleFile {
	f := RuleFile{Name: "rules/" + s.Name + ".yml", Source: s.Source}
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

// SignalRules returns the recording rules that hold an alert's signal; the
// last one records a.Record.
func SignalRules(s *model.Service, a *model.Alert) []Rule {
	ls := labels(s.Labels)
	rec := func(name, expr string) Rule { return Rule{Record: name, Expr: expr, Labels: ls} }
	// base is the record of the raw expression that change and baseline
	// signals read back over time.
	base := a.Record[:strings.LastIndex(a.Record, ":")] + ":value"
	if base == a.Record {
		base = a.Record[:strings.LastIndex(a.Record, ":")] + ":raw_value"
	}
	baseSel := base + matchers(ls)
	switch sig := a.Signal.(type) {
	case *model.ExprSignal:
		return []Rule{rec(a.Record, sig.Expr)}
	case *model.RatioSignal:
		return []Rule{rec(a.Record, SignalRatioExpr(sig))}
	case *model.QuantileSignal:
		by := append([]string{"le"}, sig.By...)
		return []Rule{rec(a.Record, fmt.Sprintf("histogram_quantile(%s, %s)", num.Format(sig.Quantile), aggBy("sum", by, fmt.Sprintf("rate(%s[%s])", sig.Bucket, dur(sig.Window)))))}
	case *model.UptimeSignal:
		// Up at an evaluation when any series of the group is 1; an absent
		// target is down, not missing from the average.
		up := aggBy("max", sig.By, sig.Selector)
		if sig.AbsentIsZero() {
			up += " or " + absentZero(sig.By, sig.Selector)
		}
		return []Rule{
			rec(base, up),
			rec(a.Record, fmt.Sprintf("avg_over_time(%s[%s])", baseSel, dur(sig.Window))),
		}
	case *model.StatusSignal:
		return []Rule{rec(a.Record, statusExpr(sig))}
	case *model.IncreaseSignal:
		e := aggBy("sum", sig.By, fmt.Sprintf("increase(%s[%s])", sig.Counter, dur(sig.Window)))
		if sig.AbsentIsZero() {
			// A counter that was never created counted no events.
			e += " or " + absentZero(sig.By, sig.Counter)
		}
		return []Rule{rec(a.Record, e)}
	case *model.ChangeSignal:
		o := dur(sig.Offset)
		return []Rule{
			rec(base, finite(sig.Expr)),
			rec(a.Record, finite(fmt.Sprintf("(%[1]s - %[1]s offset %[2]s) / %[1]s offset %[2]s", baseSel, o))),
		}
	case *model.BaselineSignal:
		// NaN (0/0 in an idle hour) or Inf (x/0) recorded once would stay in
		// avg_over_time for a whole window and blind the alert; they are
		// dropped before they are recorded.
		return []Rule{
			rec(base, finite(sig.Expr)),
			rec(a.Record, finite(fmt.Sprintf("%[1]s / avg_over_time(%[1]s[%[2]s])", baseSel, dur(sig.Window)))),
		}
	case *model.ProjectionSignal:
		secs := num.Format(sig.Horizon.Seconds())
		if sig.Counter {
			return []Rule{rec(a.Record, aggBy("sum", sig.By, fmt.Sprintf("rate(%s[%s])", sig.Series, dur(sig.Window)))+" * "+secs)}
		}
		return []Rule{rec(a.Record, aggBy("sum", sig.By, fmt.Sprintf("predict_linear(%s[%s], %s)", sig.Series, dur(sig.Window), secs)))}
	}
	panic(fmt.Sprintf("compile: unknown signal %T", a.Signal))
}

// finite keeps the samples of expr that are numbers: NaN and ±Inf fail both
// comparisons and are dropped.
func finite(expr string) string {
	return "(" + strings.TrimSpace(expr) + ") < +Inf > -Inf"
}

// absentZero is 0 for the group a selector fixes while no series matches
// it, and nothing otherwise.
func absentZero(by []string, sel string) string {
	return aggBy("max", by, "absent("+sel+")") + " * 0"
}

// statusExpr records a status signal: the selector itself (compared with 0
// or the up values by the alert), or with by, state_label or up_values and
// by, a 0/1 health per group that is 1 when any series is up.
func statusExpr(s *model.StatusSignal) string {
	if s.StateLabel != "" {
		// One-hot: the up state's series is 1. An entity whose up-state
		// series is missing (exporters that export only the current state)
		// is down.
		without := func(e string) string { return "max without (" + s.StateLabel + ") (" + e + ")" }
		health := without(s.UpSelector) + " or " + without(s.Selector) + " * 0"
		if len(s.By) > 0 {
			return aggBy("max", s.By, health)
		}
		return health
	}
	if len(s.By) == 0 {
		return s.Selector
	}
	if len(s.UpValues) == 0 {
		return aggBy("max", s.By, s.Selector)
	}
	parts := make([]string, len(s.UpValues))
	for i, v := range s.UpValues {
		parts[i] = "(" + s.Selector + " == bool " + num.Format(v) + ")"
	}
	return aggBy("max", s.By, strings.Join(parts, " + "))
}

// statusDown is the alert condition of a status signal on its record.
func statusDown(s *model.StatusSignal, sel string) (expr, cond string) {
	if s.StateLabel == "" && len(s.By) == 0 && len(s.UpValues) > 0 {
		vals := make([]string, len(s.UpValues))
		for i, v := range s.UpValues {
			expr += " != " + num.Format(v)
			vals[i] = num.Format(v)
		}
		return sel + expr, "not " + strings.Join(vals, " or ") + " (down)"
	}
	return sel + " == 0", "0 (down)"
}

// SignalRatioExpr is the error ratio of a ratio signal, with its traffic
// floor. With bad and good and no total, total is their sum, and a group
// that has only one of the counters (a task that only ever failed) still
// gets a ratio.
func SignalRatioExpr(s *model.RatioSignal) string {
	rate := func(sel string) string {
		return aggBy("sum", s.By, fmt.Sprintf("rate(%s[%s])", sel, dur(s.Window)))
	}
	var e, den string
	switch {
	case s.Bad != "" && s.Good != "":
		b, g := rate(s.Bad), rate(s.Good)
		bad := "(" + b + " or " + g + " * 0)"
		den = "(" + bad + " + (" + g + " or " + b + " * 0))"
		e = bad + " / " + den
	default:
		e = RatioExpr(s.Bad, s.Good, s.Total, s.By, s.Window)
		den = rate(s.Total)
	}
	if s.MinTotal > 0 {
		e = "(" + e + ") and " + den + " * " + num.Format(s.Window.Seconds()) + " >= " + num.Format(s.MinTotal)
	}
	return e
}

// absentExpr is what an alert with on_absent: fire adds to its condition:
// true while the input its signal reads is absent.
func absentExpr(a *model.Alert, recordSel string) string {
	one := func(sels ...string) string {
		parts := make([]string, len(sels))
		for i, s := range sels {
			parts[i] = "absent(" + s + ")"
		}
		return strings.Join(parts, " or ")
	}
	switch sig := a.Signal.(type) {
	case *model.RatioSignal:
		if sig.Total != "" {
			return one(sig.Total)
		}
		return "absent(" + sig.Bad + ") and on () absent(" + sig.Good + ")"
	case *model.QuantileSignal:
		return one(sig.Bucket)
	case *model.UptimeSignal:
		return one(sig.Selector)
	case *model.IncreaseSignal:
		return one(sig.Counter)
	case *model.ProjectionSignal:
		return one(sig.Series)
	case *model.ExprSignal:
		return one(promx.Selectors(sig.Expr)...)
	case *model.ChangeSignal:
		return one(promx.Selectors(sig.Expr)...)
	case *model.BaselineSignal:
		return one(promx.Selectors(sig.Expr)...)
	}
	return "absent(" + recordSel + ")"
}

// RatioExpr is the error ratio of bad (or total minus good) over total,
// from rates over w.
func RatioExpr(bad, good, total string, by []string, w time.Duration) string {
	rate := func(sel string) string { return aggBy("sum", by, fmt.Sprintf("rate(%s[%s])", sel, dur(w))) }
	if bad != "" {
		return rate(bad) + " / " + rate(total)
	}
	return "1 - (" + rate(good) + " / " + rate(total) + ")"
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
			if st, ok := a.Signal.(*model.StatusSignal); ok {
				expr, cond = statusDown(st, sel)
				if st.Absent {
					expr += " or absent(" + st.Selector + ")"
					cond += " or absent"
				}
			}
		}
		if a.OnAbsent == model.AbsentFire {
			expr += " or " + absentExpr(a, sel)
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
			Labels:        labels(s.Labels, a.Labels, alertLabels(s, l.Severity)),
			Annotations:   annotations(summary, description, a.RunbookURL),
		})
	}
	return rules
}
