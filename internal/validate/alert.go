package validate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/signal"
	"github.com/slo-compiler/slo/internal/spec"
)

func (v *validator) alert(svc *model.Service, a *spec.Alert) *model.Alert {
	v.name(&a.Node, "name", a.Name, camelRE, "a CamelCase alert name like QueueDepthHigh")
	m := &model.Alert{
		Name:        a.Name,
		Summary:     a.Summary,
		Description: a.Description,
		RunbookURL:  a.RunbookURL,
		Labels:      v.labels(&a.Node, "labels", "labels", a.Labels),
		Panel:       v.panel(a.Panel),
		Pos:         a.Pos,
	}
	if m.RunbookURL == "" {
		m.RunbookURL = svc.RunbookURL
	}
	v.template(&a.Node, "summary", a.Name, a.Summary)
	v.template(&a.Node, "description", a.Name, a.Description)
	if a.Signal == nil {
		if !a.Invalid("signal") {
			v.diags.Errorf(a.Pos, "spec/required", "signal: missing; expected one of %s", strings.Join(signal.Keys(), ", "))
		}
	} else {
		m.Signal = signal.Check(checker{v}, a.Signal)
	}
	v.levels(m, a)
	v.absentChecks(m, a)
	signal.Lint(checker{v}, m, a.Signal)
	m.Record = v.record(svc, m, a)
	if in := a.Inhibits; in != nil {
		m.Inhibits = &model.Inhibits{Alerts: in.Alerts, Equal: v.by(&in.Node, in.Equal, "inhibits.equal"), Pos: in.Pos}
		if len(in.Alerts) == 0 && !in.Invalid("alerts") {
			v.diags.Errorf(in.Pos, "spec/required", "inhibits.alerts: missing; expected the names of the alerts this one mutes while it fires")
		}
		for _, s := range in.Severities {
			m.Inhibits.Severities = append(m.Inhibits.Severities, v.severity(&in.Node, "severities", s, "inhibits"))
		}
	}
	if _, known := signalLabels(m.Signal); !known && m.Signal != nil && len(m.Levels) > 1 {
		v.diags.Warnf(a.Signal.Pos, "lint/inhibit-labels", "signal: slo cannot tell which labels its series carry, so no rule lets %s inhibit %s on the same series; aggregate with sum/max/avg by (...) to get one", m.Levels[0].Severity, m.Levels[1].Severity)
	}
	if labels, known := signalLabels(m.Signal); known {
		for _, l := range labels {
			if slices.Contains(GeneratedLabels, l) {
				v.diags.Errorf(a.Signal.Pos, "lint/label-collision", "signal: its series carry the label %q, which slo sets on the alert and would overwrite; aggregate it away or rename it with label_replace", l)
			}
		}
	}
	return m
}

// checker gives the signal kinds the validator's field checks.
type checker struct{ v *validator }

func (c checker) Selector(e *spec.Expr, parent *spec.Node, field string) (promx.Selector, bool) {
	return c.v.selector(e, parent, field)
}
func (c checker) Expr(e *spec.Expr, parent *spec.Node, field string) (string, bool) {
	return c.v.expr(e, parent, field)
}
func (c checker) Window(d *spec.Duration, def time.Duration, field string) time.Duration {
	return c.v.window(d, def, field)
}
func (c checker) Duration(d *spec.Duration, def time.Duration, field string) time.Duration {
	return c.v.duration(d, def, field)
}
func (c checker) By(n *spec.Node, by []string, field string) []string  { return c.v.by(n, by, field) }
func (c checker) Ratio(r *spec.Ratio, field string) *model.RatioSignal { return c.v.ratio(r, field) }
func (c checker) Errorf(pos diag.Pos, code, format string, args ...any) {
	c.v.diags.Errorf(pos, code, format, args...)
}
func (c checker) Warnf(pos diag.Pos, code, format string, args ...any) {
	c.v.diags.Warnf(pos, code, format, args...)
}

func signalLabels(s model.Signal) ([]string, bool) {
	if s == nil {
		return nil, false
	}
	return s.Labels()
}

// absentChecks reports alerts that go blind when their input is absent,
// where the signal's own meaning says absence is past a threshold.
func (v *validator) absentChecks(m *model.Alert, a *spec.Alert) {
	if a.Signal == nil || m.Signal == nil {
		return
	}
	if _, ok := m.Signal.(*model.StatusSignal); ok && a.Signal.OnAbsent != "" {
		v.diags.Errorf(a.Signal.At("on_absent"), "spec/one-of", "signal.on_absent: a status signal says this with status.absent (true or false); remove on_absent")
		return
	}
	switch a.Signal.OnAbsent {
	case "":
	case "fire":
		m.OnAbsent = model.AbsentFire
	case "silent":
		m.OnAbsent = model.AbsentSilent
	default:
		v.diags.Errorf(a.Signal.At("on_absent"), "spec/range", "signal.on_absent: expected fire or silent, got %q", a.Signal.OnAbsent)
	}
	if m.OnAbsent != model.AbsentDefault {
		return
	}
	val, known, handled := signal.AbsentValue(m.Signal)
	if !known || handled {
		return
	}
	for _, l := range m.Levels {
		if model.Past(m.Direction, val, l.Threshold) {
			v.diags.Warnf(a.Signal.Pos, "lint/absent-blind", "%s goes blind when its input is absent, which means %s, past the %s threshold %s; add signal.on_absent: fire (or silent, on purpose)", m.Name, num.Format(val), l.Severity, num.Format(l.Threshold))
			return
		}
	}
}

// levels reads the thresholds and per-severity timing of an alert.
func (v *validator) levels(m *model.Alert, a *spec.Alert) {
	_, isStatus := m.Signal.(*model.StatusSignal)
	var th *spec.Thresholds
	switch {
	case a.Above != nil && a.Below != nil:
		v.diags.Errorf(a.KeyAt("below"), "spec/one-of", "give above or below, not both")
		return
	case a.Above != nil:
		m.Direction, th = model.Above, a.Above
	case a.Below != nil:
		m.Direction, th = model.Below, a.Below
	case isStatus || a.Severity != "":
		m.Direction = model.Condition
	case a.Invalid("above") || a.Invalid("below"): // the decoder reported it
		return
	default:
		v.diags.Errorf(a.Pos, "spec/required", "expected above or below with a threshold per severity, e.g. above: {warning: 100, critical: 200}")
		return
	}
	if m.Direction == model.Condition {
		if a.Severity == "" {
			if a.Invalid("severity") {
				return // the decoder reported it
			}
			v.diags.Errorf(a.Pos, "spec/required", "severity: missing; a status alert needs severity: critical, warning or info")
			return
		}
		if e, ok := m.Signal.(*model.ExprSignal); ok && !promx.Filters(e.Expr) || !isStatus && !ok && m.Signal != nil {
			v.diags.Warnf(a.At("severity"), "lint/no-threshold", "severity without above or below fires whenever the signal has a value, and this expression has no comparison that filters it; add one (e.g. == 1) or use above/below")
		}
		sev := v.severity(&a.Node, "severity", a.Severity, "alert")
		m.Levels = append(m.Levels, v.level(a, sev, 0, a.At("severity")))
		v.unusedSeverityKeys(m, a, "severity")
		return
	}
	if a.Severity != "" {
		v.diags.Errorf(a.At("severity"), "spec/one-of", "severity: the severities come from the keys of above/below; remove severity")
	}
	if isStatus {
		v.diags.Errorf(th.Pos, "spec/one-of", "a status signal has no threshold; give severity instead of above/below")
	}
	field := "above"
	if m.Direction == model.Below {
		field = "below"
	}
	vals := map[model.Severity]*float64{model.Critical: th.Critical, model.Warning: th.Warning, model.Info: th.Info}
	for _, sev := range model.Severities {
		if vals[sev] != nil {
			m.Levels = append(m.Levels, v.level(a, sev, *vals[sev], th.At(string(sev))))
		}
	}
	if len(m.Levels) == 0 && !th.Invalid("critical") && !th.Invalid("warning") && !th.Invalid("info") {
		v.diags.Errorf(th.Pos, "spec/required", "%s: expected at least one threshold: critical, warning or info", field)
	}
	// The more severe threshold must be the further one.
	for i := 1; i < len(m.Levels); i++ {
		hi, lo := m.Levels[i-1], m.Levels[i]
		bad := hi.Threshold < lo.Threshold
		rel := "above"
		if m.Direction == model.Below {
			bad, rel = hi.Threshold > lo.Threshold, "below"
		}
		if bad || hi.Threshold == lo.Threshold {
			v.diags.Errorf(lo.Pos, "lint/threshold-order", "%s.%s: %s fires %s %s, which is not less severe than %s at %s; thresholds must grow more extreme with severity", field, lo.Severity, lo.Severity, rel, num.Format(lo.Threshold), hi.Severity, num.Format(hi.Threshold))
		}
	}
	v.unusedSeverityKeys(m, a, field)
}

// unusedSeverityKeys reports per-severity for/keep_firing_for keys for a
// severity the alert does not have.
func (v *validator) unusedSeverityKeys(m *model.Alert, a *spec.Alert, field string) {
	for _, sd := range []*spec.SeverityDurations{a.For, a.KeepFiringFor} {
		if sd == nil {
			continue
		}
		for _, sev := range model.Severities {
			if sd.Has(string(sev)) && !slices.ContainsFunc(m.Levels, func(l model.Level) bool { return l.Severity == sev }) {
				if field == "severity" {
					v.diags.Errorf(sd.KeyAt(string(sev)), "spec/severity", "%s: this alert only has severity %s; remove %s here", sev, m.Levels[0].Severity, sev)
				} else {
					v.diags.Errorf(sd.KeyAt(string(sev)), "spec/severity", "%s has no threshold; remove it here or add it to %s", sev, field)
				}
			}
		}
	}
}

func (v *validator) level(a *spec.Alert, sev model.Severity, thr float64, pos diag.Pos) model.Level {
	return model.Level{
		Severity:      sev,
		Threshold:     thr,
		For:           v.perSeverity(a.For, sev, "for"),
		KeepFiringFor: v.perSeverity(a.KeepFiringFor, sev, "keep_firing_for"),
		Pos:           pos,
	}
}

func (v *validator) perSeverity(sd *spec.SeverityDurations, sev model.Severity, what string) time.Duration {
	if sd == nil {
		return 0
	}
	d := sd.All
	switch sev {
	case model.Critical:
		d = cmpOr(sd.Critical, d)
	case model.Warning:
		d = cmpOr(sd.Warning, d)
	case model.Info:
		d = cmpOr(sd.Info, d)
	}
	return v.durationOrZero(d, what)
}

func cmpOr(a, b *spec.Duration) *spec.Duration {
	if a != nil {
		return a
	}
	return b
}

var recordRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+:[a-zA-Z0-9_]+$`)

// record names the recording rule of an alert's signal, level:metric:operation.
func (v *validator) record(svc *model.Service, m *model.Alert, a *spec.Alert) string {
	if a.Signal != nil && a.Signal.Record != "" {
		if !recordRE.MatchString(a.Signal.Record) {
			v.diags.Errorf(a.Signal.At("record"), "spec/record-name", "signal.record: expected a name of the form level:metric:operation, got %q", a.Signal.Record)
		}
		return a.Signal.Record
	}
	level := snake(svc.Name)
	if by, known := signalLabels(m.Signal); known && len(by) > 0 {
		level = strings.Join(by, "_")
	}
	op := "value"
	if m.Signal != nil {
		op = signal.Operation(m.Signal)
	}
	return level + ":" + snake(m.Name) + ":" + op
}

// snake turns "QueueDepthHigh" into "queue_depth_high" and "dubbing-api"
// into "dubbing_api".
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r == '-':
			b.WriteByte('_')
		case r >= 'A' && r <= 'Z':
			if i > 0 && (rs[i-1] >= 'a' && rs[i-1] <= 'z' || rs[i-1] >= '0' && rs[i-1] <= '9' || i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z' && rs[i-1] != '-') {
				b.WriteByte('_')
			}
			b.WriteRune(r + ('a' - 'A'))
		default:
			b.WriteRune(r)
		}
	}
	return strings.ReplaceAll(b.String(), "__", "_")
}

// crossChecks runs the checks that need the whole project.
func (v *validator) crossChecks(p *model.Project) {
	alerts := map[string]diag.Pos{}
	records := map[string]diag.Pos{}
	seen := func(m map[string]diag.Pos, key string, pos diag.Pos, code, what string) {
		if first, ok := m[key]; ok {
			v.diags.Errorf(pos, code, "%s %q is defined twice; first at %s", what, key, first)
			return
		}
		m[key] = pos
	}
	services := map[string]diag.Pos{}
	owner := map[string]string{} // alert name to the service that defines it first
	// dupAlert reports an alert name given twice, and says what to set.
	dupAlert := func(s *model.Service, name string, pos diag.Pos, field, why string) {
		first, ok := alerts[name]
		if !ok {
			alerts[name], owner[name] = pos, s.Name
			return
		}
		if owner[name] == s.Name {
			v.diags.Errorf(pos, "lint/duplicate-alert", "alert %q is defined twice; first at %s; rename one", name, first)
			return
		}
		v.diags.Errorf(pos, "lint/duplicate-alert", "alert %q is defined twice; first at %s (service %q); alert names are shared by every service%s: set %s, such as %s: %s%s", name, first, owner[name], why, field, field, camel(s.Name), name)
	}
	for _, s := range p.Services {
		seen(services, s.Name, s.Pos, "lint/duplicate-service", "service")
		slos := map[string]bool{}
		for _, slo := range s.SLOs {
			why := ""
			if slo.Alerting.Name == camel(slo.Name)+"ErrorBudgetBurn" {
				why = fmt.Sprintf(", and this is the default name of SLO %q", slo.Name)
			}
			if slos[slo.Name] && why != "" {
				// An SLO of a name given twice (lint/duplicate-slo), whose
				// alert is named after it: renaming the SLO renames both.
				continue
			}
			slos[slo.Name] = true
			dupAlert(s, slo.Alerting.Name, slo.Pos, "alerting.name", why)
		}
		for _, a := range s.Alerts {
			dupAlert(s, a.Name, a.Pos, "name", "")
			seen(records, a.Record, a.Pos, "lint/duplicate-record", "recording rule")
		}
	}
	// An alert whose name did not validate (reported there) may be the
	// one an inhibition names.
	unnamed := false
	for _, s := range p.Services {
		for _, a := range s.Alerts {
			unnamed = unnamed || a.Name == ""
		}
	}
	for _, s := range p.Services {
		for _, a := range s.Alerts {
			if a.Inhibits == nil {
				continue
			}
			for _, name := range a.Inhibits.Alerts {
				if _, ok := alerts[name]; !ok && !unnamed {
					v.diags.Errorf(a.Inhibits.Pos, "spec/unknown-alert", "inhibits.alerts: no alert named %q in the specs compiled together", name)
				}
				if name == a.Name {
					v.diags.Errorf(a.Inhibits.Pos, "spec/unknown-alert", "inhibits.alerts: %s cannot inhibit itself; its severities already inhibit each other", name)
				}
			}
		}
	}
	if p.Routing != nil {
		v.routingChecks(p)
	}
}
