package target

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/promx"
)

// checkGroups runs Prometheus's rule loader (rulefmt.Parse as Prometheus
// loads a file: strict fields, PromQL and templates) on the rule groups of a list node, with the keys extra
// removed from each group first: the fields a target's system adds to
// Prometheus's groups and reads itself. check is called on each group's
// value of every extra key present.
func checkGroups(list *yaml.Node, extra map[string]func(*yaml.Node) error) []error {
	if list == nil || list.Kind != yaml.SequenceNode {
		return []error{fmt.Errorf("groups: want a list of rule groups")}
	}
	var errs []error
	plain := &yaml.Node{Kind: yaml.SequenceNode}
	for _, g := range list.Content {
		if g.Kind != yaml.MappingNode {
			return []error{fmt.Errorf("line %d: a rule group is not a mapping", g.Line)}
		}
		kept := &yaml.Node{Kind: yaml.MappingNode}
		for i := 0; i+1 < len(g.Content); i += 2 {
			k, v := g.Content[i], g.Content[i+1]
			if check, ok := extra[k.Value]; ok {
				if err := check(v); err != nil {
					errs = append(errs, fmt.Errorf("line %d: %s: %w", k.Line, k.Value, err))
				}
				continue
			}
			kept.Content = append(kept.Content, k, v)
		}
		plain.Content = append(plain.Content, kept)
	}
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "groups"}, plain}}
	data, err := yaml.Marshal(doc)
	if err != nil {
		return append(errs, err)
	}
	return append(errs, promx.CheckRuleFile(data)...)
}

// mappingKeys decodes a document's top mapping into its keys' values and
// refuses keys not in allowed, as a strict loader does.
func mappingKeys(data []byte, allowed ...string) (map[string]*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("want a mapping")
	}
	m := doc.Content[0]
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if !slices.Contains(allowed, k.Value) {
			return nil, fmt.Errorf("line %d: field %s not found", k.Line, k.Value)
		}
		out[k.Value] = m.Content[i+1]
	}
	return out, nil
}
