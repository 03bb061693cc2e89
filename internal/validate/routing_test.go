package validate

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/spec"
)

const routingService = `version: slo/v1
service: checkout
team: checkout
alerts:
  - name: CheckoutDown
    signal: {status: {selector: 'up{job="checkout"}'}}
    severity: critical
`

// baseWithRoutes has a Watchdog route and a catch-all after it.
const baseWithRoutes = `time_intervals: [{name: office-hours, time_intervals: [{weekdays: [monday]}]}]
route:
  receiver: ops
  routes:
    - receiver: deadmansswitch
      matchers: [alertname="Watchdog"]
    - receiver: ops
receivers: [{name: ops}, {name: deadmansswitch}, {name: pager}]
`

// checkRouting validates the service above with a routing document (its
// base read from base, when given) and returns the diagnostics as text.
func checkRouting(t *testing.T, routing, base string) (*model.Project, string) {
	t.Helper()
	var files []*spec.File
	var diags diag.List
	for path, src := range map[string]string{"specs/checkout.yaml": routingService, "specs/routing.yaml": "version: slo/v1\nrouting:\n" + routing} {
		f, ds := spec.Parse(path, []byte(src))
		diags = append(diags, ds...)
		files = append(files, f)
	}
	if strings.Compare(files[0].Path, files[1].Path) > 0 {
		files[0], files[1] = files[1], files[0]
	}
	p, ds := Project(files, Options{ReadFile: func(path string) ([]byte, error) {
		if path != "base.yml" || base == "" {
			return nil, fs.ErrNotExist
		}
		return []byte(base), nil
	}})
	diags = append(diags, ds...)
	var buf bytes.Buffer
	if err := diag.Write(&buf, "text", diags); err != nil {
		t.Fatal(err)
	}
	return p, buf.String()
}

func TestRoutingDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name, routing, base, want string
	}{
		{
			name:    "merged, no default receiver needed",
			routing: "  base: ../base.yml\n  teams: {checkout: pager}\n",
			base:    baseWithRoutes,
		},
		{
			// Alertmanager's loader refuses both (found by FuzzCompile).
			name:    "group_by lists a label twice",
			routing: "  default_receiver: pager\n  group_by: [team, e, e]\n  teams: {checkout: pager}\n",
			want:    "specs/routing.yaml:4:13: error: routing.group_by[2]: \"e\" is listed twice (first at group_by[1]); list each label once [spec/label-name]\n",
		},
		{
			name:    "group_by lists ... beside other labels",
			routing: "  default_receiver: pager\n  group_by: [team, '...']\n  teams: {checkout: pager}\n",
			want:    "specs/routing.yaml:4:13: error: routing.group_by[1]: \"...\" groups by every label, so no other label can be listed beside it; write [...] alone, or the labels [spec/label-name]\n",
		},
		{
			name:    "no base route needs a default receiver",
			routing: "  teams: {checkout: {receiver: pager}}\n",
			want:    "specs/routing.yaml:3:3: error: routing.default_receiver: missing; expected the receiver that takes alerts no team route matches [spec/required]\n",
		},
		{
			name:    "position names an unknown receiver",
			routing: "  base: ../base.yml\n  position: after deadmanswitch\n  teams: {checkout: pager}\n",
			base:    baseWithRoutes,
			want:    "specs/routing.yaml:4:13: error: routing.position: no route directly under the root route of base.yml has receiver \"deadmanswitch\"; did you mean \"deadmansswitch\"? [routing/position]\n",
		},
		{
			name:    "position after a catch-all",
			routing: "  base: ../base.yml\n  position: last\n  teams: {checkout: pager}\n",
			base:    baseWithRoutes,
			want:    "specs/routing.yaml:4:13: error: routing.position: route 2 under the root route of base.yml (receiver \"ops\") matches every alert and does not continue, so slo's routes placed after it would never be reached; place them before it [routing/position]\n",
		},
		{
			name:    "position before the catch-all",
			routing: "  base: ../base.yml\n  position: before ops\n  teams: {checkout: pager}\n",
			base:    baseWithRoutes,
		},
		{
			name:    "position is not a place",
			routing: "  base: ../base.yml\n  position: middle\n  teams: {checkout: pager}\n",
			base:    baseWithRoutes,
			want:    "specs/routing.yaml:4:13: error: routing.position: expected first, last, before <receiver> or after <receiver>, got \"middle\" [routing/position]\n",
		},
		{
			name:    "position without a base route has no effect",
			routing: "  base: ../base.yml\n  position: last\n  default_receiver: ops\n  teams: {checkout: pager}\n",
			base:    "receivers: [{name: ops}, {name: pager}]\n",
			want:    "specs/routing.yaml:4:13: warning: routing.position: base.yml has no route of its own, so the generated route is its root route and position has no effect [routing/position]\n",
		},
		{
			name:    "time interval without a base",
			routing: "  default_receiver: ops\n  teams: {checkout: {receiver: pager, active_time_intervals: [office-hours]}}\n",
			want:    "specs/routing.yaml:4:62: error: routing.teams.checkout.active_time_intervals[0]: time interval \"office-hours\" is not defined; time intervals are defined in the base Alertmanager config (routing.base), and there is none [routing/unknown-time-interval]\n",
		},
		{
			name:    "a label route needs matchers, and not on team",
			routing: "  default_receiver: ops\n  routes:\n    - receiver: pager\n    - matchers: [team=\"checkout\"]\n  teams: {checkout: pager}\n",
			want: "specs/routing.yaml:5:7: error: routing.routes[0].matchers: missing; expected Alertmanager matchers such as [category=\"business\"] [spec/required]\n" +
				"specs/routing.yaml:6:17: error: routing.routes[1].matchers[0]: match teams with routing.teams, not a team matcher [routing/matcher]\n",
		},
		{
			// Reported at the base's lines, naming the field, rather than
			// as the decoder's "cannot unmarshal !!int into []validate.child".
			name:    "a base route tree of the wrong shape",
			routing: "  base: ../base.yml\n  teams: {checkout: pager}\n",
			base:    "route:\n  receiver: ops\n  routes:\n    - receiver: [pager]\n      continue: maybe\n    - 7\n    - {receiver: pager, continue: yes}\nreceivers: [{name: ops}, {name: pager}]\n",
			want: "base.yml:4:17: error: route.routes[0].receiver: expected a receiver name, got a list [spec/base]\n" +
				"base.yml:5:17: error: route.routes[0].continue: expected true or false, got a string [spec/base]\n" +
				"base.yml:6:7: error: route.routes[1]: expected a mapping (a route), got a number [spec/base]\n",
		},
		{
			// Alertmanager refuses these too, but of the merged config and
			// without a line: here at the base's lines, at any depth.
			name:    "a base route names a receiver or time interval the base does not define",
			routing: "  base: ../base.yml\n  teams: {checkout: pager}\n",
			base:    "route:\n  receiver: opps\n  routes:\n    - receiver: pager\n      routes:\n        - {receiver: db-pager, mute_time_intervals: [nights, weekends]}\nreceivers: [{name: ops}, {name: pager}]\ntime_intervals: [{name: weekends}]\n",
			want: "base.yml:2:13: error: route.receiver: receiver \"opps\" is not defined in this config's receivers; did you mean \"ops\"? [spec/base]\n" +
				"base.yml:6:22: error: route.routes[0].routes[0].receiver: receiver \"db-pager\" is not defined in this config's receivers; did you mean \"pager\"? [spec/base]\n" +
				"base.yml:6:54: error: route.routes[0].routes[0].mute_time_intervals[0]: time interval \"nights\" is not defined in this config's time_intervals; expected one of weekends [spec/base]\n",
		},
		{
			// continue as Alertmanager's YAML 1.1 loader reads it: null is
			// false and YES, Off, TRUE and !!bool yes are bools; yEs is not
			// one of YAML 1.1's spellings and a quoted true is a string.
			name:    "a base route's continue, as Alertmanager reads it",
			routing: "  base: ../base.yml\n  teams: {checkout: pager}\n",
			base:    "route:\n  receiver: ops\n  routes:\n    - {receiver: ops, matchers: [a=\"1\"], continue: }\n    - {receiver: ops, matchers: [a=\"2\"], continue: YES}\n    - {receiver: ops, matchers: [a=\"3\"], continue: Off}\n    - {receiver: ops, matchers: [a=\"4\"], continue: TRUE}\n    - {receiver: ops, matchers: [a=\"5\"], continue: yEs}\n    - {receiver: ops, matchers: [a=\"6\"], continue: \"true\"}\n    - {receiver: ops, matchers: [a=\"7\"], continue: !!bool yes}\nreceivers: [{name: ops}, {name: pager}]\n",
			want: "base.yml:8:52: error: route.routes[4].continue: expected true or false, got a string [spec/base]\n" +
				"base.yml:9:52: error: route.routes[5].continue: expected true or false, got a string [spec/base]\n",
		},
		{
			// Alertmanager's yaml.v2 takes a merged value over one written
			// before the merge key, slo's yaml.v3 the written one: slo's
			// routes would go into a list Alertmanager does not read.
			// Written after the merge key, both read the written value.
			name:    "a base key written before a merge key that also gives it",
			routing: "  base: ../base.yml\n  teams: {checkout: pager}\n",
			base:    "route:\n  routes:\n    - {receiver: pager, matchers: [a=\"1\"], continue: true, <<: {continue: false}}\n    - {<<: {continue: false}, continue: true, receiver: pager, matchers: [a=\"2\"]}\n  <<: {receiver: ops, routes: [{receiver: ops, matchers: [b=\"2\"]}]}\nreceivers: [{name: ops}, {name: pager}]\n",
			want: "base.yml:2:3: error: route.routes: also given by the merge key (<<) after it, at line 5: Alertmanager reads the merged value, slo the one written here; write the merge key before the keys that override it [spec/base]\n" +
				"base.yml:3:44: error: route.routes[0].continue: also given by the merge key (<<) after it, at line 3: Alertmanager reads the merged value, slo the one written here; write the merge key before the keys that override it [spec/base]\n",
		},
		{
			name:    "a base whose routes are not a list",
			routing: "  base: ../base.yml\n  teams: {checkout: pager}\n",
			base:    "route:\n  receiver: ops\n  routes: 5\nreceivers: [{name: ops}, {name: pager}]\n",
			want:    "base.yml:3:11: error: route.routes: expected a list of routes, got a number [spec/base]\n",
		},
		{
			name:    "a base whose merged routes are not a list",
			routing: "  base: ../base.yml\n  teams: {checkout: pager}\n",
			base:    "route:\n  <<: {receiver: ops, routes: 5}\nreceivers: [{name: ops}, {name: pager}]\n",
			want:    "base.yml:2:31: error: route.routes: expected a list of routes, got a number [spec/base]\n",
		},
		{
			name:    "a base whose route is not a mapping",
			routing: "  base: ../base.yml\n  teams: {checkout: pager}\n",
			base:    "route: [ops]\nreceivers: [{name: ops}, {name: pager}]\n",
			want:    "base.yml:1:8: error: route: expected a mapping (the root route), got a list [spec/base]\n",
		},
		{
			name:    "a severity takes the team's receiver",
			routing: "  base: ../base.yml\n  teams:\n    checkout:\n      receiver: pager\n      active_time_intervals: [office-hours]\n      critical: {repeat_interval: 1h}\n",
			base:    baseWithRoutes,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := checkRouting(t, tc.routing, tc.base)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}
