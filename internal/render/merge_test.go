package render

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/promx/amx"
)

// topLevel decodes a config into its top-level keys, in order, and each
// value re-marshalled on its own without comments, so two configs compare
// by content and order and not by layout.
func topLevel(t *testing.T, b []byte) (keys []string, values map[string]*yaml.Node) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	values = map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		keys = append(keys, root.Content[i].Value)
		values[root.Content[i].Value] = root.Content[i+1]
	}
	return keys, values
}

func marshal(t *testing.T, n *yaml.Node) string {
	t.Helper()
	stripComments(n)
	var buf bytes.Buffer
	e := yaml.NewEncoder(&buf)
	if err := e.Encode(n); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestAlertmanagerMergeKeepsBase: with a base config that has a route tree,
// the output is the base with slo's subtree inserted among the root's
// children and slo's inhibit rules appended; every other part of the base,
// the root route's settings and its own children among them, is the same
// content in the same order.
func TestAlertmanagerMergeKeepsBase(t *testing.T) {
	base, err := os.ReadFile("testdata/base-with-routes.yml")
	if err != nil {
		t.Fatal(err)
	}
	sub := compile.Route{
		Receiver: "ops",
		Matchers: []string{`service=~"checkout"`, `alertname=~"CheckoutDown"`},
		GroupBy:  []string{"alertname", "service", "severity"},
		Routes:   []compile.Route{{Receiver: "checkout-pager", Matchers: []string{`team="checkout"`}}},
	}
	inhibit := compile.InhibitRule{SourceMatchers: []string{`alertname="CheckoutDown"`}, TargetMatchers: []string{`alertname="CheckoutSlow"`}}
	for _, at := range []int{0, 1, 3, 7} {
		out, err := Alertmanager(&compile.Alertmanager{Name: "alertmanager/alertmanager.yml", Source: "specs/routing.yaml",
			Base: base, BasePath: "base.yml", Merge: true, At: at, Route: sub, Inhibit: []compile.InhibitRule{inhibit}})
		if err != nil {
			t.Fatal(err)
		}
		baseKeys, baseVals := topLevel(t, base)
		outKeys, outVals := topLevel(t, out)
		if diff := cmp.Diff(baseKeys, outKeys); diff != "" {
			t.Fatalf("at %d: top-level keys (-base +out):\n%s", at, diff)
		}
		for _, k := range baseKeys {
			if k == "route" || k == "inhibit_rules" {
				continue
			}
			if diff := cmp.Diff(marshal(t, baseVals[k]), marshal(t, outVals[k])); diff != "" {
				t.Errorf("at %d: %s changed (-base +out):\n%s", at, k, diff)
			}
		}
		// The base's rules first, as written, then slo's.
		bi, oi := baseVals["inhibit_rules"], outVals["inhibit_rules"]
		if len(oi.Content) != len(bi.Content)+1 {
			t.Fatalf("at %d: %d inhibit rules, want the base's %d and slo's 1", at, len(oi.Content), len(bi.Content))
		}
		oi.Content = oi.Content[:len(bi.Content)]
		if diff := cmp.Diff(marshal(t, bi), marshal(t, oi)); diff != "" {
			t.Errorf("at %d: base inhibit rules changed (-base +out):\n%s", at, diff)
		}
		// The route: slo's subtree at its place; without it, the base's.
		routes := get(outVals["route"], "routes")
		want := min(at, 3)
		got := routes.Content[want]
		if r := get(got, "receiver"); r == nil || r.Value != "ops" || get(got, "matchers") == nil || len(get(got, "routes").Content) != 1 {
			t.Fatalf("at %d: child %d of the root route is not slo's subtree:\n%s", at, want, marshal(t, got))
		}
		routes.Content = slices.Delete(routes.Content, want, want+1)
		if diff := cmp.Diff(marshal(t, baseVals["route"]), marshal(t, outVals["route"])); diff != "" {
			t.Errorf("at %d: base route changed (-base +out):\n%s", at, diff)
		}
	}
}

// TestAlertmanagerMergeNoChildren: a root route without children gets a
// routes list holding slo's subtree; its settings stay.
func TestAlertmanagerMergeNoChildren(t *testing.T) {
	base := []byte("route:\n  receiver: ops\n  group_by: [cluster]\nreceivers:\n  - name: ops\n")
	out, err := Alertmanager(&compile.Alertmanager{Base: base, BasePath: "base.yml", Merge: true,
		Route: compile.Route{Matchers: []string{`service=~"a"`}}})
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Route struct {
			Receiver string
			GroupBy  []string `yaml:"group_by"`
			Routes   []map[string]any
		}
	}
	if err := yaml.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Route.Receiver != "ops" || !slices.Equal(cfg.Route.GroupBy, []string{"cluster"}) || len(cfg.Route.Routes) != 1 || cfg.Route.Routes[0]["receiver"] != nil {
		t.Errorf("got %+v from:\n%s", cfg.Route, out)
	}
}

// TestAlertmanagerMergeAnchors: a base whose root route takes its
// children from a merge key (`<<: *defaults`) or an alias keeps them:
// slo's subtree goes in with them, where a `routes` key of slo's own
// would override the merged one and drop the base's children. The
// anchored nodes keep what they had, for any other alias of them.
func TestAlertmanagerMergeAnchors(t *testing.T) {
	for name, base := range map[string]string{
		"merge key": `route:
  <<: &defaults
    receiver: ops
    routes:
      - {receiver: db, matchers: [service="db"]}
      - {receiver: web, matchers: [service="web"]}
receivers: [{name: ops}, {name: db}, {name: web}]
`,
		"merge list": `route:
  <<: [{group_by: [cluster]}, &defaults {receiver: ops, routes: [{receiver: db, matchers: [service="db"]}, {receiver: web, matchers: [service="web"]}]}]
receivers: [{name: ops}, {name: db}, {name: web}]
`,
		"alias": `route:
  <<: &defaults
    receiver: ops
    routes: &kids
      - {receiver: db, matchers: [service="db"]}
      - {receiver: web, matchers: [service="web"]}
  routes: *kids
receivers: [{name: ops}, {name: db}, {name: web}]
`,
		"nested merge": `route:
  <<:
    <<: &defaults
      receiver: ops
      routes:
        - {receiver: db, matchers: [service="db"]}
        - {receiver: web, matchers: [service="web"]}
receivers: [{name: ops}, {name: db}, {name: web}]
`,
	} {
		t.Run(name, func(t *testing.T) {
			out, err := Alertmanager(&compile.Alertmanager{Base: []byte(base), BasePath: "base.yml", Merge: true, At: 1,
				Route: compile.Route{Receiver: "slo", Matchers: []string{`service=~"a"`}}})
			if err != nil {
				t.Fatal(err)
			}
			var cfg struct {
				Route struct {
					Receiver string
					Routes   []struct{ Receiver string }
				}
			}
			if err := yaml.Unmarshal(out, &cfg); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			var got []string
			for _, r := range cfg.Route.Routes {
				got = append(got, r.Receiver)
			}
			if diff := cmp.Diff([]string{"db", "slo", "web"}, got); cfg.Route.Receiver != "ops" || diff != "" {
				t.Errorf("root receiver %q, children (-want +got):\n%s\n%s", cfg.Route.Receiver, diff, out)
			}
			// The anchored mapping, read through a fresh alias, still has
			// the base's two children alone.
			var doc yaml.Node
			if err := yaml.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			var anchored *yaml.Node
			var find func(n *yaml.Node)
			find = func(n *yaml.Node) {
				if n.Anchor == "defaults" {
					anchored = n
				}
				for _, c := range n.Content {
					find(c)
				}
			}
			find(&doc)
			if anchored == nil || len(get(anchored, "routes").Content) != 2 {
				t.Errorf("the anchored route changed:\n%s", out)
			}
		})
	}
}

// TestAlertmanagerMergeNullInhibitRules: a base whose inhibit_rules key
// has no value (its rules commented out) gets slo's inhibit rules there;
// they were appended to the null and lost.
func TestAlertmanagerMergeNullInhibitRules(t *testing.T) {
	for _, empty := range []string{"", " ~", " null"} {
		base := []byte("route:\n  receiver: ops\nreceivers:\n  - name: ops\ninhibit_rules:" + empty + "\n  # - source_matchers: [severity=\"critical\"]\n")
		out, err := Alertmanager(&compile.Alertmanager{Base: base, BasePath: "base.yml", Merge: true,
			Route:   compile.Route{Matchers: []string{`service=~"a"`}},
			Inhibit: []compile.InhibitRule{{SourceMatchers: []string{`alertname="A"`}, TargetMatchers: []string{`alertname="B"`}}}})
		if err != nil {
			t.Fatal(err)
		}
		var cfg struct {
			InhibitRules []struct {
				SourceMatchers []string `yaml:"source_matchers"`
			} `yaml:"inhibit_rules"`
		}
		if err := yaml.Unmarshal(out, &cfg); err != nil {
			t.Fatal(err)
		}
		if len(cfg.InhibitRules) != 1 || !slices.Equal(cfg.InhibitRules[0].SourceMatchers, []string{`alertname="A"`}) {
			t.Errorf("inhibit_rules:%s in the base: got %+v from:\n%s", empty, cfg.InhibitRules, out)
		}
	}
}

// TestAlertmanagerMergeInhibitRulesFromMergeKey: inhibit rules the base
// takes from a merge key are kept with slo's, as Alertmanager's own
// loader and inhibitor read the merged config. slo's inhibit_rules key,
// written after the merge key, overrode the merged one and dropped them,
// while the summary said they were kept.
func TestAlertmanagerMergeInhibitRulesFromMergeKey(t *testing.T) {
	base := []byte("<<: {inhibit_rules: [{source_matchers: [a=\"1\"], target_matchers: [b=\"2\"]}]}\nroute:\n  receiver: ops\nreceivers: [{name: ops}]\n")
	out, err := Alertmanager(&compile.Alertmanager{Base: base, BasePath: "base.yml", Merge: true,
		Route:   compile.Route{Matchers: []string{`service=~"a"`}},
		Inhibit: []compile.InhibitRule{{SourceMatchers: []string{`alertname="A"`}, TargetMatchers: []string{`alertname="B"`}}}})
	if err != nil {
		t.Fatal(err)
	}
	am, err := amx.LoadAlertmanager(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got, err := am.Inhibited([]map[string]string{{"a": "1"}, {"b": "2"}, {"alertname": "A"}, {"alertname": "B"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]bool{false, true, false, true}, got); diff != "" {
		t.Errorf("inhibited (-want +got):\n%s\n%s", diff, out)
	}
}
