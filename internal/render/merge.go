package render

import (
	"fmt"

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
	routes := get(root, "routes")
	if routes == nil || routes.Tag == "!!null" {
		routes = seq()
		set(root, "routes", routes)
	}
	if routes.Kind != yaml.SequenceNode {
		return fmt.Errorf("route.routes: expected a list to merge slo's routes into")
	}
	routes.Style &^= yaml.FlowStyle // a flow list cannot hold slo's block mappings
	at = max(0, min(at, len(routes.Content)))
	routes.Content = append(routes.Content[:at], append([]*yaml.Node{sub}, routes.Content[at:]...)...)
	return nil
}
