package app

import (
	"maps"
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/promx/amx"
)

// TestRoutingShadows: the routing/position warning names a base route
// placed before slo's that takes some of slo's alerts and does not
// continue, and only such a route. Each verdict is checked against
// Alertmanager's router on the merged config: one of slo's alerts stops
// at a warned route, never reaching slo's receivers; none stops at an
// unwarned one.
func TestRoutingShadows(t *testing.T) {
	// The checkout service of amRealService, with a label of its own from
	// the spec's labels.
	service := strings.Replace(amRealService, "team: checkout\n", "team: checkout\nlabels: {env: prod}\n", 1)
	for _, tc := range []struct {
		name, route string
		warn        bool
	}{
		{"equal on severity", `{receiver: shadow, matchers: [severity="critical"]}`, true},
		{"alertname only", `{receiver: shadow, matchers: [alertname="CheckoutQueueHigh"]}`, true},
		{"a label from the spec's labels", `{receiver: shadow, matchers: [env="prod"]}`, true},
		{"another value of the spec's label", `{receiver: shadow, matchers: [env="staging"]}`, false},
		{"negative matcher on a label slo sets", `{receiver: shadow, matchers: [severity!="critical"]}`, true},
		{"regex, anchored", `{receiver: shadow, matchers: [severity=~"crit"]}`, false},
		{"match_re, anchored", `{receiver: shadow, match_re: {severity: crit}}`, false},
		{"match_re matching", `{receiver: shadow, match_re: {severity: "crit.*"}}`, true},
		{"match, value read as a number", `{receiver: shadow, match: {code: 500}}`, false},
		{"a series label slo does not know", `{receiver: shadow, matchers: [namespace="kube-system"]}`, false},
		{"one matcher fails", `{receiver: shadow, matchers: [severity="critical", team="db"]}`, false},
		{"continues", `{receiver: shadow, matchers: [severity="critical"], continue: true}`, false},
		{"continues, in YAML 1.1", `{receiver: shadow, matchers: [severity="critical"], continue: !!bool yes}`, false},
		{"children that continue", `{receiver: shadow, matchers: [severity="critical"], routes: [{receiver: ops, matchers: [x="1"], continue: true}]}`, true},
		{"active time intervals", `{receiver: shadow, matchers: [severity="critical"], active_time_intervals: [never]}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := "route:\n  receiver: ops\n  routes:\n    - " + tc.route + "\nreceivers: [{name: ops}, {name: shadow}, {name: pager}, {name: slack}]\ntime_intervals: [{name: never, time_intervals: [{years: ['1999']}]}]\n"
			merged, diags := compileWithBase(t, []byte(base), service, amRealCase{warning: "slack", critical: "pager"}, "last")
			var warned []string
			for _, d := range diags {
				if d.Code == "routing/position" {
					warned = append(warned, d.Message)
				}
			}
			if tc.warn != (len(warned) == 1 && strings.Contains(warned[0], `(receiver "shadow"`)) || len(warned) > 1 {
				t.Errorf("want a warning: %v; got %q", tc.warn, warned)
			}
			// Alertmanager's router on the merged config agrees: the route is
			// the last one some alert of slo's reaches.
			am, err := amx.LoadAlertmanager(merged)
			if err != nil {
				t.Fatal(err)
			}
			taken := false
			for _, ls := range amRealAlerts {
				ls = maps.Clone(ls)
				ls["env"] = "prod"
				rs := strings.Split(routeReceivers(t, am, ls), ",")
				if rs[len(rs)-1] == "shadow" {
					taken = true
				}
			}
			if taken != tc.warn {
				t.Errorf("Alertmanager's router sends one of slo's alerts to the route: %v; slo warns: %v", taken, tc.warn)
			}
		})
	}
}
