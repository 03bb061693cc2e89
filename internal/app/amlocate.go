package app

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/promx/amx"
)

// alertmanagerDiags turns the refusal raw of the compiled Alertmanager
// config data (Alertmanager's loader error, secrets and all) into one
// diagnostic per problem, each placed where the refused part was written:
// in the base config, for what the base holds, or in the routing or alert
// spec that generated the route or inhibit rule. Messages are redacted.
//
// The refused node of the compiled file is found from the file's YAML tree
// and the loader's Go types (amx.AlertmanagerProblems: unknown and
// mistyped fields, else the deepest value the loader refuses alone), else
// by taking parts of the config away until the error goes (byRemoval),
// never from the text of the error; it is mapped back
// by its path: a path below route or a generated inhibit rule to the spec,
// any other path to the same path in the base config.
func alertmanagerDiags(am *compile.Alertmanager, p *model.Project, data []byte, raw error) diag.List {
	loc := &amLocator{am: am, p: p, data: data}
	loc.rendered = yamlRoot(data)
	if am.Base != nil {
		loc.base = yamlRoot(am.Base)
	}
	var diags diag.List
	// The compiled file holds every value of the base.
	report := func(path []any, atKey bool, msg string) {
		diags.Errorf(loc.pos(path, atKey), "alertmanager/invalid", "the compiled %s is refused by Alertmanager's config loader: %s", am.Name, promx.Redact(data, msg))
	}
	problems := amx.AlertmanagerProblems(loc.rendered, raw)
	if len(problems) == 0 {
		var path []any
		atKey := true
		if loc.rendered != nil {
			path = loc.byRemoval(raw.Error())
			// A scalar is refused for its value.
			n := nodeAt(loc.rendered, path)
			atKey = n == nil || n.Kind != yaml.ScalarNode
		}
		report(path, atKey, diag.OneLine(raw.Error()))
		return diags
	}
	for _, pr := range problems {
		msg := pr.Message
		if msg == "" {
			msg = diag.OneLine(raw.Error())
		}
		report(pr.Path, pr.AtKey, msg)
	}
	return diags
}

type amLocator struct {
	am             *compile.Alertmanager
	p              *model.Project
	data           []byte
	rendered, base *yaml.Node
}

func yamlRoot(b []byte) *yaml.Node {
	var doc yaml.Node
	if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	return doc.Content[0]
}

// byRemoval finds the part of the base config that the loader refuses with
// msg by taking parts away: at each level, the first entry whose removal
// makes the config load, else the first whose removal changes the error,
// is where the problem is; it stops where no removal changes the error.
// List items are tried from the last: a name written twice is refused at
// its second writing. The loader runs about once per entry on the way
// down. The error is compared whole, as a value: it is not taken apart.
func (l *amLocator) byRemoval(msg string) []any {
	var path []any
	n := l.rendered
	for steps := 0; steps < 32; steps++ {
		var loads, changes []any
		var loadsN, changesN *yaml.Node
		try := func(key any, child *yaml.Node, remove func() func()) {
			if loads != nil {
				return
			}
			restore := remove()
			err := amx.AlertmanagerConfigProblem(l.encode())
			restore()
			switch {
			case err == nil:
				loads, loadsN = append(path[:len(path):len(path)], key), child
			case err.Error() != msg && changes == nil:
				changes, changesN = append(path[:len(path):len(path)], key), child
			}
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				try(n.Content[i].Value, n.Content[i+1], func() func() {
					saved := n.Content
					n.Content = append(append([]*yaml.Node{}, saved[:i]...), saved[i+2:]...)
					return func() { n.Content = saved }
				})
			}
		case yaml.SequenceNode:
			for i := len(n.Content) - 1; i >= 0; i-- {
				try(i, n.Content[i], func() func() {
					saved := n.Content
					n.Content = append(append([]*yaml.Node{}, saved[:i]...), saved[i+1:]...)
					return func() { n.Content = saved }
				})
			}
		}
		switch {
		case loads != nil:
			path, n = loads, loadsN
		case changes != nil:
			path, n = changes, changesN
		default:
			return path
		}
	}
	return path
}

func (l *amLocator) encode() []byte {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if enc.Encode(l.rendered) != nil || enc.Close() != nil {
		return nil
	}
	return buf.Bytes()
}

// generated reports whether path of the compiled file is slo's: the route,
// the inhibit rules after the base's own, and every receiver when there
// is no base.
func (l *amLocator) generated(path []any) bool {
	if len(path) == 0 {
		return false
	}
	switch path[0] {
	case "route":
		_, ok := l.subtree(path)
		return ok
	case "inhibit_rules":
		i, ok := pathIndex(path, 1)
		return ok && i >= l.baseInhibits()
	case "receivers":
		return l.base == nil
	}
	return false
}

// subtree returns the part of path, a path of the compiled file, below
// slo's route tree, and whether path lies in it. Without a base route slo's
// tree is the root route; merged into a base, it is the root's child at
// index At, and the root's other settings and children are the base's.
func (l *amLocator) subtree(path []any) ([]any, bool) {
	if len(path) == 0 || path[0] != "route" {
		return nil, false
	}
	if !l.am.Merge {
		return path[1:], true
	}
	if i, ok := pathIndex(path, 2); ok && path[1] == "routes" && i == l.am.At {
		return path[3:], true
	}
	return nil, false
}

// basePath maps a path of the compiled file outside slo's parts to the
// same part of the base config: the root route's children after slo's
// subtree sit one index further down in the compiled file than in the
// base.
func (l *amLocator) basePath(path []any) []any {
	if i, ok := pathIndex(path, 2); ok && l.am.Merge && path[0] == "route" && path[1] == "routes" && i > l.am.At {
		return append([]any{"route", "routes", i - 1}, path[3:]...)
	}
	return path
}

// pathIndex returns path[k] when it is a list index.
func pathIndex(path []any, k int) (int, bool) {
	if k >= len(path) {
		return 0, false
	}
	i, ok := path[k].(int)
	return i, ok
}

func (l *amLocator) baseInhibits() int {
	if l.base == nil {
		return 0
	}
	if n := mapValue(l.base, "inhibit_rules"); n != nil && n.Kind == yaml.SequenceNode {
		return len(n.Content)
	}
	return 0
}

// mapValue returns the value of key in m if m is a mapping, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// pos maps path of the compiled file back to where it was written: the
// key of a mapping entry when atKey is set, else its value.
func (l *amLocator) pos(path []any, atKey bool) diag.Pos {
	r := l.p.Routing
	fallback := r.DefaultReceiverPos
	if l.am.Base != nil {
		fallback = r.BasePos
	}
	if len(path) == 0 {
		return fallback
	}
	if !l.generated(path) {
		if p, ok := l.basePos(l.basePath(path), atKey); ok {
			return p
		}
		return fallback
	}
	switch path[0] {
	case "route":
		sub, _ := l.subtree(path)
		return routePos(l.am.Route, sub)
	case "inhibit_rules":
		if n := nodeAt(l.rendered, path[:2]); n != nil {
			if m := mapValue(n, "source_matchers"); m != nil && len(m.Content) > 1 {
				cause := strings.HasPrefix(m.Content[1].Value, "service=")
				if pos, ok := alertPos(l.p, m.Content[0].Value, cause); ok {
					return pos
				}
			}
		}
	}
	return fallback
}

// basePos returns the position in the base config of path, or of the
// deepest part of it the base holds.
func (l *amLocator) basePos(path []any, atKey bool) (diag.Pos, bool) {
	if l.base == nil {
		return diag.Pos{}, false
	}
	n := l.base
	at := diag.Pos{File: l.am.BasePath, Line: n.Line, Col: n.Column}
	for k, step := range path {
		last := k == len(path)-1
		switch s := step.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return at, true
			}
			var key, val *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == s {
					key, val = n.Content[i], n.Content[i+1]
				}
			}
			if key == nil {
				return at, true
			}
			pn := key
			if last && !atKey && val.Kind == yaml.ScalarNode {
				pn = val
			}
			at, n = diag.Pos{File: l.am.BasePath, Line: pn.Line, Col: pn.Column}, val
		case int:
			if n.Kind != yaml.SequenceNode || s >= len(n.Content) {
				return at, true
			}
			n = n.Content[s]
			at = diag.Pos{File: l.am.BasePath, Line: n.Line, Col: n.Column}
		}
	}
	return at, true
}

func nodeAt(root *yaml.Node, path []any) *yaml.Node {
	n := root
	for _, step := range path {
		switch s := step.(type) {
		case string:
			n = mapValue(n, s)
		case int:
			if n.Kind != yaml.SequenceNode || s >= len(n.Content) {
				return nil
			}
			n = n.Content[s]
		}
		if n == nil {
			return nil
		}
	}
	return n
}

// routePos maps a path below the top of slo's compiled route tree to
// where the routing spec writes the route it reaches (compile.Route.Pos:
// a per-alert or label route, a team, a severity), or that route's time
// interval list when the path goes into one.
func routePos(top compile.Route, path []any) diag.Pos {
	r := top
	for len(path) >= 2 && path[0] == "routes" {
		i, ok := path[1].(int)
		if !ok || i >= len(r.Routes) {
			break
		}
		r, path = r.Routes[i], path[2:]
	}
	if len(path) > 0 {
		switch {
		case path[0] == "mute_time_intervals" && r.MutePos.File != "":
			return r.MutePos
		case path[0] == "active_time_intervals" && r.ActivePos.File != "":
			return r.ActivePos
		}
	}
	if r.Pos.File == "" {
		return top.Pos
	}
	return r.Pos
}

// alertPos returns where the alert that a generated inhibit rule's first
// source matcher names is written; cause says the rule is the alert's own
// inhibits.
func alertPos(p *model.Project, matcher string, cause bool) (diag.Pos, bool) {
	name, ok := promx.AlertnameEquals(matcher)
	if !ok {
		return diag.Pos{}, false
	}
	for _, s := range p.Services {
		for _, a := range s.Alerts {
			if a.Name == name {
				if cause && a.Inhibits != nil {
					return a.Inhibits.Pos, true
				}
				return a.Pos, true
			}
		}
		for _, slo := range s.SLOs {
			if slo.Alerting.Name == name {
				return slo.Pos, true
			}
		}
	}
	return diag.Pos{}, false
}
