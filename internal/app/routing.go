package app

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/model"
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
