package compile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/slo-compiler/slo/internal/model"
)

// Routing compiles the route tree (root, a route per team, a route per
// severity) and the inhibit rules (a more severe level of an alert mutes the
// less severe ones on the same series; an SLO's page mutes its ticket).
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
		},
	}
	receivers := []string{r.DefaultReceiver}
	for _, t := range r.Teams {
		tr := Route{
			Receiver: t.Receiver,
			Matchers: []string{fmt.Sprintf("team=%q", t.Team)},
		}
		if tr.Receiver == "" {
			tr.Receiver = r.DefaultReceiver
		}
		receivers = append(receivers, tr.Receiver)
		for _, sr := range t.Severities {
			tr.Routes = append(tr.Routes, Route{
				Receiver:            sr.Receiver,
				Matchers:            []string{fmt.Sprintf("severity=%q", sr.Severity)},
				MuteTimeIntervals:   sr.MuteTimeIntervals,
				ActiveTimeIntervals: sr.ActiveTimeIntervals,
				RepeatInterval:      sr.RepeatInterval,
				Continue:            sr.Continue,
			})
			receivers = append(receivers, sr.Receiver)
		}
		am.Route.Routes = append(am.Route.Routes, tr)
	}
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
