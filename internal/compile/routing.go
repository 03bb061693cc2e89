package compile

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/slo-compiler/slo/internal/model"
)

// Routing compiles the route tree and the inhibit rules (a more severe
// level of an alert mutes the less severe ones on the same series; an SLO's
// page mutes its ticket). The tree's top holds the routing's settings; below
// it come the per-alert overrides, the label routes and one route per team
// (its label routes, then a route per severity). When the base config has a
// route tree, the top is a subtree with matchers on the alerts slo compiles,
// merged among the base root's children; otherwise it is the root.
func Routing(r *model.Routing, services []*model.Service) *Alertmanager {
	am := &Alertmanager{
		Name:     "alertmanager/alertmanager.yml",
		Source:   r.Source,
		Base:     r.Base,
		BasePath: r.BasePath,
		Route: Route{
			Receiver:       r.DefaultReceiver,
			GroupBy:        r.GroupBy,
			GroupWait:      r.GroupWait,
			GroupInterval:  r.GroupInterval,
			RepeatInterval: r.RepeatInterval,
			Pos:            r.DefaultReceiverPos,
		},
	}
	if r.BaseRoute != nil {
		am.Merge = true
		am.At = r.Position.Index(r.BaseRoute)
		am.Route.Matchers = ownMatchers(services)
	}
	receivers := []string{r.DefaultReceiver}
	// leaf compiles one route below parent; a route without a receiver
	// names its parent's, as Alertmanager would inherit it.
	leaf := func(parent *Route, matchers []string, m model.Route, inherit *model.Route) Route {
		if m.Receiver == "" {
			m.Receiver = parent.Receiver
		}
		out := Route{
			Receiver:            m.Receiver,
			Matchers:            matchers,
			MuteTimeIntervals:   m.MuteTimeIntervals,
			ActiveTimeIntervals: m.ActiveTimeIntervals,
			RepeatInterval:      m.RepeatInterval,
			Continue:            m.Continue,
			Pos:                 m.Pos,
			MutePos:             m.MutePos,
			ActivePos:           m.ActivePos,
		}
		// Alertmanager does not pass time intervals down to child routes;
		// a team's intervals are given once, so each child gets them.
		if inherit != nil {
			if out.MuteTimeIntervals == nil {
				out.MuteTimeIntervals, out.MutePos = inherit.MuteTimeIntervals, inherit.MutePos
			}
			if out.ActiveTimeIntervals == nil {
				out.ActiveTimeIntervals, out.ActivePos = inherit.ActiveTimeIntervals, inherit.ActivePos
			}
		}
		receivers = append(receivers, m.Receiver)
		return out
	}
	for _, a := range r.Alerts {
		am.Route.Routes = append(am.Route.Routes, leaf(&am.Route, []string{fmt.Sprintf("alertname=%q", a.Alert)}, a.Route, nil))
	}
	for _, lr := range r.Routes {
		am.Route.Routes = append(am.Route.Routes, leaf(&am.Route, lr.Matchers, lr.Route, nil))
	}
	for _, t := range r.Teams {
		tr := leaf(&am.Route, []string{fmt.Sprintf("team=%q", t.Team)}, t.Route, nil)
		for _, lr := range t.Routes {
			tr.Routes = append(tr.Routes, leaf(&tr, lr.Matchers, lr.Route, &t.Route))
		}
		for _, sr := range t.Severities {
			tr.Routes = append(tr.Routes, leaf(&tr, []string{fmt.Sprintf("severity=%q", sr.Severity)}, sr.Route, &t.Route))
		}
		am.Route.Routes = append(am.Route.Routes, tr)
	}
	receivers = slices.DeleteFunc(receivers, func(s string) bool { return s == "" })
	slices.Sort(receivers)
	am.Receivers = slices.Compact(receivers)
	for _, s := range services {
		for _, slo := range s.SLOs {
			p, t := slo.Alerting.Page, slo.Alerting.Ticket
			if p == nil || t == nil {
				continue
			}
			am.Inhibit = append(am.Inhibit, inhibit(slo.Alerting.Name, p.Severity, t.Severity, append([]string{"service", "slo"}, slo.SLI.By...)))
		}
		for _, a := range s.Alerts {
			if in := a.Inhibits; in != nil {
				am.Inhibit = append(am.Inhibit, causeInhibit(s, a, in))
			}
			by, known := a.Signal.Labels()
			if !known {
				// Without knowing the series' labels, a critical on one
				// series would mute warnings on every other.
				continue
			}
			for i, hi := range a.Levels {
				for _, lo := range a.Levels[i+1:] {
					am.Inhibit = append(am.Inhibit, inhibit(a.Name, hi.Severity, lo.Severity, append([]string{"service"}, by...)))
				}
			}
		}
	}
	return am
}

// causeInhibit mutes the symptoms a cause alert names while it fires.
func causeInhibit(s *model.Service, a *model.Alert, in *model.Inhibits) InhibitRule {
	r := InhibitRule{
		SourceMatchers: []string{fmt.Sprintf("alertname=%q", a.Name), fmt.Sprintf("service=%q", s.Name)},
		TargetMatchers: []string{fmt.Sprintf("alertname=~%q", strings.Join(in.Alerts, "|"))},
		Equal:          in.Equal,
	}
	if len(in.Severities) > 0 {
		sevs := make([]string, len(in.Severities))
		for i, sev := range in.Severities {
			sevs[i] = string(sev)
		}
		r.TargetMatchers = append(r.TargetMatchers, fmt.Sprintf("severity=~%q", strings.Join(sevs, "|")))
	}
	return r
}

func inhibit(alert string, source, target model.Severity, equal []string) InhibitRule {
	return InhibitRule{
		SourceMatchers: []string{fmt.Sprintf("alertname=%q", alert), fmt.Sprintf("severity=%q", source)},
		TargetMatchers: []string{fmt.Sprintf("alertname=%q", alert), fmt.Sprintf("severity=%q", target)},
		Equal:          equal,
	}
}

// ownMatchers select the alerts slo compiles, and no other: their service
// and their alert name are both among the compiled ones. Alert names are
// unique in a project; a base config's own alerts do not carry them (and
// a Watchdog or a Kubernetes alert that carries a service label of the
// same name is still not matched, for its alert name).
func ownMatchers(services []*model.Service) []string {
	var names, svcs []string
	for _, s := range services {
		n := len(names)
		for _, slo := range s.SLOs {
			if slo.Alerting.Page != nil || slo.Alerting.Ticket != nil {
				names = append(names, slo.Alerting.Name)
			}
		}
		for _, a := range s.Alerts {
			names = append(names, a.Name)
		}
		if len(names) > n {
			svcs = append(svcs, s.Name)
		}
	}
	alt := func(xs []string) string {
		xs = slices.Clone(xs)
		slices.Sort(xs)
		xs = slices.Compact(xs)
		for i, x := range xs {
			xs[i] = regexp.QuoteMeta(x)
		}
		return strings.Join(xs, "|")
	}
	return []string{fmt.Sprintf("service=~%q", alt(svcs)), fmt.Sprintf("alertname=~%q", alt(names))}
}

// AlertLabels is an alerting rule of the project and the labels it sets
// that do not depend on the series (a templated value is left out).
type AlertLabels struct {
	Alert, Severity string
	Labels          map[string]string
}

// ProjectAlertLabels returns every alerting rule the project compiles, in
// input order, with its fixed labels and its alertname, as Alertmanager
// receives them, for routing checks that do not compile the rules. The
// labels are the rules' own (burnLabels, thresholdLabels).
func ProjectAlertLabels(services []*model.Service) []AlertLabels {
	var out []AlertLabels
	add := func(name string, sev model.Severity, ls []Label) {
		m := map[string]string{"alertname": name}
		for _, l := range ls {
			if !strings.Contains(l.Value, "{{") {
				m[l.Name] = l.Value
			}
		}
		out = append(out, AlertLabels{Alert: name, Severity: string(sev), Labels: m})
	}
	for _, s := range services {
		for _, slo := range s.SLOs {
			a := slo.Alerting
			for _, b := range []*model.BurnAlert{a.Page, a.Ticket} {
				if b != nil {
					add(a.Name, b.Severity, burnLabels(s, slo, b.Severity))
				}
			}
		}
		for _, a := range s.Alerts {
			for _, l := range a.Levels {
				add(a.Name, l.Severity, thresholdLabels(s, a, l.Severity))
			}
		}
	}
	return out
}
