package render

import (
	"fmt"
	"slices"

	"github.com/slo-compiler/slo/internal/promx"
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
	routes, err := ownList(root, "routes")
	if err != nil {
		return fmt.Errorf("route.%w", err)
	}
	routes.Style &^= yaml.FlowStyle // a flow list cannot hold slo's block mappings
	at = max(0, min(at, len(routes.Content)))
	routes.Content = append(routes.Content[:at], append([]*yaml.Node{sub}, routes.Content[at:]...)...)
	return nil
}

// ownList returns the list mapping m gives key, as one slo can add to
// and written in m: the list written there; a copy of a merged
// (`<<: *defaults`) or aliased one, so that slo's items go in with the
// base's rather than instead of them, and the anchor keeps what it had for
// any other alias; or a new list when the key is absent or null.
func ownList(m *yaml.Node, key string) (*yaml.Node, error) {
	written := get(m, key)
	list := promx.YAMLDeref(written)
	if written == nil {
		// A key written in the mapping overrides a merged one, so the
		// merged items are written with slo's, not dropped.
		list = promx.YAMLMerged(m, key)
	}
	switch {
	case list == nil || list.Tag == "!!null":
		list = seq()
	case list.Kind != yaml.SequenceNode:
		return nil, fmt.Errorf("%s: expected a list, to add slo's %s to", key, key)
	case list == written:
		return list, nil
	default:
		list = &yaml.Node{Kind: yaml.SequenceNode, Tag: list.Tag, Content: slices.Clone(list.Content)}
	}
	set(m, key, list)
	return list, nil
}
