package render

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// mergeRoute places sub among the children of the root route of base at
// index at (or last when there are fewer children), leaving every other
// node of base as it was.
func mergeRoute(base, sub *yaml.Node, at int) error {
	root := get(base, "route")
	if root == nil || root.Kind != yaml.MappingNode {
		return fmt.Errorf("route: expected a mapping to merge slo's routes into")
	}
	written := get(root, "routes")
	routes := deref(written)
	if written == nil {
		// The children may come from a merge key (`<<: *defaults`). A key
		// written in the mapping overrides a merged one, so slo's routes
		// are written with the merged children, not instead of them.
		routes = merged(root, "routes")
	}
	switch {
	case routes == nil || routes.Tag == "!!null":
		routes = seq()
		set(root, "routes", routes)
	case routes.Kind != yaml.SequenceNode:
		return fmt.Errorf("route.routes: expected a list to merge slo's routes into")
	case routes != written:
		// Merged or aliased, the list is anchored and may be read
		// elsewhere too: slo's routes go into a copy of it, and the
		// anchor keeps what it had.
		routes = &yaml.Node{Kind: yaml.SequenceNode, Tag: routes.Tag, Content: slices.Clone(routes.Content)}
		set(root, "routes", routes)
	}
	routes.Style &^= yaml.FlowStyle // a flow list cannot hold slo's block mappings
	at = max(0, min(at, len(routes.Content)))
	routes.Content = append(routes.Content[:at], append([]*yaml.Node{sub}, routes.Content[at:]...)...)
	return nil
}

// merged is the value that mapping m takes for key from its merge keys
// (`<<: *a` or `<<: [*a, *b]`), the first merged mapping that has it
// winning, as YAML merges them; nil when none has it.
func merged(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Tag != "!!merge" {
			continue
		}
		v := m.Content[i+1]
		from := []*yaml.Node{v}
		if deref(v).Kind == yaml.SequenceNode {
			from = deref(v).Content
		}
		for _, f := range from {
			f = deref(f)
			if f.Kind != yaml.MappingNode {
				continue
			}
			if r := get(f, key); r != nil {
				return deref(r)
			}
			if r := merged(f, key); r != nil {
				return r
			}
		}
	}
	return nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}
