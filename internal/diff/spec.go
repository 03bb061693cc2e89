package diff

import (
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/overlay"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/promx/amx"
)

// entry is an alert or an SLO's burn-rate alert on one side.
type entry struct {
	svc   *model.Service
	alert *model.Alert
	slo   *model.SLO
}

// severityName is what a severity of the alert is called in sentences:
// an SLO's page and ticket, or the severity itself.
func (e *entry) severityName(sev string) string {
	if e == nil || e.slo == nil {
		return sev
	}
	if p := e.slo.Alerting.Page; p != nil && string(p.Severity) == sev {
		return "page"
	}
	if t := e.slo.Alerting.Ticket; t != nil && string(t.Severity) == sev {
		return "ticket"
	}
	return sev
}

// entity is one alert name across both sides.
type entity struct {
	report     *Alert
	base, head *entry
}

// side returns the head entry, or the base one for a removed alert.
func (e *entity) either() *entry {
	if e.head != nil {
		return e.head
	}
	return e.base
}

// alertSet is every alert name of both sides, in head's order then base's.
type alertSet struct {
	list   []*Alert
	byName map[string]*entity
}

func entries(p *model.Project) []*entry {
	var out []*entry
	for _, s := range p.Services {
		for _, a := range s.Alerts {
			out = append(out, &entry{svc: s, alert: a})
		}
		for _, slo := range s.SLOs {
			if slo.Alerting.Name != "" {
				out = append(out, &entry{svc: s, slo: slo})
			}
		}
	}
	return out
}

func (e *entry) name() string {
	if e.slo != nil {
		return e.slo.Alerting.Name
	}
	return e.alert.Name
}

func compareSpecs(base, head *Side) *alertSet {
	set := &alertSet{byName: map[string]*entity{}}
	add := func(e *entry, root string, isHead bool) {
		n := e.name()
		ent := set.byName[n]
		if ent == nil {
			a := &Alert{Alert: n, Service: e.svc.Name, Spec: relPath(root, e.svc.Source), Status: "changed", Changes: []Change{}, Behaviour: []Behaviour{}}
			if e.slo != nil {
				a.SLO = e.slo.Name
			}
			ent = &entity{report: a}
			set.byName[n] = ent
			set.list = append(set.list, a)
		}
		if isHead {
			if ent.head == nil {
				ent.head = e
			}
		} else if ent.base == nil {
			ent.base = e
		}
	}
	for _, e := range entries(head.Project) {
		add(e, head.Root, true)
	}
	for _, e := range entries(base.Project) {
		add(e, base.Root, false)
	}
	baseRecv, headRecv := receivers(base), receivers(head)
	for _, a := range set.list {
		ent := set.byName[a.Alert]
		switch {
		case ent.base == nil:
			a.Status = "added"
			a.Changes = append(a.Changes, change("", "alert", "", describe(ent.head)))
			continue
		case ent.head == nil:
			a.Status = "removed"
			a.Changes = append(a.Changes, change("", "alert", describe(ent.base), ""))
			continue
		}
		var cs []Change
		if ent.base.slo != nil && ent.head.slo != nil {
			cs = compareSLO(ent.base.slo, ent.head.slo)
		} else if ent.base.alert != nil && ent.head.alert != nil {
			cs = compareAlert(ent.base.alert, ent.head.alert)
		} else {
			cs = []Change{change("", "kind", kindOf(ent.base), kindOf(ent.head))}
		}
		cs = append(cs, compareReceivers(ent, baseRecv[a.Alert], headRecv[a.Alert])...)
		a.Changes = append(a.Changes, cs...)
	}
	return set
}

// describe says what an alert or SLO alert is, for one added or removed.
func describe(e *entry) string {
	if e.slo != nil {
		s := "SLO " + e.slo.Name + ", objective " + num.Format(e.slo.Objective*100) + "%"
		if p := e.slo.Alerting.Page; p != nil {
			s += "; page: " + burnText(p)
		}
		if t := e.slo.Alerting.Ticket; t != nil {
			s += "; ticket: " + burnText(t)
		}
		return s
	}
	var parts []string
	for _, l := range e.alert.Levels {
		parts = append(parts, string(l.Severity)+" "+levelText(e.alert, l))
	}
	return strings.Join(parts, "; ")
}

func kindOf(e *entry) string {
	if e.slo != nil {
		return "SLO " + e.slo.Name
	}
	return "threshold alert"
}

func relPath(root, path string) string {
	if root == "" {
		return filepath.ToSlash(path)
	}
	if rel, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(path)
}

// change makes a Change with its sentence.
func change(sev, field, base, head string) Change {
	c := Change{Severity: sev, Field: field, Base: base, Head: head}
	what := field
	if sev != "" {
		what = sev + " " + field
	}
	switch {
	case base == "":
		c.Text = fmt.Sprintf("%s added: %s", what, head)
	case head == "":
		c.Text = fmt.Sprintf("%s removed (was %s)", what, base)
	default:
		c.Text = fmt.Sprintf("%s: %s → %s", what, base, head)
	}
	return c
}

// diffField appends a change when base and head differ.
func diffField(cs []Change, sev, field, base, head string) []Change {
	if base == head {
		return cs
	}
	return append(cs, change(sev, field, base, head))
}

func dur(d time.Duration) string { return promx.FormatDuration(d) }

func direction(d model.Direction) string {
	switch d {
	case model.Below:
		return "below"
	case model.Condition:
		return "on any value"
	}
	return "above"
}

func compareAlert(b, h *model.Alert) []Change {
	var cs []Change
	cs = diffField(cs, "", "direction", direction(b.Direction), direction(h.Direction))
	if b.Signal.Kind() != h.Signal.Kind() {
		cs = append(cs, change("", "signal", b.Signal.Kind(), h.Signal.Kind()))
	} else if !reflect.DeepEqual(b.Signal, h.Signal) {
		cs = append(cs, change("", "signal", b.Signal.Kind()+" (as before)", b.Signal.Kind()+" (changed)"))
	}
	levels := func(a *model.Alert) map[model.Severity]model.Level {
		m := map[model.Severity]model.Level{}
		for _, l := range a.Levels {
			m[l.Severity] = l
		}
		return m
	}
	bl, hl := levels(b), levels(h)
	for _, sev := range model.Severities {
		bv, inB := bl[sev]
		hv, inH := hl[sev]
		s := string(sev)
		switch {
		case !inB && !inH:
		case !inB:
			cs = append(cs, change(s, "level", "", levelText(h, hv)))
		case !inH:
			cs = append(cs, change(s, "level", levelText(b, bv), ""))
		default:
			if b.Direction != model.Condition || h.Direction != model.Condition {
				cs = diffField(cs, s, "threshold", num.Format(bv.Threshold), num.Format(hv.Threshold))
			}
			cs = diffField(cs, s, "for", dur(bv.For), dur(hv.For))
			cs = diffField(cs, s, "keep_firing_for", dur(bv.KeepFiringFor), dur(hv.KeepFiringFor))
		}
	}
	cs = diffField(cs, "", "on_absent", onAbsent(b.OnAbsent), onAbsent(h.OnAbsent))
	cs = diffField(cs, "", "labels", labelsText(b.Labels), labelsText(h.Labels))
	cs = diffField(cs, "", "inhibits", inhibitsText(b.Inhibits), inhibitsText(h.Inhibits))
	cs = diffField(cs, "", "panel", panelText(b.Panel), panelText(h.Panel))
	return cs
}

func levelText(a *model.Alert, l model.Level) string {
	s := ""
	if a.Direction != model.Condition {
		s = direction(a.Direction) + " " + num.Format(l.Threshold) + " "
	}
	s += "for " + dur(l.For)
	if l.KeepFiringFor > 0 {
		s += ", keep_firing_for " + dur(l.KeepFiringFor)
	}
	return s
}

func onAbsent(o model.OnAbsent) string {
	switch o {
	case model.AbsentFire:
		return "fire"
	case model.AbsentSilent:
		return "silent"
	}
	return "default"
}

func labelsText(m map[string]string) string {
	if len(m) == 0 {
		return "(none)"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ", ")
}

func inhibitsText(i *model.Inhibits) string {
	if i == nil {
		return "(none)"
	}
	s := strings.Join(i.Alerts, ", ")
	if len(i.Severities) > 0 {
		var sevs []string
		for _, v := range i.Severities {
			sevs = append(sevs, string(v))
		}
		s += " (" + strings.Join(sevs, ", ") + ")"
	}
	if len(i.Equal) > 0 {
		s += " where " + strings.Join(i.Equal, ", ") + " match"
	}
	return s
}

func panelText(p *model.Panel) string {
	if p == nil {
		return "(none)"
	}
	ref := overlay.Ref{Title: p.Title, ID: p.ID, Metric: p.Metric}
	return fmt.Sprintf("dashboard %s, %s", p.Dashboard, ref)
}

func compareSLO(b, h *model.SLO) []Change {
	var cs []Change
	pct := func(o float64) string { return num.Format(o*100) + "%" }
	cs = diffField(cs, "", "objective", pct(b.Objective), pct(h.Objective))
	cs = diffField(cs, "", "period", dur(b.Period), dur(h.Period))
	if !reflect.DeepEqual(b.SLI, h.SLI) {
		cs = append(cs, change("", "sli", "as before", "changed"))
	}
	for _, k := range []struct {
		name string
		b, h *model.BurnAlert
	}{{"page", b.Alerting.Page, h.Alerting.Page}, {"ticket", b.Alerting.Ticket, h.Alerting.Ticket}} {
		switch {
		case k.b == nil && k.h == nil:
		case k.b == nil:
			cs = append(cs, change(k.name, "alert", "", burnText(k.h)))
		case k.h == nil:
			cs = append(cs, change(k.name, "alert", burnText(k.b), ""))
		default:
			cs = diffField(cs, k.name, "severity", string(k.b.Severity), string(k.h.Severity))
			cs = diffField(cs, k.name, "windows", windowsText(k.b.Windows), windowsText(k.h.Windows))
			cs = diffField(cs, k.name, "for", dur(k.b.For), dur(k.h.For))
			cs = diffField(cs, k.name, "keep_firing_for", dur(k.b.KeepFiringFor), dur(k.h.KeepFiringFor))
		}
	}
	cs = diffField(cs, "", "labels", labelsText(b.Alerting.Labels), labelsText(h.Alerting.Labels))
	cs = diffField(cs, "", "panel", panelText(b.Panel), panelText(h.Panel))
	return cs
}

func burnText(b *model.BurnAlert) string {
	s := string(b.Severity) + " on " + windowsText(b.Windows)
	if b.For > 0 {
		s += ", for " + dur(b.For)
	}
	return s
}

// windowsText renders burn windows as "14.4x over 1h/5m, 6x over 6h/30m".
func windowsText(ws []model.BurnWindow) string {
	var parts []string
	for _, w := range ws {
		parts = append(parts, fmt.Sprintf("%sx over %s/%s", num.Format(w.Factor), dur(w.Long), dur(w.Short)))
	}
	return strings.Join(parts, ", ")
}

// compareReceivers reports, per severity, a change in the receivers that
// the compiled Alertmanager config routes the alert's labels to.
func compareReceivers(ent *entity, b, h map[string][]string) []Change {
	var cs []Change
	sevs := slices.Sorted(maps.Keys(b))
	for k := range h {
		if _, ok := b[k]; !ok {
			sevs = append(sevs, k)
		}
	}
	slices.SortFunc(sevs, severityOrder)
	for _, sev := range sevs {
		bv, inB := b[sev]
		hv, inH := h[sev]
		if !inB || !inH {
			continue // the level itself was added or removed
		}
		cs = diffField(cs, ent.head.severityName(sev), "receivers", listText(bv), listText(hv))
	}
	return cs
}

func severityOrder(a, b string) int {
	rank := func(s string) int {
		if i := slices.Index(model.Severities, model.Severity(s)); i >= 0 {
			return i
		}
		return len(model.Severities)
	}
	if d := rank(a) - rank(b); d != 0 {
		return d
	}
	return strings.Compare(a, b)
}

func listText(xs []string) string {
	if len(xs) == 0 {
		return "(none)"
	}
	return strings.Join(xs, ", ")
}

// receivers maps alert name and severity to the receivers the side's
// Alertmanager config routes the alert rule's labels to (at any time of
// day: time intervals are ignored). It is empty without a config.
func receivers(s *Side) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	data := s.Files[alertmanagerFile]
	if data == nil {
		return out
	}
	am, err := amx.LoadAlertmanager(data)
	if err != nil {
		return out
	}
	for _, name := range slices.Sorted(maps.Keys(s.Files)) {
		if !strings.HasPrefix(name, "rules/") {
			continue
		}
		groups, _ := promx.LoadRuleFile(s.Files[name])
		for _, g := range groups {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				ls := maps.Clone(r.Labels)
				if ls == nil {
					ls = map[string]string{}
				}
				ls["alertname"] = r.Alert
				sev := ls["severity"]
				if out[r.Alert] == nil {
					out[r.Alert] = map[string][]string{}
				}
				if _, done := out[r.Alert][sev]; done {
					continue
				}
				ds, err := am.Route(ls, epoch)
				if err != nil {
					continue
				}
				var names []string
				for _, d := range ds {
					if !slices.Contains(names, d.Receiver) {
						names = append(names, d.Receiver)
					}
				}
				out[r.Alert][sev] = names
			}
		}
	}
	return out
}

const alertmanagerFile = "alertmanager/alertmanager.yml"

// epoch is a scenario's time zero, as in package harness.
var epoch = time.Unix(0, 0).UTC()

func compareRouting(b, h *model.Routing) []Change {
	cs := []Change{}
	switch {
	case b == nil && h == nil:
		return cs
	case b == nil:
		return append(cs, change("", "routing", "", "default receiver "+h.DefaultReceiver))
	case h == nil:
		return append(cs, change("", "routing", "default receiver "+b.DefaultReceiver, ""))
	}
	cs = diffField(cs, "", "default_receiver", orNone(b.DefaultReceiver), orNone(h.DefaultReceiver))
	cs = diffField(cs, "", "group_by", listText(b.GroupBy), listText(h.GroupBy))
	cs = diffField(cs, "", "group_wait", dur(b.GroupWait), dur(h.GroupWait))
	cs = diffField(cs, "", "group_interval", dur(b.GroupInterval), dur(h.GroupInterval))
	cs = diffField(cs, "", "repeat_interval", dur(b.RepeatInterval), dur(h.RepeatInterval))
	cs = diffField(cs, "", "base", orNone(filepath.Base(b.BasePath)), orNone(filepath.Base(h.BasePath)))
	if !slices.Equal(b.Base, h.Base) && filepath.Base(b.BasePath) == filepath.Base(h.BasePath) {
		cs = append(cs, change("", "base config", "as before", "changed"))
	}
	keyed := func(field string, bm, hm map[string]string, order []string) {
		for _, k := range order {
			bv, hv := bm[k], hm[k]
			if bv != hv {
				cs = append(cs, change("", field+" "+k, bv, hv))
			}
		}
	}
	bt, ht, order := map[string]string{}, map[string]string{}, []string{}
	for _, t := range h.Teams {
		order = teamEntries(ht, t, order)
	}
	for _, t := range b.Teams {
		for _, k := range teamEntries(bt, t, nil) {
			if _, ok := ht[k]; !ok {
				order = append(order, k)
			}
		}
	}
	keyed("team", bt, ht, order)
	ba, ha, order := map[string]string{}, map[string]string{}, []string{}
	for _, a := range h.Alerts {
		ha[a.Alert] = routeText(a.Route)
		order = append(order, a.Alert)
	}
	for _, a := range b.Alerts {
		ba[a.Alert] = routeText(a.Route)
		if _, ok := ha[a.Alert]; !ok {
			order = append(order, a.Alert)
		}
	}
	keyed("alert route", ba, ha, order)
	cs = diffField(cs, "", "label routes", labelRoutesText(b.Routes), labelRoutesText(h.Routes))
	return cs
}

func orNone(s string) string {
	if s == "" || s == "." {
		return "(none)"
	}
	return s
}

func routeText(r model.Route) string {
	s := orNone(r.Receiver)
	var extra []string
	if r.RepeatInterval > 0 {
		extra = append(extra, "repeat "+dur(r.RepeatInterval))
	}
	if r.Continue {
		extra = append(extra, "continue")
	}
	if len(r.ActiveTimeIntervals) > 0 {
		extra = append(extra, "active "+strings.Join(r.ActiveTimeIntervals, ", "))
	}
	if len(r.MuteTimeIntervals) > 0 {
		extra = append(extra, "muted "+strings.Join(r.MuteTimeIntervals, ", "))
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, "; ") + ")"
	}
	return s
}

func labelRoutesText(rs []model.LabelRoute) string {
	if len(rs) == 0 {
		return "(none)"
	}
	var parts []string
	for _, r := range rs {
		parts = append(parts, "["+strings.Join(r.Matchers, ", ")+"] → "+routeText(r.Route))
	}
	return strings.Join(parts, "; ")
}

// teamEntries adds a team's routes to m, keyed "team", "team severity",
// "team routes", and returns order with the keys added.
func teamEntries(m map[string]string, t model.TeamRoute, order []string) []string {
	add := func(k, v string) {
		m[k] = v
		order = append(order, k)
	}
	add(t.Team, routeText(t.Route))
	for _, sr := range t.Severities {
		add(t.Team+" "+string(sr.Severity), routeText(sr.Route))
	}
	if len(t.Routes) > 0 {
		add(t.Team+" routes", labelRoutesText(t.Routes))
	}
	return order
}

// compareDashboards reports the panels whose thresholds changed, from the
// overlay plans of both sides.
func compareDashboards(b, h *model.Project) []Change {
	marks := func(p *model.Project) (map[string]string, []string) {
		plan, _ := overlay.Plan(p)
		m := map[string]string{}
		var order []string
		for _, d := range plan {
			for _, pn := range d.Panels {
				k := fmt.Sprintf("dashboard %s, panel %s", d.UID, pn.Ref)
				var parts []string
				for _, mk := range pn.Marks {
					rel := ">"
					if mk.Below {
						rel = "<"
					}
					parts = append(parts, fmt.Sprintf("%s %s %s", mk.Severity, rel, num.Format(mk.Value)))
				}
				m[k] = strings.Join(parts, ", ")
				order = append(order, k)
			}
		}
		return m, order
	}
	bm, border := marks(b)
	hm, horder := marks(h)
	cs := []Change{}
	for _, k := range border {
		if _, ok := hm[k]; !ok {
			horder = append(horder, k)
		}
	}
	slices.Sort(horder)
	for _, k := range horder {
		if bm[k] != hm[k] {
			cs = append(cs, change("", k, bm[k], hm[k]))
		}
	}
	return cs
}
