package validate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/signal"
	"github.com/slo-compiler/slo/internal/spec"
)

// defaultWindow is a row of the Google SRE workbook's multi-window
// multi-burn-rate table: the share of the period's budget the long window may
// burn.
type defaultWindow struct {
	long, short time.Duration
	budgetShare float64
}

var (
	defaultPage = []defaultWindow{
		{time.Hour, 5 * time.Minute, 0.02},
		{6 * time.Hour, 30 * time.Minute, 0.05},
	}
	defaultTicket = []defaultWindow{
		{24 * time.Hour, 2 * time.Hour, 0.10},
		{3 * 24 * time.Hour, 6 * time.Hour, 0.10},
	}
)

// tablePeriod is the SLO period the workbook's window table is written for.
const tablePeriod = 30 * 24 * time.Hour

// scaledWindows shrinks a table row's windows in proportion to a period
// shorter than 30 days, so that the burn factor stays the table's (14.4, 6,
// 1, ...) instead of dropping below 1: a 7-day SLO's ticket watches 16h48m
// and 1h24m at a factor of 1, not 3d and 6h at 0.233, which fires while
// the budget is spent at a quarter of the allowed pace. Windows are rounded
// to the minute, short windows kept at 5m at least (a rate needs samples)
// and long windows at least twice the short one. Periods of 30 days and
// more keep the table's windows; their factors grow instead.
func scaledWindows(d defaultWindow, period time.Duration) (long, short time.Duration) {
	if period >= tablePeriod {
		return d.long, d.short
	}
	scale := func(w time.Duration) time.Duration {
		return (time.Duration(float64(w)*float64(period)/float64(tablePeriod)) + time.Minute/2).Truncate(time.Minute)
	}
	long, short = scale(d.long), scale(d.short)
	short = max(short, 5*time.Minute)
	long = max(long, 2*short)
	return long, short
}

// burnFactor is the burn rate at which the long window consumes share of
// the period's budget: share x period / long.
func burnFactor(share float64, period, long time.Duration) float64 {
	return share * float64(period) / float64(long)
}

func (v *validator) slo(svc *model.Service, s *spec.SLO) *model.SLO {
	v.name(&s.Node, "name", s.Name, kebabRE, "a lower-case name like api-availability")
	m := &model.SLO{
		Name:        s.Name,
		Description: s.Description,
		Period:      v.duration(s.Period, DefaultPeriod, "period"),
		Labels:      v.labels(&s.Node, "labels", "labels", s.Labels),
		Panel:       v.panel(s.Panel),
		Pos:         s.Pos,
	}
	switch {
	case s.Objective == nil:
		if !s.Has("objective") { // else its decode error is reported
			v.diags.Errorf(s.Pos, "spec/required", "objective: missing; expected a percentage such as 99.9")
		}
	case *s.Objective <= 0 || *s.Objective >= 100:
		v.diags.Errorf(s.At("objective"), "spec/objective-range", "objective: expected a percentage in (0, 100), got %s", num.Format(*s.Objective))
	default:
		m.Objective = num.Round(*s.Objective / 100)
	}
	v.sli(m, s)
	v.sloAlerting(svc, m, s)
	return m
}

func (v *validator) sli(m *model.SLO, s *spec.SLO) {
	if s.SLI == nil {
		if s.Invalid("sli") {
			return // the decoder reported it
		}
		v.diags.Errorf(s.Pos, "spec/required", "sli: missing; expected ratio (bad or good, and total counters), latency (a histogram and a threshold) or error_ratio")
		return
	}
	sli := s.SLI
	if sli.Latency != nil || sli.Invalid("latency") {
		v.latencySLI(m, sli)
		return
	}
	switch {
	case sli.Ratio != nil && sli.ErrorRatio != nil:
		v.diags.Errorf(sli.At("error_ratio"), "spec/one-of", "sli: give ratio or error_ratio, not both")
	case sli.Ratio != nil:
		r := v.ratio(sli.Ratio, "sli.ratio")
		if r != nil {
			m.SLI = model.SLI{Bad: r.Bad, Good: r.Good, Total: r.Total, By: r.By}
			if sli.Ratio.Window != nil {
				v.diags.Errorf(sli.Ratio.At("window"), "spec/field", "sli.ratio.window: an SLO's windows come from its alerting; remove window")
			}
		}
	case sli.ErrorRatio != nil:
		text := sli.ErrorRatio.Text
		if !strings.Contains(text, model.WindowPlaceholder) {
			v.diags.Errorf(sli.ErrorRatio.Pos, "spec/window-placeholder", "sli.error_ratio: expected an expression with %s where the range goes, e.g. rate(errors[%s])", model.WindowPlaceholder, model.WindowPlaceholder)
			return
		}
		// Check it with a window in place; the placeholder and "5m" differ
		// in length, so a syntax error maps to the file only up to it.
		check := &spec.Expr{Node: sli.ErrorRatio.Node, Text: strings.ReplaceAll(text, model.WindowPlaceholder, "5m")}
		if _, ok := v.expr(check, &sli.Node, "sli.error_ratio"); ok {
			m.SLI = model.SLI{ErrorRatio: strings.TrimSpace(text)}
		}
	case sli.Invalid("ratio") || sli.Invalid("error_ratio"): // the decoder reported it
	default:
		v.diags.Errorf(sli.Pos, "spec/required", "sli: expected ratio (bad or good, and total counters), latency (a histogram and a threshold) or error_ratio")
	}
}

// latencySLI checks a latency SLI. On a classic histogram it is the ratio
// of the bucket at the threshold (good) over the count (total), and
// compiles as one.
func (v *validator) latencySLI(m *model.SLO, sli *spec.SLI) {
	for _, other := range []string{"ratio", "error_ratio"} {
		if sli.Has(other) {
			v.diags.Errorf(sli.KeyAt("latency"), "spec/one-of", "sli: give one of ratio, latency or error_ratio, not both %s and latency", other)
			return
		}
	}
	if sli.Latency == nil {
		return // the decoder reported it
	}
	l := signal.CheckLatency(checker{v}, sli.Latency, "sli.latency", false)
	if l == nil {
		return
	}
	m.SLI = model.SLI{By: l.By, Latency: &l.Latency}
	if !l.Native {
		m.SLI.Good, m.SLI.Total = l.Bucket, l.Count
	}
}

func (v *validator) ratio(r *spec.Ratio, what string) *model.RatioSignal {
	m := &model.RatioSignal{By: v.by(&r.Node, r.By, what+".by"), Window: v.window(r.Window, signal.DefaultRatioWindow, what+".window")}
	ok := true
	signal := strings.HasPrefix(what, "signal")
	switch {
	case r.Bad != nil && r.Good != nil && (r.Total != nil || !signal):
		v.diags.Errorf(r.At("good"), "spec/one-of", "%s: give bad or good with total, not both (a signal may give bad and good without total)", what)
		ok = false
	case r.Invalid("bad") || r.Invalid("good"):
		ok = false // the decoder reported it
	case r.Bad == nil && r.Good == nil:
		v.diags.Errorf(r.Pos, "spec/required", "%s: expected bad or good, a counter selector", what)
		ok = false
	case r.Bad != nil && r.Good != nil:
		bad, okBad := v.selector(r.Bad, &r.Node, what+".bad")
		good, okGood := v.selector(r.Good, &r.Node, what+".good")
		m.Bad, m.Good, ok = bad.String(), good.String(), okBad && okGood
	case r.Bad != nil:
		sel, good := v.selector(r.Bad, &r.Node, what+".bad")
		m.Bad, ok = sel.String(), good
	default:
		sel, good := v.selector(r.Good, &r.Node, what+".good")
		m.Good, ok = sel.String(), good
	}
	if r.MinTotal != nil {
		switch {
		case !signal:
			v.diags.Errorf(r.At("min_total"), "spec/field", "%s.min_total: a traffic floor belongs on a ratio signal of an alert; an SLO counts every event", what)
		case *r.MinTotal <= 0:
			v.diags.Errorf(r.At("min_total"), "spec/range", "%s.min_total: expected a number of events greater than 0, got %s", what, num.Format(*r.MinTotal))
		default:
			m.MinTotal = *r.MinTotal
		}
	}
	if m.Bad != "" && m.Good != "" {
		if !ok {
			return nil
		}
		return m
	}
	if r.Total == nil && signal && (r.Invalid("bad") || r.Invalid("good")) {
		return nil // a signal's bad and good need no total; the decoder reported the one that failed
	}
	total, good := v.selector(r.Total, &r.Node, what+".total")
	if !ok || !good {
		return nil
	}
	m.Total = total.String()
	return m
}

func (v *validator) sloAlerting(svc *model.Service, m *model.SLO, s *spec.SLO) {
	a := s.Alerting
	if a == nil {
		a = &spec.SLOAlerting{}
		a.Pos = s.Pos
	}
	m.Alerting = model.SLOAlerting{
		Name:        a.Name,
		Summary:     a.Summary,
		Description: a.Description,
		RunbookURL:  a.RunbookURL,
		Labels:      v.labels(&a.Node, "labels", "alerting.labels", a.Labels),
	}
	if m.Alerting.Name == "" {
		m.Alerting.Name = camel(s.Name) + "ErrorBudgetBurn"
	} else if !camelRE.MatchString(a.Name) {
		v.diags.Errorf(a.At("name"), "spec/name", "alerting.name: expected a CamelCase alert name like ApiErrorBudgetBurn, got %q", a.Name)
	}
	if m.Alerting.RunbookURL == "" {
		m.Alerting.RunbookURL = svc.RunbookURL
	}
	v.template(&a.Node, "summary", m.Alerting.Name, a.Summary)
	v.template(&a.Node, "description", m.Alerting.Name, a.Description)
	if a.Disabled {
		return
	}
	m.Alerting.Page = v.burnAlert(m, a.Page, "alerting.page", model.Critical, 2*time.Minute, defaultPage, a)
	m.Alerting.Ticket = v.burnAlert(m, a.Ticket, "alerting.ticket", model.Warning, 15*time.Minute, defaultTicket, a)
	if fractionObjective(m) {
		for _, b := range []*model.BurnAlert{m.Alerting.Page, m.Alerting.Ticket} {
			if b != nil && slices.ContainsFunc(b.Windows, func(w model.BurnWindow) bool { return neverFires(m, w) }) {
				o := *s.Objective
				hint := "objectives are percentages, such as 99.9"
				if pct := num.Round(o * 100); pct < 100 {
					hint = fmt.Sprintf("did you mean %s (percent)?", num.Format(pct))
				}
				v.diags.Errorf(s.At("objective"), "lint/burn-never-fires", "objective: %s is %s%% (an error budget of %s%%), so burn alerts can never fire; %s", num.Format(o), num.Format(o), num.Format(num.Round(100-o)), hint)
				break
			}
		}
	}
	if p, t := m.Alerting.Page, m.Alerting.Ticket; p != nil && t != nil && p.Severity == t.Severity {
		v.diags.Errorf(a.Pos, "lint/burn-severity", "alerting: page and ticket both have severity %q; the page must inhibit the ticket, so give them different severities", p.Severity)
	}
}

func (v *validator) burnAlert(m *model.SLO, b *spec.BurnAlert, what string, sev model.Severity, defFor time.Duration, defaults []defaultWindow, parent *spec.SLOAlerting) *model.BurnAlert {
	if b == nil {
		b = &spec.BurnAlert{}
		b.Pos = parent.Pos
	}
	if b.Disabled {
		return nil
	}
	out := &model.BurnAlert{
		Severity:      sev,
		For:           defFor,
		KeepFiringFor: v.durationOrZero(b.KeepFiringFor, what+".keep_firing_for"),
	}
	if b.For != nil {
		out.For = b.For.D // zero is allowed: fire at once
	}
	if b.Severity != "" {
		out.Severity = v.severity(&b.Node, "severity", b.Severity, what)
	}
	if b.Windows == nil {
		for _, d := range defaults {
			long, short := scaledWindows(d, m.Period)
			out.Windows = append(out.Windows, model.BurnWindow{Long: long, Short: short, Factor: num.Round(burnFactor(d.budgetShare, m.Period, long)), Pos: b.Pos})
		}
	}
	for i, w := range b.Windows {
		wwhat := fmt.Sprintf("%s.windows[%d]", what, i)
		bw := model.BurnWindow{Pos: w.Pos}
		if w.Long == nil || w.Short == nil {
			if w.Invalid("long") || w.Invalid("short") {
				continue // the decoder reported it
			}
			v.diags.Errorf(w.Pos, "spec/required", "%s: expected long and short windows", wwhat)
			continue
		}
		bw.Long = v.window(w.Long, 0, wwhat+".long")
		bw.Short = v.window(w.Short, 0, wwhat+".short")
		if bw.Short >= bw.Long && bw.Long > 0 {
			v.diags.Errorf(w.At("short"), "lint/burn-windows", "%s.short: the short window (%s) must be shorter than the long one (%s)", wwhat, promx.FormatDuration(bw.Short), promx.FormatDuration(bw.Long))
		}
		switch {
		case w.Factor != nil && w.BudgetPercent != nil:
			v.diags.Errorf(w.At("budget_percent"), "spec/one-of", "%s: give factor or budget_percent, not both", wwhat)
		case w.Factor != nil:
			if *w.Factor <= 0 {
				v.diags.Errorf(w.At("factor"), "spec/range", "%s.factor: expected a burn rate greater than 0, got %s", wwhat, num.Format(*w.Factor))
			}
			bw.Factor = *w.Factor
		case w.BudgetPercent != nil:
			if *w.BudgetPercent <= 0 || *w.BudgetPercent > 100 {
				v.diags.Errorf(w.At("budget_percent"), "spec/range", "%s.budget_percent: expected a percentage in (0, 100], got %s", wwhat, num.Format(*w.BudgetPercent))
			}
			if bw.Long > 0 {
				bw.Factor = num.Round(burnFactor(*w.BudgetPercent/100, m.Period, bw.Long))
			}
		default:
			v.diags.Errorf(w.Pos, "spec/required", "%s: expected factor (a burn rate) or budget_percent (the share of the period's budget the long window may burn)", wwhat)
		}
		out.Windows = append(out.Windows, bw)
	}
	if len(out.Windows) == 0 && !b.Invalid("windows") {
		v.diags.Errorf(b.At("windows"), "spec/required", "%s.windows: expected at least one window pair, or disabled: true", what)
	}
	// Lints on the thresholds and timing.
	if m.Objective > 0 {
		for _, w := range out.Windows {
			if neverFires(m, w) && !fractionObjective(m) { // else sloAlerting reports the objective once
				v.diags.Errorf(w.Pos, "lint/burn-never-fires", "%s: a burn rate of %s over %s needs an error ratio of %s, above 100%%; this alert can never fire (lower the factor, or raise the objective)", what, num.Format(w.Factor), promx.FormatDuration(w.Long), num.Format(num.Round(w.Factor*m.ErrorBudget())))
			}
		}
	}
	for _, w := range out.Windows {
		if w.Factor > 0 && w.Factor < 1 {
			v.diags.Warnf(w.Pos, "lint/burn-below-one", "%s: a burn rate of %s over %s fires while the budget is spent slower than the period allows (%s of it in %s); use a factor of at least 1 (a shorter period needs shorter windows, not a smaller factor)", what, num.Format(w.Factor), promx.FormatDuration(w.Long), strconv.FormatFloat(w.Factor*float64(w.Long)/float64(m.Period)*100, 'g', 3, 64)+"%", promx.FormatDuration(w.Long))
		}
	}
	shortest := time.Duration(0)
	for _, w := range out.Windows {
		if shortest == 0 || (w.Short > 0 && w.Short < shortest) {
			shortest = w.Short
		}
	}
	if shortest > 0 && out.For > shortest {
		v.diags.Warnf(b.At("for"), "lint/for-too-long", "%s.for: %s is longer than the shortest short window (%s); the alert fires late and may never fire for a burst the window already caught", what, promx.FormatDuration(out.For), promx.FormatDuration(shortest))
	}
	return out
}

func (v *validator) durationOrZero(d *spec.Duration, what string) time.Duration {
	if d == nil {
		return 0
	}
	if d.D < 0 {
		v.diags.Errorf(d.Pos, "spec/duration", "%s: expected a duration of zero or more", what)
	}
	return d.D
}

func (v *validator) severity(n *spec.Node, field, s, what string) model.Severity {
	for _, sev := range model.Severities {
		if string(sev) == s {
			return sev
		}
	}
	v.diags.Errorf(n.At(field), "spec/severity", "%s.%s: expected critical, warning or info, got %q", what, field, s)
	return model.Severity(s)
}

func (v *validator) template(n *spec.Node, field, alert, text string) {
	if text == "" {
		return
	}
	if err := promx.CheckTemplate(alert, text); err != nil {
		v.diags.Errorf(n.At(field), "spec/template", "%s: invalid template: %v", field, err)
	}
}

func (v *validator) panel(p *spec.Panel) *model.Panel {
	if p == nil {
		return nil
	}
	m := &model.Panel{Dashboard: p.Dashboard, Title: p.Title, Metric: p.Metric, Pos: p.Pos}
	if p.ID != nil {
		m.ID = *p.ID
	}
	if p.Dashboard == "" {
		v.diags.Errorf(p.Pos, "spec/required", "panel.dashboard: missing; expected the dashboard's uid")
	}
	n := 0
	for _, set := range []bool{p.Title != "", p.ID != nil, p.Metric != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		v.diags.Errorf(p.Pos, "spec/one-of", "panel: expected exactly one of title, id or metric")
	}
	return m
}

// camel turns "api-availability" into "ApiAvailability".
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' }) {
		rs := []rune(part)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	return b.String()
}

// fractionObjective reports whether an SLO's objective, a percentage, looks
// written as a fraction: 0.999 for 99.9.
func fractionObjective(m *model.SLO) bool { return m.Objective > 0 && m.Objective <= 0.01 }

// neverFires reports whether a burn window's threshold is an error ratio of
// 100% or more, which no ratio reaches.
func neverFires(m *model.SLO, w model.BurnWindow) bool { return w.Factor*m.ErrorBudget() >= 1 }
