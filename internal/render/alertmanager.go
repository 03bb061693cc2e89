package render

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/compile"
)

// Alertmanager renders the Alertmanager config: the user's base config as it
// was written (receivers and their secrets untouched), with the generated
// route and inhibit rules merged in. Without a base, it writes empty
// receivers for every receiver the routes name.
func Alertmanager(am *compile.Alertmanager) ([]byte, error) {
	root := mapping()
	if am.Base != nil {
		var doc yaml.Node
		if err := yaml.NewDecoder(bytes.NewReader(am.Base)).Decode(&doc); err != nil {
			return nil, fmt.Errorf("render: base config %s: %w", am.BasePath, err)
		}
		if len(doc.Content) > 0 && doc.Content[0].Kind == yaml.MappingNode {
			root = doc.Content[0]
		}
		// Keep the user's layout but not their comments' positions, which
		// yaml.v3 moves around; the header says where the base lives.
		stripComments(root)
	}
	if am.Merge {
		if err := mergeRoute(root, route(am.Route), am.At); err != nil {
			return nil, fmt.Errorf("render: base config %s: %w", am.BasePath, err)
		}
	} else {
		setBefore(root, "route", route(am.Route), "inhibit_rules", "receivers")
	}
	// A base's `inhibit_rules:` with nothing after it (its rules
	// commented out, say) is null: slo's rules take its place. Rules the
	// base merges in (`<<`) are kept with slo's.
	var inhibit *yaml.Node
	if len(am.Inhibit) > 0 {
		var err error
		if inhibit, err = ownList(root, "inhibit_rules"); err != nil {
			return nil, fmt.Errorf("render: base config %s: %w", am.BasePath, err)
		}
	}
	for _, r := range am.Inhibit {
		n := mapping()
		add(n, "source_matchers", strs(r.SourceMatchers))
		add(n, "target_matchers", strs(r.TargetMatchers))
		if len(r.Equal) > 0 {
			add(n, "equal", strs(r.Equal))
		}
		inhibit.Content = append(inhibit.Content, n)
	}
	if am.Base == nil {
		rs := seq()
		for _, name := range am.Receivers {
			n := mapping()
			add(n, "name", str(name))
			rs.Content = append(rs.Content, n)
		}
		set(root, "receivers", rs)
	}
	header := Header(am.Source)
	switch {
	case am.Merge:
		header += fmt.Sprintf("# Everything comes from %s, plus slo's route (child %d of the root route) and the inhibit_rules after its own.\n", am.BasePath, am.At+1)
	case am.BasePath != "":
		header += fmt.Sprintf("# Receivers and settings come from %s; route and inhibit_rules are generated.\n", am.BasePath)
	}
	return encode(header, root)
}

func route(r compile.Route) *yaml.Node {
	n := mapping()
	if r.Receiver != "" { // else inherited from the base's root route
		add(n, "receiver", str(r.Receiver))
	}
	if len(r.Matchers) > 0 {
		ms := strs(r.Matchers)
		if len(strings.Join(r.Matchers, ", ")) > 80 {
			ms.Style = 0 // one long matcher a line (slo's own, on a merged subtree)
		}
		add(n, "matchers", ms)
	}
	if len(r.GroupBy) > 0 {
		add(n, "group_by", strs(r.GroupBy))
	}
	if r.GroupWait > 0 {
		add(n, "group_wait", durNode(r.GroupWait))
	}
	if r.GroupInterval > 0 {
		add(n, "group_interval", durNode(r.GroupInterval))
	}
	if r.RepeatInterval > 0 {
		add(n, "repeat_interval", durNode(r.RepeatInterval))
	}
	if len(r.MuteTimeIntervals) > 0 {
		add(n, "mute_time_intervals", strs(r.MuteTimeIntervals))
	}
	if len(r.ActiveTimeIntervals) > 0 {
		add(n, "active_time_intervals", strs(r.ActiveTimeIntervals))
	}
	if r.Continue {
		add(n, "continue", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
	if len(r.Routes) > 0 {
		rs := seq()
		for _, c := range r.Routes {
			rs.Content = append(rs.Content, route(c))
		}
		add(n, "routes", rs)
	}
	return n
}

func get(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func set(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	add(m, key, v)
}

// setBefore sets key, placing it before the first of the keys named in
// before when it is new, so the route reads before the receivers it names.
func setBefore(m *yaml.Node, key string, v *yaml.Node, before ...string) {
	if get(m, key) != nil {
		set(m, key, v)
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		for _, b := range before {
			if m.Content[i].Value == b {
				m.Content = append(m.Content[:i], append([]*yaml.Node{str(key), v}, m.Content[i:]...)...)
				return
			}
		}
	}
	add(m, key, v)
}

func stripComments(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		stripComments(c)
	}
}
