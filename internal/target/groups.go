package target

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/promx"
)

// checkGroups runs Prometheus's rule loader (rulefmt.Parse as Prometheus
// loads a file: strict fields, PromQL and templates) on the rule groups of
// a list node, with the keys extra removed from each group first: the
// fields a target's system adds to Prometheus's groups and reads itself.
// check is called on each group's value of every extra key present. A
// problem in a group is a *RuleProblem naming the group, its place and
// the rule, for the caller to place at the spec entry that made it. When
// the loader takes the groups, they must be the groups of want, in order,
// as compiled: what a file holds is what was compiled, whatever the
// indentation and fields it was written with.
func checkGroups(list *yaml.Node, extra map[string]func(*yaml.Node) error, want []*compile.RuleFile) []error {
	if list == nil || list.Kind != yaml.SequenceNode {
		return []error{fmt.Errorf("groups: want a list of rule groups")}
	}
	var errs []error
	plain := &yaml.Node{Kind: yaml.SequenceNode}
	for i, g := range list.Content {
		if g.Kind != yaml.MappingNode {
			return []error{fmt.Errorf("line %d: a rule group is not a mapping", g.Line)}
		}
		name := ""
		if v := value(g, "name"); v != nil {
			name = v.Value
		}
		kept := &yaml.Node{Kind: yaml.MappingNode}
		for j := 0; j+1 < len(g.Content); j += 2 {
			k, v := g.Content[j], g.Content[j+1]
			if check, ok := extra[k.Value]; ok {
				if err := check(v); err != nil {
					errs = append(errs, &RuleProblem{Group: name, Index: i + 1, Msg: fmt.Sprintf("group %q: %s: %v", name, k.Value, err)})
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
	problems := promx.CheckRuleFile(data)
	if len(problems) == 0 {
		if len(errs) > 0 || want == nil {
			return errs
		}
		read, lerrs := promx.LoadRuleFile(data)
		if len(lerrs) > 0 {
			return lerrs
		}
		var compiled compile.RuleFile
		for _, rf := range want {
			compiled.Groups = append(compiled.Groups, rf.Groups...)
		}
		if msg, where := readBackDiff(compiled, read); msg != "" {
			errs = append(errs, &RuleProblem{Group: where.group, Index: where.index, Rule: where.rule, Msg: "does not read back as compiled: " + msg})
		}
		return errs
	}
	// rulefmt names a group by name when a rule of it is wrong (a typed
	// *rulefmt.Error). A group name used twice it reports as a plain
	// error whose position is not one of the file read back (0:0 in
	// Prometheus 3), so repeated names are found here, from the file, and
	// placed at the group that repeats the name; rulefmt's untyped errors
	// are then left out rather than read (they are the same findings, and
	// any other untyped one shows again once the names are fixed).
	seen := map[string]bool{}
	var repeated []error
	for i, g := range plain.Content {
		v := value(g, "name")
		if v == nil {
			continue
		}
		if seen[v.Value] {
			repeated = append(repeated, &RuleProblem{Group: v.Value, Index: i + 1, Msg: fmt.Sprintf("groupname: %q is repeated in the same file", v.Value)})
		}
		seen[v.Value] = true
	}
	errs = append(errs, repeated...)
	for _, e := range problems {
		group, rule, msg := promx.RuleProblem(e)
		if group == "" && len(repeated) > 0 {
			continue
		}
		errs = append(errs, &RuleProblem{Group: group, Rule: rule, Msg: msg})
	}
	return errs
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
