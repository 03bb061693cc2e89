package app

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2" // the promtool runner's YAML module
	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/simulate"
	"github.com/slo-compiler/slo/internal/simulate/promtool"
	"github.com/slo-compiler/slo/internal/spec"
	"github.com/slo-compiler/slo/internal/yamlschema"
)

// promtoolFailures turns a failure of a promtool test file, at pos, or of
// its test group number group (-1: the file as a whole), into
// failures at the lines and columns they are about. When the file could
// not be loaded, it is read again with yaml.v3: a YAML syntax error is
// placed where the parser stopped, and the decoder's unknown or mistyped
// fields are found by walking the file against promtool's format
// (promtool.FileType, the runner's own types), each at its node; a value
// its own type refuses (a duration that does not parse) is placed at the
// value, in promtool's words, and so is an input series that does not
// parse, at the series or its values (group is the test group's index in
// the file's tests, -1 for the file), and a name group_eval_order
// repeats, at its second entry. Anything else (promtool's own failure
// reports, several lines by design) stays one failure at pos.
func promtoolFailures(pos diag.Pos, group int, f simulate.Failure) []scenario.Failure {
	whole := []scenario.Failure{{Pos: pos, Message: strings.TrimSpace(promtool.Format(f, "    "))}}
	if f.Kind != simulate.Load || pos.File == "" {
		return whole
	}
	src, err := os.ReadFile(pos.File)
	if err != nil {
		return whole
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		// The runner's failure is this syntax error only when its own
		// YAML module cannot read the file either.
		var v any
		if errors.Is(err, io.EOF) || yamlv2.Unmarshal(src, &v) == nil {
			return whole
		}
		d := spec.YAMLError(pos.File, src, dec, err)
		return []scenario.Failure{{Pos: d.Pos, Message: d.Message}}
	}
	if len(doc.Content) == 0 {
		return whole
	}
	root := doc.Content[0]
	// at is the whole failure placed at node n.
	at := func(n *yaml.Node) []scenario.Failure {
		p := pos
		p.Line, p.Col = n.Line, n.Column
		return []scenario.Failure{{Pos: p, Message: whole[0].Message}}
	}
	var rep *promtool.RepeatedGroupError
	if errors.As(f.Err, &rep) {
		if n := nodeAt(root, []any{"group_eval_order", rep.Index}); n != nil {
			return at(n)
		}
		return whole
	}
	var te *yamlv2.TypeError
	if !errors.As(f.Err, &te) {
		// A value its own type refuses (a duration that does not parse):
		// the file does not decode, so the failure is that, in promtool's
		// words, placed at the value.
		if path, n, ok := promtoolSchema.Refused(root, promtool.FileType); ok && len(path) > 0 {
			return at(n)
		}
		if n := seriesNode(root, group, f.Err); n != nil {
			return at(n)
		}
		return whole
	}
	var out []scenario.Failure
	for _, p := range promtoolSchema.Fields(root, promtool.FileType) {
		at := pos
		at.Line, at.Col = p.Node.Line, p.Node.Column
		out = append(out, scenario.Failure{Pos: at, Message: "yaml: " + p.Message})
	}
	if len(out) == 0 {
		return whole
	}
	return out
}

// seriesNode returns the node of the input series of test group g that
// err, promqltest's parse error of the load command it makes of them
// (promx.LoadParseError), is about: its series, or its values when the
// error lies past a series that parses. Nil if err is not such an error.
func seriesNode(root *yaml.Node, g int, err error) *yaml.Node {
	line, off, ok := promx.LoadParseError(err)
	if !ok || g < 0 || line < 1 {
		return nil
	}
	in := nodeAt(root, []any{"tests", g, "input_series"})
	if in == nil || in.Kind != yaml.SequenceNode {
		return nil
	}
	// The load command has a line "load <interval>", then a line
	// "<series> <values>" per input series, so a series whose text holds
	// line breaks (a block scalar) takes more than one.
	first := 1
	for _, s := range in.Content {
		series, values := mapValue(s, "series"), mapValue(s, "values")
		lines := 1
		if series != nil && values != nil {
			lines += strings.Count(series.Value+" "+values.Value, "\n")
		}
		if line >= first+lines {
			first += lines
			continue
		}
		switch {
		case series == nil:
			return s
		case values != nil && line > first+strings.Count(series.Value, "\n"):
			return values // A line of the values after their first.
		case line > first:
			return series
		}
		// Past the series, the error is in the values, unless the series
		// alone does not parse ('up{' fails at the value after it).
		if _, err := promx.ParseMetric(series.Value); err == nil && values != nil && off > len(series.Value) {
			return values
		}
		return series
	}
	return nil
}

var promtoolSchema = yamlschema.Checker{
	Decode: yamlschema.StrictDecode(yamlv2.UnmarshalStrict),
}

// promtoolRuleFileWarnings are the rule_files patterns of a promtool test
// file that match no file, one warning each at its entry in rule_files.
// promtool prints them as warnings and runs the tests without those
// rules, so a renamed rule file shows up as failures that name no cause.
func promtoolRuleFileWarnings(fr *promtool.FileResult) diag.List {
	if len(fr.Unmatched) == 0 {
		return nil
	}
	var root *yaml.Node
	if src, err := os.ReadFile(fr.File); err == nil {
		var doc yaml.Node
		if yaml.Unmarshal(src, &doc) == nil && len(doc.Content) > 0 {
			root = doc.Content[0]
		}
	}
	var out diag.List
	for k, i := range fr.Unmatched {
		pos := diag.Pos{File: fr.File}
		pattern := ""
		if k < len(fr.Warnings) {
			pattern = strings.TrimPrefix(strings.TrimSpace(fr.Warnings[k]), "WARNING: no file match pattern ")
		}
		if root != nil {
			if n := nodeAt(root, []any{"rule_files", i}); n != nil {
				pos.Line, pos.Col = n.Line, n.Column
				pattern = n.Value
			}
		}
		out.Warnf(pos, "promtool/no-rule-file", "rule_files: no file match pattern %s (paths are relative to the test file); its rules are left out, as promtool does", pattern)
	}
	return out
}
