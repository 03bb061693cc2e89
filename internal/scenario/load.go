package scenario

import (
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/spec"
)

// Hand is a hand-written scenario file, checked and converted.
type Hand struct {
	Path string
	// Specs are the spec paths the file names, joined to its folder.
	Specs     []string
	Scenarios []*Scenario
}

// FromSpec converts a decoded scenario file, checking what the decoder
// cannot: required fields, PromQL, series notation, times, and the default
// limits on the input interval and the samples of a series.
func FromSpec(f *spec.ScenarioFile) (*Hand, diag.List) {
	return FromSpecWith(f, DefaultLimits)
}

// FromSpecWith is FromSpec with the given limits. The input interval and
// the samples of each series are checked here, before a values string is
// expanded; the length and step limits need the compiled rules
// (CheckLimits).
func FromSpecWith(f *spec.ScenarioFile, lim Limits) (*Hand, diag.List) {
	var diags diag.List
	h := &Hand{Path: f.Pos.File}
	if len(f.Spec.Values) == 0 {
		diags.Errorf(f.Pos, "scenario/spec", "spec: missing; expected the spec file (or files) this scenario tests, relative to this file")
	}
	for _, p := range f.Spec.Values {
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(f.Pos.File), p)
		}
		h.Specs = append(h.Specs, p)
	}
	if len(f.Tests) == 0 {
		diags.Errorf(f.Pos, "scenario/tests", "tests: missing; expected at least one test group")
	}
	dur := func(d *spec.Duration, def time.Duration) time.Duration {
		if d == nil {
			return def
		}
		return d.D
	}
	evalReported := false
	for i, t := range f.Tests {
		s := &Scenario{
			Name:           t.Name,
			Pos:            t.Pos,
			Interval:       dur(t.Interval, dur(f.EvaluationInterval, time.Minute)),
			ExternalLabels: t.ExternalLabels,
		}
		if s.Name == "" {
			s.Name = "unnamed#" + strconv.Itoa(i)
		}
		// A test group over a limit is reported and left out: it is not
		// run at all.
		overLimit := false
		if t.Interval != nil {
			if d, over := CheckInterval(t.At("interval"), "interval", s.Interval, lim); over {
				diags = append(diags, d)
				overLimit = true
			}
		} else if f.EvaluationInterval != nil {
			if d, over := CheckInterval(f.At("evaluation_interval"), "evaluation_interval", s.Interval, lim); over {
				if !evalReported {
					diags = append(diags, d)
					evalReported = true
				}
				overLimit = true
			}
		}
		// Parsing a series' values expands them. A group whose series hold
		// more samples together than the limit is refused from their
		// notation, and none of them is expanded: a few kilobytes could
		// otherwise hold a hundred series at the per-series limit. Their
		// syntax is checked once the group is within the limits. A series
		// over its own limit is reported by itself and not counted.
		var values []string
		seriesOver := make([]bool, len(t.InputSeries))
		for j, in := range t.InputSeries {
			if d, over := CheckSeriesLimits(in.At("values"), in.Values, lim); over {
				diags = append(diags, d)
				overLimit, seriesOver[j] = true, true
				continue
			}
			values = append(values, in.Values)
		}
		totalOver := false
		if d, over := CheckTotalSamples(t.Pos, values, lim); over {
			diags = append(diags, d)
			overLimit, totalOver = true, true
		}
		for j, in := range t.InputSeries {
			if seriesOver[j] || totalOver {
				continue
			}
			if _, err := promx.ParseSeriesDesc(in.Series + " " + in.Values); err != nil {
				diags.Errorf(in.Pos, "scenario/series", "input_series: %v", err)
				continue
			}
			s.Series = append(s.Series, Series{Series: in.Series, Values: in.Values, Pos: in.Pos, ValuesPos: in.At("values")})
		}
		for _, at := range t.AlertRuleTest {
			if at.EvalTime == nil || at.Alertname == "" {
				diags.Errorf(at.Pos, "scenario/alert", "alert_rule_test: expected eval_time and alertname")
				continue
			}
			a := AlertAt{At: at.EvalTime.D, Alertname: at.Alertname, Pos: at.Pos, TimePos: at.At("eval_time"), CheckPending: at.Has("exp_pending")}
			a.Firing = expAlerts(at.ExpAlerts)
			a.Pending = expAlerts(at.ExpPending)
			s.Alerts = append(s.Alerts, a)
			cov := Cover{Alert: at.Alertname, Firing: len(a.Firing) > 0}
			for _, e := range a.Firing {
				if sev := e.Labels["severity"]; sev != "" {
					s.Covers = append(s.Covers, Cover{Alert: at.Alertname, Severity: sev, Firing: true})
				}
			}
			if !cov.Firing {
				s.Covers = append(s.Covers, cov)
			}
		}
		for _, rt := range t.AlertRangeTest {
			base := AlertRange{Alertname: rt.Alertname, Labels: rt.Labels, Pos: rt.Pos}
			n := 0
			for _, tr := range []struct {
				field  string
				kind   RangeKind
				rng    *spec.TimeRange
				firing bool
			}{{"never_fires", NeverFires, rt.NeverFires, false}, {"always_fires", AlwaysFires, rt.AlwaysFires, true}} {
				if tr.rng == nil {
					continue
				}
				n++
				r := base
				r.Kind, r.From, r.To = tr.kind, dur(tr.rng.From, 0), dur(tr.rng.To, 0)
				r.TimePos = tr.rng.At("to")
				if tr.rng.To == nil || r.To < r.From {
					diags.Errorf(tr.rng.Pos, "scenario/range", "%s: expected from and to, with to not before from", tr.field)
				}
				s.Ranges = append(s.Ranges, r)
				s.Covers = append(s.Covers, Cover{Alert: rt.Alertname, Severity: rt.Labels["severity"], Firing: tr.firing})
			}
			if rt.FiresWithin != nil {
				n++
				r := base
				r.Kind, r.From = FiresWithin, dur(rt.FiresWithin.After, 0)
				r.To = r.From + dur(rt.FiresWithin.Within, 0)
				r.TimePos = rt.FiresWithin.At("within")
				if rt.FiresWithin.Within == nil {
					diags.Errorf(rt.FiresWithin.Pos, "scenario/range", "fires_within: expected within, the time the alert has to fire after `after`")
				}
				s.Ranges = append(s.Ranges, r)
				s.Covers = append(s.Covers, Cover{Alert: rt.Alertname, Severity: rt.Labels["severity"], Firing: true})
			}
			if rt.ResolvedBy != nil {
				n++
				r := base
				r.Kind, r.From, r.To = ResolvedBy, rt.ResolvedBy.D, rt.ResolvedBy.D
				r.TimePos = rt.At("resolved_by")
				s.Ranges = append(s.Ranges, r)
			}
			if rt.Alertname == "" || n != 1 {
				diags.Errorf(rt.Pos, "scenario/range", "alert_range_test: expected alertname and exactly one of never_fires, always_fires, fires_within or resolved_by")
			}
		}
		for _, q := range t.PromQLExprTest {
			if q.Expr == nil || q.EvalTime == nil {
				diags.Errorf(q.Pos, "scenario/promql", "promql_expr_test: expected expr and eval_time")
				continue
			}
			if errs := promx.CheckExpr(q.Expr.Text); errs != nil {
				for _, e := range errs {
					diags.Errorf(q.Expr.PosAt(e.Offset), "promql/syntax", "expr: %s", e.Message)
				}
				continue
			}
			qa := QueryAt{Expr: strings.TrimSpace(q.Expr.Text), At: q.EvalTime.D, Pos: q.Pos, TimePos: q.At("eval_time")}
			for _, es := range q.ExpSamples {
				if es.Value == nil {
					diags.Errorf(es.Pos, "scenario/promql", "exp_samples: expected value")
					continue
				}
				if _, err := promx.ParseMetric(es.Labels); err != nil && es.Labels != "" {
					diags.Errorf(es.At("labels"), "scenario/promql", "exp_samples.labels: %v", err)
					continue
				}
				qa.Samples = append(qa.Samples, Sample{Labels: es.Labels, Value: *es.Value})
			}
			s.Queries = append(s.Queries, qa)
		}
		if !overLimit {
			h.Scenarios = append(h.Scenarios, s)
		}
	}
	return h, diags
}

func expAlerts(in []*spec.ExpAlert) []ExpAlert {
	var out []ExpAlert
	for _, e := range in {
		ea := ExpAlert{Labels: e.ExpLabels, Pos: e.Pos}
		if e.Has("exp_annotations") {
			ea.Annotations = e.ExpAnnotations
			if ea.Annotations == nil {
				ea.Annotations = map[string]string{}
			}
		}
		if e.ExpReceivers != nil {
			ea.CheckReceivers, ea.Receivers = true, e.ExpReceivers.Values
		}
		out = append(out, ea)
	}
	return out
}
