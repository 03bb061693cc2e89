// Package overlay writes the thresholds of a project's alerts and SLOs into
// the Grafana dashboard panels that show their signals, so that a panel's
// red line is where the alert fires.
//
// Plan is a pure function from the model to the thresholds each referenced
// panel must show. Render turns one dashboard's plan into the compile output
// file overlays/<uid>.json. Apply edits a dashboard's JSON text in place:
// it replaces only fieldConfig.defaults.thresholds (and, on time-series
// panels, fieldConfig.defaults.custom.thresholdsStyle) of the panels named,
// and leaves every other byte as it was, so the diff of an overlaid
// dashboard shows the thresholds and nothing else.
package overlay

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
)

// Colours of threshold steps, by severity. They are Grafana's named colours.
const (
	ColorOK       = "green"
	ColorWarning  = "orange"
	ColorCritical = "red"
	ColorInfo     = "blue"
)

// ModeAbsolute is the only thresholds mode slo writes: step values are in
// the unit of the signal, as the alert compares them.
const ModeAbsolute = "absolute"

// Step is one threshold step: from Value (nil: from minus infinity) up to
// the next step's value, the panel shows Color.
type Step struct {
	Color string
	Value *float64
}

// Thresholds is Grafana's fieldConfig.defaults.thresholds.
type Thresholds struct {
	Mode  string
	Steps []Step
}

// Mark is one threshold of one alert level: the alert fires with Severity
// when the signal is above Value (or below it, when Below).
type Mark struct {
	Value    float64
	Severity model.Severity
	Below    bool
}

// Ref says how a spec names a panel: exactly one of Title, ID and Metric
// is set.
type Ref struct {
	Title  string
	ID     int
	Metric string
}

// String renders the ref for messages: `title "X"`, `id 3`, `metric m`.
func (r Ref) String() string {
	switch {
	case r.Title != "":
		return "title " + strconv.Quote(r.Title)
	case r.Metric != "":
		return "metric " + r.Metric
	}
	return "id " + strconv.Itoa(r.ID)
}

func (r Ref) key() string {
	switch {
	case r.Title != "":
		return "2title\x00" + r.Title
	case r.Metric != "":
		return "3metric\x00" + r.Metric
	}
	return fmt.Sprintf("1id\x00%012d", r.ID)
}

// Source is the alert or SLO a mark comes from.
type Source struct {
	// Spec is the spec file, Service the service in it.
	Spec, Service string
	// Alert is the alert name, or the SLO name when SLO is set.
	Alert string
	SLO   bool
	// Pos is the position of the spec's panel field.
	Pos diag.Pos
}

func (s Source) String() string {
	if s.SLO {
		return s.Service + " SLO " + s.Alert
	}
	return s.Service + " alert " + s.Alert
}

// Panel is what one panel reference must show: the marks of every alert and
// SLO that names it, in input order.
type Panel struct {
	Ref     Ref
	Marks   []Mark
	Sources []Source
}

// Thresholds returns the merged thresholds of the panel's marks.
func (p *Panel) Thresholds() Thresholds { return Merge(p.Marks) }

// Dashboard is every panel reference into one dashboard, sorted by ref.
type Dashboard struct {
	UID    string
	Panels []*Panel
}

var uidRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,40}$`)

// Plan collects, for every dashboard that a spec names, the thresholds of
// each panel named. Dashboards are sorted by uid. An alert with no
// threshold (a condition alert on an expression) cannot be shown and gets
// the warning overlay/no-threshold.
func Plan(p *model.Project) ([]*Dashboard, diag.List) {
	var diags diag.List
	byUID := map[string]*Dashboard{}
	byRef := map[string]*Panel{}
	add := func(ref *model.Panel, src Source, marks []Mark) {
		if !uidRE.MatchString(ref.Dashboard) {
			diags.Errorf(ref.Pos, "overlay/dashboard-uid", "panel.dashboard: %q is not a Grafana dashboard uid (letters, digits, '-', '_' and '.', at most 40)", ref.Dashboard)
			return
		}
		d := byUID[ref.Dashboard]
		if d == nil {
			d = &Dashboard{UID: ref.Dashboard}
			byUID[ref.Dashboard] = d
		}
		r := Ref{Title: ref.Title, ID: ref.ID, Metric: ref.Metric}
		k := ref.Dashboard + "\x00" + r.key()
		pn := byRef[k]
		if pn == nil {
			pn = &Panel{Ref: r}
			byRef[k] = pn
			d.Panels = append(d.Panels, pn)
		}
		pn.Marks = append(pn.Marks, marks...)
		pn.Sources = append(pn.Sources, src)
	}
	for _, svc := range p.Services {
		for _, s := range svc.SLOs {
			if s.Panel == nil {
				continue
			}
			src := Source{Spec: svc.Source, Service: svc.Name, Alert: s.Name, SLO: true, Pos: s.Panel.Pos}
			add(s.Panel, src, SLOMarks(s))
		}
		for _, a := range svc.Alerts {
			if a.Panel == nil {
				continue
			}
			marks := AlertMarks(a)
			if len(marks) == 0 {
				diags.Warnf(a.Panel.Pos, "overlay/no-threshold", "alert %s fires on a condition, not a threshold, so its panel has no line to show; remove panel or give the alert above/below", a.Name)
				continue
			}
			add(a.Panel, Source{Spec: svc.Source, Service: svc.Name, Alert: a.Name, Pos: a.Panel.Pos}, marks)
		}
	}
	var out []*Dashboard
	for _, d := range byUID {
		slices.SortStableFunc(d.Panels, func(a, b *Panel) int { return cmp.Compare(a.Ref.key(), b.Ref.key()) })
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *Dashboard) int { return cmp.Compare(a.UID, b.UID) })
	return out, diags
}

// AlertMarks returns the marks of a threshold alert: one per level. A status
// signal (fires when the series is 0) is a mark below 1, so a 0/1 or count
// panel shows red at 0 and green from 1. Other condition alerts have none.
func AlertMarks(a *model.Alert) []Mark {
	switch a.Direction {
	case model.Above, model.Below:
		var ms []Mark
		for _, l := range a.Levels {
			ms = append(ms, Mark{Value: l.Threshold, Severity: l.Severity, Below: a.Direction == model.Below})
		}
		return ms
	}
	if st, ok := a.Signal.(*model.StatusSignal); ok && len(a.Levels) > 0 {
		sev := a.Levels[0].Severity
		switch {
		case st.StateLabel != "" || len(st.By) > 0 && len(st.UpValues) > 0:
			// One-hot states and 0/1 healths per group are not what a
			// panel of the raw series shows.
			return nil
		case len(st.UpValues) > 0:
			// Green on the up values, when they are consecutive integers
			// (0 closed; 1 connected): red below the first and from one
			// past the last.
			lo, hi := slices.Min(st.UpValues), slices.Max(st.UpValues)
			if lo != math.Trunc(lo) || hi-lo+1 != float64(len(st.UpValues)) {
				return nil
			}
			return []Mark{{Value: lo, Severity: sev, Below: true}, {Value: hi + 1, Severity: sev}}
		}
		return []Mark{{Value: 1, Severity: sev, Below: true}}
	}
	return nil
}

// SLOMarks returns the mark of an SLO: its panel shows the success ratio
// (0 to 1), critical below the objective.
func SLOMarks(s *model.SLO) []Mark {
	return []Mark{{Value: s.Objective, Severity: model.Critical, Below: true}}
}

// Merge turns marks into Grafana steps. Every mark's value is a step
// boundary; between two boundaries the panel shows the colour of the most
// severe mark that fires there (an above mark from its value up, a below
// mark under its value), or green. Steps that repeat the colour before them
// are dropped. The result depends only on the set of marks, so alerts that
// share a panel merge the same way in any order.
func Merge(marks []Mark) Thresholds {
	var bounds []float64
	for _, m := range marks {
		bounds = append(bounds, m.Value)
	}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	colour := func(lower *float64) string {
		best := -1
		for _, m := range marks {
			fires := (m.Below && (lower == nil || *lower < m.Value)) || (!m.Below && lower != nil && *lower >= m.Value)
			if !fires {
				continue
			}
			if r := slices.Index(model.Severities, m.Severity); best < 0 || r < best {
				best = r
			}
		}
		if best < 0 {
			return ColorOK
		}
		return severityColor(model.Severities[best])
	}
	t := Thresholds{Mode: ModeAbsolute, Steps: []Step{{Color: colour(nil)}}}
	for _, b := range bounds {
		c := colour(&b)
		if c == t.Steps[len(t.Steps)-1].Color {
			continue
		}
		v := b
		t.Steps = append(t.Steps, Step{Color: c, Value: &v})
	}
	return t
}

func severityColor(s model.Severity) string {
	switch s {
	case model.Critical:
		return ColorCritical
	case model.Warning:
		return ColorWarning
	}
	return ColorInfo
}
