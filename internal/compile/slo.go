package compile

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/signal"
)

// Names of the SLO recording rules. Every SLO records the same names,
// told apart by their service and slo labels, so dashboards can list all
// SLOs with one query.
const (
	RecordErrorRatio      = "slo:sli_error:ratio_rate" // + window
	RecordBadRate         = "slo:sli_bad:rate5m"
	RecordTotalRate       = "slo:sli_total:rate5m"
	RecordObjective       = "slo:objective:ratio"
	RecordErrorBudget     = "slo:error_budget:ratio"
	RecordPeriodDays      = "slo:time_period:days"
	RecordCurrentBurn     = "slo:current_burn_rate:ratio"
	RecordPeriodBurn      = "slo:period_burn_rate:ratio"
	RecordBudgetRemaining = "slo:period_error_budget_remaining:ratio"
)

// sloWindows returns every window the SLO's rules need, shortest first:
// 5m for the current burn rate, and each alert window.
func sloWindows(slo *model.SLO) []time.Duration {
	ws := []time.Duration{5 * time.Minute}
	for _, b := range []*model.BurnAlert{slo.Alerting.Page, slo.Alerting.Ticket} {
		if b == nil {
			continue
		}
		for _, w := range b.Windows {
			ws = append(ws, w.Long, w.Short)
		}
	}
	slices.Sort(ws)
	return slices.Compact(ws)
}

// SLOLabels are the labels every rule of an SLO carries.
func SLOLabels(s *model.Service, slo *model.SLO) []Label {
	return labels(s.Labels, slo.Labels, map[string]string{"service": s.Name, "slo": slo.Name})
}

func sloGroup(s *model.Service, slo *model.SLO) Group {
	ls := SLOLabels(s, slo)
	sel := matchers(ls)
	rec := func(name, expr string) Rule { return Rule{Record: name, Expr: expr, Labels: ls} }
	windows := sloWindows(slo)
	// Sized for the most that follows (the windows' ratios, three period
	// rules, six SLO records, two burn alerts) rather than grown by
	// doubling: a thousand SLOs' groups are held until the files are
	// written.
	g := Group{Name: SLOGroupName(s, slo), Interval: s.Interval, Rules: make([]Rule, 0, len(windows)+3+6+2)}
	sli := slo.SLI
	for _, w := range windows {
		g.Rules = append(g.Rules, rec(RecordErrorRatio+dur(w), SLIErrorRatio(sli, w)))
	}
	period := dur(slo.Period)
	budget := num.Format(slo.ErrorBudget())
	if sli.ErrorRatio != "" {
		// No counters to weigh by traffic: the mean of the 5m ratios.
		g.Rules = append(g.Rules, rec(RecordErrorRatio+period, fmt.Sprintf("avg_over_time(%s5m%s[%s])", RecordErrorRatio, sel, period)))
	} else {
		// Traffic-weighted: the sum of bad over the sum of total, so a quiet
		// night does not weigh as much as a busy day.
		bad := aggBy("sum", sli.By, fmt.Sprintf("rate(%s[5m])", sli.Bad))
		if sli.Bad == "" {
			bad = aggBy("sum", sli.By, fmt.Sprintf("rate(%s[5m])", sli.Total)) + " - " + aggBy("sum", sli.By, fmt.Sprintf("rate(%s[5m])", sli.Good))
		}
		total := aggBy("sum", sli.By, fmt.Sprintf("rate(%s[5m])", sli.Total))
		if l := sli.Latency; l != nil {
			bad, total = signal.LatencyRates(l, sli.By, 5*time.Minute)
		}
		g.Rules = append(g.Rules,
			rec(RecordBadRate, bad),
			rec(RecordTotalRate, total),
			rec(RecordErrorRatio+period, fmt.Sprintf("sum_over_time(%s%s[%s]) / sum_over_time(%s%s[%s])", RecordBadRate, sel, period, RecordTotalRate, sel, period)),
		)
	}
	g.Rules = append(g.Rules,
		rec(RecordObjective, fmt.Sprintf("vector(%s)", num.Format(slo.Objective))),
		rec(RecordErrorBudget, fmt.Sprintf("vector(%s)", budget)),
		rec(RecordPeriodDays, fmt.Sprintf("vector(%s)", num.Format(slo.Period.Hours()/24))),
		rec(RecordCurrentBurn, fmt.Sprintf("%s5m%s / %s", RecordErrorRatio, sel, budget)),
		rec(RecordPeriodBurn, fmt.Sprintf("%s%s%s / %s", RecordErrorRatio, period, sel, budget)),
		rec(RecordBudgetRemaining, fmt.Sprintf("1 - %s%s", RecordPeriodBurn, sel)),
	)
	for _, b := range []*model.BurnAlert{slo.Alerting.Page, slo.Alerting.Ticket} {
		if b != nil {
			g.Rules = append(g.Rules, burnRule(s, slo, b, sel))
		}
	}
	return g
}

// SLIErrorRatio is the error ratio of an SLI over w.
func SLIErrorRatio(sli model.SLI, w time.Duration) string {
	switch {
	case sli.ErrorRatio != "":
		return strings.ReplaceAll(sli.ErrorRatio, model.WindowPlaceholder, dur(w))
	case sli.Latency != nil:
		return signal.LatencyErrorRatio(sli.Latency, sli.By, w)
	}
	return RatioExpr(sli.Bad, sli.Good, sli.Total, sli.By, w)
}

// BurnExpr is the expression of a burn-rate alert: any window pair whose
// long and short error ratios both exceed factor x budget.
func BurnExpr(slo *model.SLO, b *model.BurnAlert, sel string) string {
	budget := num.Format(slo.ErrorBudget())
	var pairs []string
	for _, w := range b.Windows {
		thr := fmt.Sprintf("(%s * %s)", num.Format(w.Factor), budget)
		pairs = append(pairs, fmt.Sprintf("(\n  %s%s%s > %s\nand\n  %s%s%s > %s\n)",
			RecordErrorRatio, dur(w.Long), sel, thr, RecordErrorRatio, dur(w.Short), sel, thr))
	}
	return strings.Join(pairs, "\nor\n")
}

func burnRule(s *model.Service, slo *model.SLO, b *model.BurnAlert, sel string) Rule {
	a := slo.Alerting
	summary := a.Summary
	if summary == "" {
		summary = fmt.Sprintf("%s %s is burning its error budget too fast", s.Name, slo.Name)
	}
	description := a.Description
	if description == "" {
		var ws []string
		for _, w := range b.Windows {
			ws = append(ws, fmt.Sprintf("%sx over %s and %s", num.Format(w.Factor), dur(w.Long), dur(w.Short)))
		}
		description = fmt.Sprintf("The error ratio of %s is {{ $value | humanizePercentage }} over the long window: it burns the %s error budget of its %s%% objective over %s faster than allowed (%s).",
			slo.Name, num.Format(slo.ErrorBudget()*100)+"%", num.Format(slo.Objective*100), dur(slo.Period), strings.Join(ws, ", or "))
	}
	return Rule{
		Alert:         a.Name,
		Expr:          BurnExpr(slo, b, sel),
		For:           b.For,
		KeepFiringFor: b.KeepFiringFor,
		Labels:        burnLabels(s, slo, b.Severity),
		Annotations:   annotations(summary, description, a.RunbookURL),
	}
}

// burnLabels are the labels of an SLO's burn-rate alert of severity sev.
func burnLabels(s *model.Service, slo *model.SLO, sev model.Severity) []Label {
	return labels(s.Labels, slo.Labels, slo.Alerting.Labels, alertLabels(s, sev), map[string]string{"slo": slo.Name})
}

// SLOGroupName is the name of the rule group that holds an SLO's rules.
func SLOGroupName(s *model.Service, slo *model.SLO) string {
	return s.Name + "-slo-" + slo.Name
}
