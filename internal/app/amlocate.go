package app

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/promx"
)

// alertmanagerDiags turns the refusal raw of the compiled Alertmanager
// config data (Alertmanager's loader error, secrets and all) into one
// diagnostic per problem, each placed where the refused part was written:
// in the base config, for what the base holds, or in the routing or alert
// spec that generated the route or inhibit rule. Messages are redacted.
//
// The loader says where only for YAML errors ("line 21: field x not
// found"), and then in the compiled file; other errors quote the value
// they refuse ("not a valid duration string: \"xx\"") or nothing. So the
// refused node of the compiled file is found by its line, else by the
// value quoted, else by taking parts of the config away until the error
// goes (locateByRemoval), and mapped back by its path: a path below route
// or a generated inhibit rule to the spec, any other path to the same path
// in the base config.
func alertmanagerDiags(am *compile.Alertmanager, p *model.Project, data []byte, raw error) diag.List {
	loc := &amLocator{am: am, p: p, data: data}
	loc.rendered = yamlRoot(data)
	if am.Base != nil {
		loc.base = yamlRoot(am.Base)
	}
	var diags diag.List
	for _, e := range amProblems(raw.Error()) {
		var path []any
		atKey := false
		switch {
		case loc.rendered == nil:
		case e.line > 0:
			path, atKey = nodeAtLine(loc.rendered, e.line, e.msg)
		default:
			if path = loc.byValue(e.msg); path == nil {
				path, atKey = loc.byRemoval(raw.Error()), true
			}
		}
		// The compiled file holds every value of the base.
		msg := promx.Redact(data, e.msg)
		diags.Errorf(loc.pos(path, atKey), "alertmanager/invalid", "the compiled %s is refused by Alertmanager's config loader: %s", am.Name, msg)
	}
	return diags
}

type amProblem struct {
	line int // in the compiled file; 0 when not given
	msg  string
}

var (
	yamlErrLineRE   = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlSyntaxErrRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// amProblems splits a loader error into its problems: a YAML decoder's
// "yaml: unmarshal errors:" lists one per line.
func amProblems(msg string) []amProblem {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	if len(lines) > 1 && strings.HasSuffix(lines[0], "unmarshal errors:") {
		var out []amProblem
		for _, l := range lines[1:] {
			l = strings.TrimSpace(l)
			if m := yamlErrLineRE.FindStringSubmatch(l); m != nil {
				n, _ := strconv.Atoi(m[1])
				out = append(out, amProblem{n, m[2]})
			} else if l != "" {
				out = append(out, amProblem{0, l})
			}
		}
		return out
	}
	if m := yamlSyntaxErrRE.FindStringSubmatch(lines[0]); m != nil && len(lines) == 1 {
		n, _ := strconv.Atoi(m[1])
		return []amProblem{{n, m[2]}}
	}
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return []amProblem{{0, strings.Join(lines, " ")}}
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

// walk calls f for every node below n with its path (mapping keys as
// strings, list indexes as ints); a mapping key is visited with isKey set,
// at the path of its value.
func walk(n *yaml.Node, path []any, f func(path []any, n *yaml.Node, isKey bool) bool) bool {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := append(path[:len(path):len(path)], n.Content[i].Value)
			if !f(p, n.Content[i], true) || !f(p, n.Content[i+1], false) || !walk(n.Content[i+1], p, f) {
				return false
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := append(path[:len(path):len(path)], i)
			if !f(p, c, false) || !walk(c, p, f) {
				return false
			}
		}
	}
	return true
}

var fieldNotFoundRE = regexp.MustCompile(`^field (\S+) not found`)

// nodeAtLine returns the path of the key or scalar on line of the compiled
// file that msg is about: the key a "field x not found" names, else a
// value msg quotes (several share a line in flow style: [5, {x: 1}]), else
// the first. (A block mapping or list starts at its first item's line, one
// level deeper than the key that holds it, so only scalars count.)
func nodeAtLine(root *yaml.Node, line int, msg string) (path []any, isKey bool) {
	field := ""
	if m := fieldNotFoundRE.FindStringSubmatch(msg); m != nil {
		field = m[1]
	}
	found, best := false, false
	walk(root, nil, func(p []any, n *yaml.Node, key bool) bool {
		if n.Line != line || n.Kind != yaml.ScalarNode {
			return true
		}
		match := key && n.Value == field || !key && field == "" && mentions(msg, n.Value)
		if !found || match && !best {
			path, isKey, found, best = p, key, true, match
		}
		return !best
	})
	return path, isKey
}

// byValue returns the path of the scalar of the compiled file whose value
// msg quotes, or names as a word: the longest such value, in the base
// config before the generated parts, the last of equal ones (a duplicate
// is refused at its second writing).
func (l *amLocator) byValue(msg string) []any {
	var best []any
	bestLen, bestBase := 0, false
	walk(l.rendered, nil, func(path []any, n *yaml.Node, isKey bool) bool {
		if isKey || n.Kind != yaml.ScalarNode || len(n.Value) < 2 || !mentions(msg, n.Value) {
			return true
		}
		inBase := !l.generated(path)
		if len(n.Value) > bestLen || len(n.Value) == bestLen && (inBase || !bestBase) {
			best, bestLen, bestBase = path, len(n.Value), inBase
		}
		return true
	})
	return best
}

// mentions reports whether msg holds v quoted or as a whole word.
func mentions(msg, v string) bool {
	for _, q := range []string{strconv.Quote(v), "'" + v + "'", "`" + v + "`"} {
		if strings.Contains(msg, q) {
			return true
		}
	}
	for i := 0; ; {
		j := strings.Index(msg[i:], v)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(v)
		if (start == 0 || !wordByte(msg[start-1])) && (end == len(msg) || !wordByte(msg[end])) {
			return true
		}
		i = start + 1
	}
}

func wordByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c == '/' || c == ':' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// byRemoval finds the part of the base config that the loader refuses with
// msg by taking parts away: at each level, the first entry whose removal
// makes the config load, else the first whose removal changes the error,
// is where the problem is; it stops where no removal changes the error.
// The loader runs about once per entry on the way down.
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
			err := promx.AlertmanagerConfigProblem(l.encode())
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
			for i := range n.Content {
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
		return true
	case "inhibit_rules":
		i, ok := pathIndex(path, 1)
		return ok && i >= l.baseInhibits()
	case "receivers":
		return l.base == nil
	}
	return false
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

func mapValue(m *yaml.Node, key string) *yaml.Node {
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
		if p, ok := l.basePos(path, atKey); ok {
			return p
		}
		return fallback
	}
	switch path[0] {
	case "route":
		return routePos(r, path[1:])
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

// routePos maps a path below the compiled route to the routing spec: the
// root route to the default receiver, route i to team i, its route j to
// the team's severity j, and their time interval lists to where they are
// written.
func routePos(r *model.Routing, path []any) diag.Pos {
	i, ok := pathIndex(path, 1)
	if !ok || path[0] != "routes" || i >= len(r.Teams) {
		return r.DefaultReceiverPos
	}
	t := r.Teams[i]
	if len(path) < 4 || path[2] != "routes" {
		return t.Pos
	}
	j, ok := pathIndex(path, 3)
	if !ok || j >= len(t.Severities) {
		return t.Pos
	}
	sr := t.Severities[j]
	if len(path) > 4 {
		switch {
		case path[4] == "mute_time_intervals" && sr.MutePos.File != "":
			return sr.MutePos
		case path[4] == "active_time_intervals" && sr.ActivePos.File != "":
			return sr.ActivePos
		}
	}
	return sr.Pos
}

var alertnameRE = regexp.MustCompile(`^alertname="(.*)"$`)

// alertPos returns where the alert that a generated inhibit rule's first
// source matcher names is written; cause says the rule is the alert's own
// inhibits.
func alertPos(p *model.Project, matcher string, cause bool) (diag.Pos, bool) {
	m := alertnameRE.FindStringSubmatch(matcher)
	if m == nil {
		return diag.Pos{}, false
	}
	name, err := strconv.Unquote(`"` + m[1] + `"`)
	if err != nil {
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
