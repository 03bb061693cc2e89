package app

import (
	"reflect"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/signal"
)

// specLimits checks, before scenarios are generated from a service, that
// none of its durations alone makes a scenario too long: a generated
// scenario holds its signal for `for` and `keep_firing_for` after the
// signal's windows (and an SLO's burn windows) have filled, so each of them
// is a lower bound of some scenario's length. Generating from a `for` of
// 292 years would itself take minutes and gigabytes. Combinations of
// durations that each fit are caught on the generated scenarios
// (harness.CheckLimits). A service with an error here gets no generated
// scenarios.
func specLimits(svc *model.Service, lim scenario.Limits) diag.List {
	d := scenario.DefaultLimits
	if lim.MaxLength > 0 {
		d.MaxLength = lim.MaxLength
	}
	if lim.MaxSteps > 0 {
		d.MaxSteps = lim.MaxSteps
	}
	iv := svc.Interval
	if iv <= 0 {
		iv = time.Minute
	}
	var diags diag.List
	check := func(pos diag.Pos, owner, field string, v time.Duration) {
		fd := promx.FormatDuration
		switch {
		case v > d.MaxLength:
			diags.Errorf(pos, scenario.LimitCode, "%s: %s: %s makes its generated scenarios longer than the limit of %s (--%s)",
				owner, field, fd(v), fd(d.MaxLength), scenario.FlagMaxLength)
		case int64(v/iv)+1 > int64(d.MaxSteps):
			diags.Errorf(pos, scenario.LimitCode, "%s: %s: %s at the rules' evaluation interval of %s makes its generated scenarios longer than the limit of %s evaluation steps (--%s)",
				owner, field, fd(v), fd(iv), scenario.FormatCount(d.MaxSteps), scenario.FlagMaxSteps)
		}
	}
	for _, a := range svc.Alerts {
		for _, f := range signalDurations(a.Signal) {
			check(a.Pos, a.Name, f.name, f.d)
		}
		for _, l := range a.Levels {
			check(l.Pos, a.Name+" "+string(l.Severity), "for", l.For)
			check(l.Pos, a.Name+" "+string(l.Severity), "keep_firing_for", l.KeepFiringFor)
		}
	}
	for _, s := range svc.SLOs {
		for _, b := range []*model.BurnAlert{s.Alerting.Page, s.Alerting.Ticket} {
			if b == nil {
				continue
			}
			owner := s.Alerting.Name + " " + string(b.Severity)
			check(s.Pos, owner, "for", b.For)
			check(s.Pos, owner, "keep_firing_for", b.KeepFiringFor)
			for _, w := range b.Windows {
				check(w.Pos, owner, "long window", w.Long)
				check(w.Pos, owner, "short window", w.Short)
			}
		}
	}
	return diags
}

type namedDuration struct {
	name string
	d    time.Duration
}

// signalDurations returns the durations of a signal (windows, offsets,
// horizons), named as the spec spells them.
func signalDurations(sig model.Signal) []namedDuration {
	var out []namedDuration
	v := reflect.ValueOf(sig)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	dt := reflect.TypeOf(time.Duration(0))
	for i := range v.NumField() {
		if f := v.Type().Field(i); f.Type == dt && f.IsExported() {
			out = append(out, namedDuration{sig.Kind() + "." + strings.ToLower(f.Name), time.Duration(v.Field(i).Int())})
		}
	}
	return out
}

// generatedScenarios is the scenario file of svc's generated scenarios: the
// service's rule file from b and, when am is set, the Alertmanager config
// they route through. Services whose durations are too long to generate
// scenarios from at all get none, and the diagnostics that say so (exit 1,
// at the spec).
func generatedScenarios(b *Build, i int, lim scenario.Limits, am []byte) (*scenario.File, []scenario.Uncovered, diag.List) {
	svc := b.Project.Services[i]
	if over := specLimits(svc, lim); len(over) > 0 {
		return nil, nil, over
	}
	ss, unc := signal.Generate(svc)
	rf := b.Output.RuleFiles[i]
	return &scenario.File{
		Name:         svc.Source,
		RuleFiles:    []scenario.RuleFile{{Name: rf.Name, Data: fileData(b, rf.Name)}},
		Alertmanager: am,
		Scenarios:    ss,
	}, unc, nil
}
