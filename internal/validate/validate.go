// Package validate turns decoded spec files into the typed model: it checks
// every field, applies defaults and runs the lints that need the spec's
// positions. Problems come back as diagnostics; nothing is printed or
// written.
package validate

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/par"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/spec"
)

// Defaults applied where a spec is silent. The defaults of each signal
// kind are in package signal.
const (
	DefaultInterval = time.Minute
	DefaultPeriod   = 30 * 24 * time.Hour
)

// GeneratedLabels are set by slo on every alert or SLO rule; a spec must not
// set them itself.
var GeneratedLabels = []string{"severity", "team", "service", "slo"}

// IsName reports whether s is a name slo takes for a service, an SLO or a
// team: lower-case words joined by hyphens, such as dubbing-api.
func IsName(s string) bool { return kebabRE.MatchString(s) }

// Options are the inputs validate needs from outside the spec files.
type Options struct {
	// ReadFile reads a file named in a spec (the routing base), relative
	// paths already joined to the spec's folder. Nil means no file access.
	ReadFile func(path string) ([]byte, error)
}

type validator struct {
	diags diag.List
	opts  Options
}

var (
	kebabRE = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	camelRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
)

// Project validates files and builds the model. The model is nil when any
// diagnostic is an error.
func Project(files []*spec.File, opts Options) (*model.Project, diag.List) {
	v := &validator{opts: opts}
	p := &model.Project{}
	// Each service is validated on its own (nothing one finds depends on
	// another; crossChecks compares them after), on all cores, each with
	// a validator of its own; the results are then taken in input order,
	// so the diagnostics come in the same order as one by one.
	type job struct {
		path string
		s    *spec.Service
		v    validator
		svc  *model.Service
	}
	var jobs []job
	for _, f := range files {
		for _, s := range f.Services {
			jobs = append(jobs, job{path: f.Path, s: s, v: validator{opts: opts}})
		}
	}
	par.Each(len(jobs), func(i int) { jobs[i].svc = jobs[i].v.service(jobs[i].path, jobs[i].s) })
	next := 0
	for _, f := range files {
		for range f.Services {
			j := &jobs[next]
			next++
			v.diags = append(v.diags, j.v.diags...)
			if j.svc != nil {
				p.Services = append(p.Services, j.svc)
			}
		}
		for _, r := range f.Routings {
			if p.Routing != nil {
				v.diags.Errorf(r.Pos, "spec/routing-duplicate", "routing: a second routing document; the first is in %s", p.Routing.Source)
				continue
			}
			p.Routing = v.routing(f.Path, r)
		}
	}
	v.crossChecks(p)
	if v.diags.HasErrors() {
		return nil, v.diags
	}
	return p, v.diags
}

// name checks a required name field against re.
func (v *validator) name(n *spec.Node, field, value string, re *regexp.Regexp, want string) {
	switch {
	case !n.Has(field):
		v.diags.Errorf(n.Pos, "spec/required", "%s: missing; expected %s", field, want)
	case n.Invalid(field): // the decoder reported it
	case !re.MatchString(value):
		v.diags.Errorf(n.At(field), "spec/name", "%s: expected %s, got %q", field, want, value)
	case len(value) > maxNameLen:
		v.diags.Errorf(n.At(field), "spec/name", "%s: expected at most %d characters, got %d; names become file names, record names and label values", field, maxNameLen, len(value))
	}
}

// maxNameLen bounds service, SLO and alert names: a service name becomes
// a file name (rules/<service>.yml, 255 bytes at most on most file
// systems) and, with the alert name, a record name. 63 is a DNS label's
// length, which Kubernetes names of the PrometheusRule objects also keep.
const maxNameLen = 63

func (v *validator) service(path string, s *spec.Service) *model.Service {
	v.name(&s.Node, "service", s.Service, kebabRE, "a lower-case name like dubbing-api")
	svc := &model.Service{
		Name:       s.Service,
		Team:       s.Team,
		TeamPos:    s.At("team"),
		Source:     path,
		Labels:     v.labels(&s.Node, "labels", "labels", s.Labels),
		RunbookURL: s.RunbookURL,
		Interval:   v.duration(s.Interval, DefaultInterval, "interval"),
		Pos:        s.Pos,
	}
	if s.Team != "" && !kebabRE.MatchString(s.Team) {
		v.diags.Errorf(s.At("team"), "spec/name", "team: expected a lower-case name like platform, got %q", s.Team)
	}
	if len(s.SLOs) == 0 && len(s.Alerts) == 0 && !s.Invalid("slos") && !s.Invalid("alerts") {
		v.diags.Warnf(s.Pos, "spec/empty", "service %q has no slos and no alerts", s.Service)
	}
	// An SLO's name is in its records' slo label and its rule group's
	// name: two of one service would overwrite each other's series.
	slos := map[string]diag.Pos{}
	for _, sl := range s.SLOs {
		if first, dup := slos[sl.Name]; dup && sl.Name != "" {
			v.diags.Errorf(sl.At("name"), "lint/duplicate-slo", "SLO %q of service %q is defined twice; first at %s; rename one", sl.Name, s.Service, first)
		} else {
			slos[sl.Name] = sl.At("name")
		}
		if m := v.slo(svc, sl); m != nil {
			svc.SLOs = append(svc.SLOs, m)
		}
	}
	for _, a := range s.Alerts {
		if m := v.alert(svc, a); m != nil {
			svc.Alerts = append(svc.Alerts, m)
		}
	}
	return svc
}

// labels checks extra labels: valid names, and none that slo generates.
// field is the key in n; what names it in messages.
func (v *validator) labels(n *spec.Node, field, what string, m map[string]string) map[string]string {
	for _, k := range sortedKeys(m) {
		pos := n.KeyAt(field + "." + k)
		switch {
		case !promx.ValidLabelName(k):
			v.diags.Errorf(pos, "spec/label-name", "%s: %q is not a valid label name; expected letters, digits and underscores, not starting with a digit or __", what, k)
		case slices.Contains(GeneratedLabels, k):
			v.diags.Errorf(pos, "lint/label-collision", "%s: label %q is set by slo itself (from the spec's service, team, severity or SLO name); remove it", what, k)
		}
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// duration returns d's value, or def when d is absent. Durations must be
// positive.
func (v *validator) duration(d *spec.Duration, def time.Duration, what string) time.Duration {
	if d == nil {
		return def
	}
	if d.D <= 0 {
		v.diags.Errorf(d.Pos, "spec/duration", "%s: expected a duration greater than zero, got %s", what, promx.FormatDuration(d.D))
		return def
	}
	return d.D
}

// window checks a range used in rate() and friends.
func (v *validator) window(d *spec.Duration, def time.Duration, what string) time.Duration {
	w := v.duration(d, def, what)
	if d != nil && w < time.Minute && w > 0 {
		v.diags.Warnf(d.Pos, "lint/window-short", "%s: a window of %s holds fewer than two samples at the usual 30s scrape interval; rate() over it is mostly empty", what, promx.FormatDuration(w))
	}
	if d != nil && w%time.Second != 0 {
		v.diags.Errorf(d.Pos, "lint/window-rounding", "%s: %s is not a whole number of seconds", what, promx.FormatDuration(w))
	}
	return w
}

// expr checks a PromQL expression and positions its problems in the file.
func (v *validator) expr(e *spec.Expr, parent *spec.Node, field string) (string, bool) {
	if e == nil {
		if !invalid(parent, field) {
			v.diags.Errorf(parent.Pos, "spec/required", "%s: missing; expected a PromQL expression", field)
		}
		return "", false
	}
	text := strings.TrimSpace(e.Text)
	if text == "" {
		v.diags.Errorf(e.Pos, "spec/required", "%s: expected a PromQL expression, got an empty string", field)
		return "", false
	}
	if errs := promx.CheckExpr(e.Text); errs != nil {
		for _, pe := range errs {
			v.diags.Errorf(e.PosAt(pe.Offset), "promql/syntax", "%s: %s", field, pe.Message)
		}
		return "", false
	}
	return text, true
}

// invalid reports whether field (a path such as "signal.ratio.bad", whose
// last part is a key of parent) was written with a value the decoder
// refused and reported: not missing, so not reported again.
func invalid(parent *spec.Node, field string) bool {
	return parent.Invalid(field[strings.LastIndex(field, ".")+1:])
}

// selector checks a series selector.
func (v *validator) selector(e *spec.Expr, parent *spec.Node, field string) (promx.Selector, bool) {
	if e == nil {
		if !invalid(parent, field) {
			v.diags.Errorf(parent.Pos, "spec/required", "%s: missing; expected a series selector such as metric{label=\"value\"}", field)
		}
		return promx.Selector{}, false
	}
	sel, errs := promx.ParseSelector(e.Text)
	for _, pe := range errs {
		code := "promql/selector"
		if !pe.NotSelector {
			code = "promql/syntax"
		}
		v.diags.Errorf(e.PosAt(pe.Offset), code, "%s: %s", field, pe.Message)
	}
	return sel, errs == nil
}

func (v *validator) by(n *spec.Node, by []string, field string) []string {
	for i, l := range by {
		if !promx.ValidLabelName(l) {
			v.diags.Errorf(n.At(field), "spec/label-name", "%s[%d]: %q is not a valid label name", field, i, l)
		}
	}
	return by
}
