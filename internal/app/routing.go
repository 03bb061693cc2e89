package app

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/promx"
)

// RoutingSummary says in one line what compiling the routing did to the
// base Alertmanager config: where slo's routes went, what of the base was
// kept, what was added. It is "" without a routing document.
func RoutingSummary(p *model.Project, am *compile.Alertmanager) string {
	if p == nil || p.Routing == nil || am == nil {
		return ""
	}
	r := p.Routing
	services := 0
	for _, s := range p.Services {
		if len(s.Alerts) > 0 || len(s.SLOs) > 0 {
			services++
		}
	}
	routes := len(r.Routes)
	for _, t := range r.Teams {
		routes += len(t.Routes)
	}
	parts := []string{plural(len(r.Teams), "team")}
	if routes > 0 {
		parts = append(parts, plural(routes, "label route"))
	}
	if len(r.Alerts) > 0 {
		parts = append(parts, plural(len(r.Alerts), "alert override"))
	}
	what := fmt.Sprintf("slo's route for %s (%s)", plural(services, "service"), strings.Join(parts, ", "))
	added := plural(len(am.Inhibit), "inhibit rule") + " added"
	if am.Base == nil {
		return fmt.Sprintf("routing: %s is the root route, with no base config; %s written as empty receivers; %s", what, plural(len(am.Receivers), "receiver"), added)
	}
	var base struct {
		Receivers    []yaml.Node `yaml:"receivers"`
		InhibitRules []yaml.Node `yaml:"inhibit_rules"`
	}
	_ = yaml.Unmarshal(am.Base, &base) // validate read it already
	kept := fmt.Sprintf("%s, %s", plural(len(base.Receivers), "receiver"), plural(len(base.InhibitRules), "inhibit rule"))
	if !am.Merge || r.BaseRoute == nil {
		return fmt.Sprintf("routing: %s has no route, so %s is its root route; kept as written: %s; %s", am.BasePath, what, kept, added)
	}
	n := len(r.BaseRoute.Children)
	place := fmt.Sprintf("as child %d of %d", am.At+1, n+1)
	switch am.At {
	case 0:
		place = "first"
	case n:
		place = "last"
	}
	return fmt.Sprintf("routing: %s placed %s under the root route of %s; kept as written: its root settings, %s, %s; %s", what, place, am.BasePath, plural(n, "other child route"), kept, added)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// routingShadows warns, at routing.position, about each route of the base
// placed before slo's subtree that takes some of slo's alerts and does not
// continue: Alertmanager stops there, and those alerts never reach the
// receivers the routing document gives them. Only a route whose matchers
// read labels slo's alerts are known to carry (alertname, service, team,
// severity, slo and the specs' labels) is judged; one on a series label
// may or may not take an alert.
func routingShadows(p *model.Project) diag.List {
	r := p.Routing
	if r == nil || r.BaseRoute == nil {
		return nil
	}
	b := r.BaseRoute
	at := r.Position.Index(b)
	alerts := compile.ProjectAlertLabels(p.Services)
	var diags diag.List
	for i := 0; i < at && i < len(b.Matchers); i++ {
		if b.Continue[i] || b.CatchAll(i) { // a catch-all is an error of its own
			continue
		}
		sel, err := promx.ParseRouteSelector(b.Matchers[i])
		if err != nil {
			continue // Alertmanager's loader reports it after rendering
		}
		var taken []string
		for _, a := range alerts {
			if ok, decided := sel.Select(a.Labels); ok && decided {
				taken = append(taken, fmt.Sprintf("%s (%s)", a.Alert, a.Severity))
			}
		}
		if len(taken) == 0 {
			continue
		}
		taken = slices.Compact(taken)
		what := strings.Join(taken, ", ")
		if len(taken) > 3 {
			what = fmt.Sprintf("%s and %d more", strings.Join(taken[:3], ", "), len(taken)-3)
		}
		diags.Warnf(r.Position.Pos, "routing/position", "routing.position: route %d under the root route of %s (receiver %q, matchers %s) comes before slo's routes, takes %s and does not continue, so they never reach the receivers the routing gives them; place slo's routes before it (position: before %s), or give that route continue: true", i+1, r.BasePath, b.Children[i], strings.Join(b.Matchers[i], ", "), what, b.Children[i])
	}
	return diags
}
