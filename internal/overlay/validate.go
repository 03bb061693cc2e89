package overlay

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/slo-compiler/slo/internal/diag"
)

// Validate checks a dashboard that slo writes: the Grafana SDK's strict
// unmarshal of the dashboard v1 model (with its panel and query plugins, so
// unknown fields in options, custom field config and Prometheus targets are
// found too) must accept it, and every panel's thresholds must have a known
// mode and ascending steps that start at null. Every finding is an error.
func Validate(name string, src []byte) diag.List {
	var diags diag.List
	d, err := parseDoc(name, src)
	if err != nil {
		diags.Errorf(jsonErrPos(name, err), "overlay/json", "%s is not valid JSON: %v", name, jsonErrMsg(err))
		return diags
	}
	for _, p := range schemaProblems(d) {
		diags.Errorf(p.pos, "overlay/schema", "the Grafana SDK's dashboard model refuses %s: %s", p.path, p.msg)
	}
	for _, p := range d.stepProblems(nil) {
		p.Severity = diag.Error
		diags = append(diags, p)
	}
	return diags
}

var registerPlugins sync.Once

// schemaProblem is one finding of the SDK's strict unmarshal.
type schemaProblem struct {
	path, msg string
	pos       diag.Pos
}

// schemaProblems runs the SDK's strict unmarshal on d. Its findings come
// from ranging over maps, so they are sorted; each is positioned at the
// deepest value its path reaches.
func schemaProblems(d *doc) []schemaProblem {
	registerPlugins.Do(plugins.RegisterDefaultPlugins)
	var dash dashboard.Dashboard
	err := dash.UnmarshalJSONStrict(d.src)
	var errs cog.BuildErrors
	if err == nil || (errors.As(err, &errs) && len(errs) == 0) {
		// The SDK returns an empty BuildErrors list, which is a non-nil
		// error, when it found nothing.
		return nil
	}
	if len(errs) == 0 {
		errs = cog.BuildErrors{{Path: "dashboard", Message: err.Error()}}
	}
	var out []schemaProblem
	for _, e := range errs {
		path := strings.TrimPrefix(e.Path, "dashboard")
		out = append(out, schemaProblem{path: displayPath(path), msg: e.Message, pos: d.pathPos(e.Path, e.Message)})
	}
	slices.SortFunc(out, func(a, b schemaProblem) int {
		if c := strings.Compare(a.path, b.path); c != 0 {
			return c
		}
		return strings.Compare(a.msg, b.msg)
	})
	return slices.CompactFunc(out, func(a, b schemaProblem) bool { return a.path == b.path && a.msg == b.msg })
}

// displayPath drops the SDK's type names (Dashboard, Panel) from a path.
func displayPath(p string) string {
	var keep []string
	for _, s := range strings.Split(p, ".") {
		if s == "" || s[0] >= 'A' && s[0] <= 'Z' {
			continue
		}
		keep = append(keep, s)
	}
	if len(keep) == 0 {
		return "the dashboard"
	}
	return strings.Join(keep, ".")
}

var unexpectedField = regexp.MustCompile(`^unexpected field '(.*)'$`)

// pathPos finds the value an SDK error path ("panels[2].Panel",
// "panels[0].fieldConfig.defaults.custom") points at, as deep as the path
// can be followed. For an unexpected field it is the field's key.
func (d *doc) pathPos(path, msg string) diag.Pos {
	v := d.root
	for _, seg := range strings.Split(path, ".") {
		name, idx := seg, -1
		if i := strings.IndexByte(seg, '['); i >= 0 && strings.HasSuffix(seg, "]") {
			name = seg[:i]
			n, err := strconv.Atoi(seg[i+1 : len(seg)-1])
			if err != nil {
				break
			}
			idx = n
		}
		next := v.get(name)
		if next == nil {
			continue // a type name such as "Panel": stay where we are
		}
		if idx >= 0 {
			if next.kind != '[' || idx >= len(next.elems) {
				break
			}
			next = next.elems[idx]
		}
		v = next
	}
	if m := unexpectedField.FindStringSubmatch(msg); m != nil {
		for _, mem := range v.members {
			if mem.key == m[1] {
				return d.pos(mem.keyStart)
			}
		}
	}
	return d.pos(v.start)
}

// schemaDiff compares the SDK's findings on the dashboard before and after
// the overlay: findings the overlay caused are errors, findings the input
// already had are warnings (slo does not change what it was not asked to).
func schemaDiff(name string, before, after []byte) diag.List {
	var diags diag.List
	bd, err1 := parseDoc(name, before)
	ad, err2 := parseDoc(name, after)
	if err1 != nil || err2 != nil {
		return nil
	}
	old := map[string]bool{}
	for _, p := range schemaProblems(bd) {
		old[p.path+"\x00"+p.msg] = true
	}
	for _, p := range schemaProblems(ad) {
		if old[p.path+"\x00"+p.msg] {
			diags.Warnf(p.pos, "overlay/schema", "the Grafana SDK's dashboard model refuses %s: %s", p.path, p.msg)
		} else {
			diags.Errorf(p.pos, "overlay/schema", "the overlay made the dashboard invalid for the Grafana SDK's dashboard model: %s: %s", p.path, p.msg)
		}
	}
	return diags
}

var knownModes = []string{"absolute", "percentage"}

// stepProblems checks the thresholds of every panel: a known mode, and
// steps that start at null and ascend. Problems in panels slo wrote are
// errors; in others, warnings.
func (d *doc) stepProblems(written map[*value]bool) diag.List {
	var diags diag.List
	for _, p := range d.panels() {
		th := p.v.get("fieldConfig").get("defaults").get("thresholds")
		if th == nil {
			continue
		}
		report := func(off int, format string, args ...any) {
			msg := fmt.Sprintf("%s: thresholds: ", p.path) + fmt.Sprintf(format, args...)
			if written[p.v] {
				diags.Errorf(d.pos(off), "overlay/thresholds", "%s", msg)
			} else {
				diags.Warnf(d.pos(off), "overlay/thresholds", "%s", msg)
			}
		}
		if th.kind != '{' {
			report(th.start, "expected an object")
			continue
		}
		if mode, ok := th.get("mode").str(d.src); !ok || !slices.Contains(knownModes, mode) {
			report(th.start, "mode must be one of %s, got %s", strings.Join(knownModes, ", "), d.text(th.get("mode")))
		}
		steps := th.get("steps")
		if steps == nil || steps.kind != '[' || len(steps.elems) == 0 {
			report(th.start, "steps must be a non-empty list")
			continue
		}
		var prev *float64
		for i, s := range steps.elems {
			val := s.get("value")
			if c, ok := s.get("color").str(d.src); !ok || c == "" {
				report(s.start, "steps[%d] has no color", i)
			}
			if i == 0 {
				if val != nil && val.kind != '0' {
					report(s.start, "the first step's value must be null, got %s", d.text(val))
				}
				continue
			}
			if val == nil || val.kind != 'n' {
				report(s.start, "steps[%d].value must be a number, got %s", i, d.text(val))
				continue
			}
			f, _ := strconv.ParseFloat(string(d.src[val.start:val.end]), 64)
			if prev != nil && f <= *prev {
				report(s.start, "steps must ascend, but steps[%d].value %s is not above %s", i, d.text(val), strconv.FormatFloat(*prev, 'f', -1, 64))
			}
			prev = &f
		}
	}
	return diags
}

// text is v's source text, or "nothing" when absent.
func (d *doc) text(v *value) string {
	if v == nil {
		return "nothing"
	}
	return string(d.src[v.start:v.end])
}
