package validate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/spec"
)

// baseNames are the names a base Alertmanager config defines that the
// routing refers to.
type baseNames struct {
	receivers, timeIntervals []string
}

// readBaseNames reads the receiver and time interval names of the base
// Alertmanager config b, read from path. The merged config is loaded by
// Alertmanager's own loader after rendering; this reads only what the
// routing's references are checked against, and reports what keeps it from
// doing so at the line and column of the base file. No message quotes a
// value of the file, which may be a secret.
func readBaseNames(path string, b []byte) (baseNames, diag.List) {
	var names baseNames
	var diags diag.List
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return names, nil
		}
		d := spec.YAMLError(path, b, dec, err)
		d.Code = "spec/base"
		return names, append(diags, d)
	}
	if len(doc.Content) == 0 {
		return names, nil
	}
	root := doc.Content[0]
	pos := func(n *yaml.Node) diag.Pos { return diag.Pos{File: path, Line: n.Line, Col: n.Column} }
	if root.Kind != yaml.MappingNode {
		if root.Tag != "!!null" {
			diags.Errorf(pos(root), "spec/base", "expected an Alertmanager config (a mapping), got %s", kindName(root))
		}
		return names, diags
	}
	// mergedAfter reports a key of mapping m that slo reads, written
	// before a merge key (`<<`) that also gives it. yaml.v3, which slo
	// reads the base with, takes the written value wherever it stands;
	// Alertmanager's yaml.v2 applies the keys in order and takes the
	// merged one. Written after the merge key, both take the written one.
	mergedAfter := func(m *yaml.Node, what string, keys ...string) {
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			if k.Tag == "!!merge" || !slices.Contains(keys, k.Value) {
				continue
			}
			for j := i + 2; j+1 < len(m.Content); j += 2 {
				merge := &yaml.Node{Kind: yaml.MappingNode, Content: m.Content[j : j+2]}
				if m.Content[j].Tag == "!!merge" && value(merge, k.Value) != nil {
					diags.Errorf(pos(k), "spec/base", "%s%s: also given by the merge key (<<) after it, at line %d: Alertmanager reads the merged value, slo the one written here; write the merge key before the keys that override it", what, k.Value, m.Content[j].Line)
					break
				}
			}
		}
	}
	mergedAfter(root, "", "route", "receivers", "time_intervals", "mute_time_intervals", "inhibit_rules")
	// list reads the names of the items of the list under key.
	list := func(key, noun, nouns string) []string {
		n := value(root, key)
		if n == nil || n.Tag == "!!null" {
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			diags.Errorf(pos(n), "spec/base", "%s: expected a list of %s, got %s", key, nouns, kindName(n))
			return nil
		}
		var out []string
		for _, item := range n.Content {
			item = resolve(item)
			if item.Kind != yaml.MappingNode {
				diags.Errorf(pos(item), "spec/base", "%s: expected a mapping (a %s) with a name, got %s", key, noun, kindName(item))
				continue
			}
			name := value(item, "name")
			if name == nil || name.Kind != yaml.ScalarNode || name.Tag == "!!null" {
				diags.Errorf(pos(item), "spec/base", "%s: expected a name for the %s", key, noun)
				continue
			}
			out = append(out, name.Value)
		}
		return out
	}
	names.receivers = list("receivers", "receiver", "receivers")
	names.timeIntervals = append(list("time_intervals", "time interval", "time intervals"), list("mute_time_intervals", "time interval", "time intervals")...)
	// The root route and its children, as far as routing.position reads
	// them (readBaseRoute): a wrong shape is reported here, at its line,
	// rather than as a Go type in a decoder's message.
	if r := value(root, "route"); r != nil && r.Tag != "!!null" {
		if r.Kind != yaml.MappingNode {
			diags.Errorf(pos(r), "spec/base", "route: expected a mapping (the root route), got %s", kindName(r))
			return names, diags
		}
		scalar := func(n *yaml.Node, what, want string) {
			if n != nil && n.Kind != yaml.ScalarNode {
				diags.Errorf(pos(n), "spec/base", "%s: expected %s, got %s", what, want, kindName(n))
			}
		}
		mergedAfter(r, "route.", "receiver", "routes")
		scalar(value(r, "receiver"), "route.receiver", "a receiver name")
		if value(root, "receivers") != nil {
			undefinedNames(r, "route", names, pos, &diags)
		}
		if rs := value(r, "routes"); rs != nil && rs.Tag != "!!null" {
			if rs.Kind != yaml.SequenceNode {
				diags.Errorf(pos(rs), "spec/base", "route.routes: expected a list of routes, got %s", kindName(rs))
				return names, diags
			}
			for i, c := range rs.Content {
				c = resolve(c)
				if c.Kind != yaml.MappingNode {
					diags.Errorf(pos(c), "spec/base", "route.routes[%d]: expected a mapping (a route), got %s", i, kindName(c))
					continue
				}
				mergedAfter(c, fmt.Sprintf("route.routes[%d].", i), "receiver", "matchers", "match", "match_re", "continue")
				scalar(value(c, "receiver"), fmt.Sprintf("route.routes[%d].receiver", i), "a receiver name")
				if n := value(c, "continue"); n != nil && !isBool(n) {
					diags.Errorf(pos(n), "spec/base", "route.routes[%d].continue: expected true or false, got %s", i, kindName(n))
				}
			}
		}
	}
	return names, diags
}

// undefinedNames reports, at its line, each receiver and time interval that
// route r (at path) or a route below it names and the base does not
// define, as Alertmanager's loader refuses them ("undefined receiver"),
// which it says without a line, of the merged config. Routes of a shape
// that is wrong are left to the checks above.
func undefinedNames(r *yaml.Node, path string, names baseNames, pos func(*yaml.Node) diag.Pos, diags *diag.List) {
	if r.Kind != yaml.MappingNode {
		return
	}
	if n := value(r, "receiver"); n != nil && n.Kind == yaml.ScalarNode && n.Tag != "!!null" && n.Value != "" && !slices.Contains(names.receivers, n.Value) {
		diags.Errorf(pos(n), "spec/base", "%s.receiver: receiver %q is not defined in this config's receivers%s", path, n.Value, suggest(n.Value, names.receivers))
	}
	for _, key := range []string{"mute_time_intervals", "active_time_intervals"} {
		l := value(r, key)
		if l == nil || l.Kind != yaml.SequenceNode {
			continue
		}
		for i, n := range l.Content {
			n = resolve(n)
			if n.Kind == yaml.ScalarNode && n.Tag != "!!null" && !slices.Contains(names.timeIntervals, n.Value) {
				diags.Errorf(pos(n), "spec/base", "%s.%s[%d]: time interval %q is not defined in this config's time_intervals%s", path, key, i, n.Value, suggest(n.Value, names.timeIntervals))
			}
		}
	}
	if rs := value(r, "routes"); rs != nil && rs.Kind == yaml.SequenceNode {
		for i, c := range rs.Content {
			undefinedNames(resolve(c), fmt.Sprintf("%s.routes[%d]", path, i), names, pos, diags)
		}
	}
}

func isBool(n *yaml.Node) bool {
	_, ok := yamlBool(n)
	return ok
}

// yamlBool is the bool Alertmanager's YAML 1.1 decoder (yaml.v2) reads
// from n, and whether it reads one: a plain true, false, y, yes, on, n, no
// or off in one of the spellings YAML 1.1 lists (yes, Yes, YES; not yEs),
// the same under an explicit !!bool tag, or a null (false). A quoted or
// !!str value is a string to it, and a string is not a bool.
func yamlBool(n *yaml.Node) (v, ok bool) {
	if n.Kind != yaml.ScalarNode {
		return false, false
	}
	if n.Style&^yaml.TaggedStyle != 0 || n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!bool" && n.Tag != "!!null" {
		return false, false
	}
	if n.Tag == "!!null" {
		return false, true
	}
	switch n.Value {
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return true, true
	case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return false, true
	}
	return false, false
}

// value is the value of key in mapping m, merge keys and aliases
// followed (promx.YAMLValue).
func value(m *yaml.Node, key string) *yaml.Node { return promx.YAMLValue(m, key) }

func resolve(n *yaml.Node) *yaml.Node { return promx.YAMLDeref(n) }

// kindName names the kind of n without its value, which may be a secret.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!null":
		return "null"
	case "!!str":
		return "a string"
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "true or false"
	}
	return "a scalar"
}
