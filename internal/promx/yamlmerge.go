package promx

import "go.yaml.in/yaml/v3"

// YAMLValue is the value of key in the mapping m of an Alertmanager config
// read as a YAML tree: written in m, else taken from its merge keys
// (`<<: *defaults`, `<<: [*a, *b]`), the first merged mapping that gives
// it winning, as YAML merges them; aliases resolved. Nil when m gives no
// key. (A key written before a merge key that also gives it is read
// differently by Alertmanager's yaml.v2, which takes the merged one;
// validate refuses such a base.)
func YAMLValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i].Tag != "!!merge" {
			return YAMLDeref(m.Content[i+1])
		}
	}
	return YAMLMerged(m, key)
}

// YAMLMerged is the value the mapping m takes for key from its merge keys
// alone, as YAMLValue reads them; nil when none gives it.
func YAMLMerged(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Tag != "!!merge" {
			continue
		}
		from := []*yaml.Node{YAMLDeref(m.Content[i+1])}
		if from[0].Kind == yaml.SequenceNode {
			from = from[0].Content
		}
		for _, f := range from {
			if f = YAMLDeref(f); f.Kind == yaml.MappingNode {
				if v := YAMLValue(f, key); v != nil {
					return v
				}
			}
		}
	}
	return nil
}

// YAMLDeref follows aliases to the node they name; nil stays nil.
func YAMLDeref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}
