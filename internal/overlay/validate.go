package overlay

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
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
	for _, p := range d.stepProblems(nil, true) {
		p.Severity = diag.Error
		diags = append(diags, p)
	}
	return diags
}

var registerPlugins sync.Once

// exportFields are the top-level fields of Grafana's "Export for sharing
// externally", which its import reads (the data sources and plugins the
// dashboard needs, its library panels). The SDK's dashboard model has no
// field for them, but they are Grafana's own, not a mistake; most public
// dashboards (dotdc's, ingress-nginx's) have them.
var exportFields = []string{"__inputs", "__elements", "__requires"}

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
	// The SDK names an unexpected field only in its message; the fields
	// are found again from the Go type that decodes the object the
	// error's path names. When they are as many as the errors at that
	// path, they are those errors, each at its key.
	atPath := map[string]int{}
	for _, e := range errs {
		atPath[e.Path]++
	}
	located := map[string]bool{}
	legacy := d.legacyPanels()
	var out []schemaProblem
	for _, e := range errs {
		path := displayPath(strings.TrimPrefix(e.Path, "dashboard"))
		if located[e.Path] || inPanel(path, legacy) {
			continue
		}
		if ms, ok := d.unexpectedMembers(e.Path); ok && len(ms) == atPath[e.Path] {
			located[e.Path] = true
			for _, m := range ms {
				if path == "the dashboard" && slices.Contains(exportFields, m.key) {
					continue
				}
				out = append(out, schemaProblem{path: path, msg: fmt.Sprintf("unexpected field '%s'", m.key), pos: d.pos(m.keyStart)})
			}
			continue
		}
		out = append(out, schemaProblem{path: path, msg: e.Message, pos: d.pathPos(e.Path)})
	}
	slices.SortFunc(out, func(a, b schemaProblem) int {
		if c := strings.Compare(a.path, b.path); c != 0 {
			return c
		}
		return strings.Compare(a.msg, b.msg)
	})
	return slices.CompactFunc(out, func(a, b schemaProblem) bool { return a.path == b.path && a.msg == b.msg })
}

// legacyPanels lists the display paths (panelAt.path) of the legacy
// (Angular) panels, legacyTypes. The SDK models only the current panel
// types, so it refuses every field of a graph or a singlestat (yaxes,
// seriesOverrides, the thresholds of its own), which Grafana reads when it
// migrates the panel: not findings about the dashboard. They were 1364 of
// the 1988 warnings on 21 public dashboards.
func (d *doc) legacyPanels() []string {
	var out []string
	for _, p := range d.panels() {
		typ, _ := p.v.get("type").str(d.src)
		if _, ok := legacyTypes[typ]; ok {
			out = append(out, p.path)
		}
	}
	return out
}

// inPanel reports whether the display path is in one of the panels.
func inPanel(path string, panels []string) bool {
	for _, p := range panels {
		if rest, ok := strings.CutPrefix(path, p); ok && (rest == "" || rest[0] == '.') {
			return true
		}
	}
	return false
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

// pathPos finds the value an SDK error path ("panels[2].Panel",
// "panels[0].fieldConfig.defaults.custom") points at, as deep as the path
// can be followed.
func (d *doc) pathPos(path string) diag.Pos {
	v := d.root
	for _, seg := range strings.Split(path, ".") {
		name, idx, ok := splitSegment(seg)
		if !ok {
			break
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
	return d.pos(v.start)
}

// splitSegment splits a path segment "panels[2]" into its name and index
// (-1 without one).
func splitSegment(seg string) (name string, idx int, ok bool) {
	i := strings.IndexByte(seg, '[')
	if i < 0 || !strings.HasSuffix(seg, "]") {
		return seg, -1, true
	}
	n, err := strconv.Atoi(seg[i+1 : len(seg)-1])
	if err != nil {
		return "", 0, false
	}
	return seg[:i], n, true
}

// unexpectedMembers returns the members of the object that an SDK error
// path ending in a type name ("panels[0].options.Options") names, that
// the Go type decoding it has no field for: the SDK's strict unmarshal
// refuses exactly those. ok is false when the path cannot be followed
// through the SDK's types.
func (d *doc) unexpectedMembers(path string) ([]member, bool) {
	v, t, ok := d.sdkObject(path)
	if !ok {
		return nil, false
	}
	var out []member
	for _, m := range v.members {
		if _, known := jsonField(t, m.key); !known {
			out = append(out, m)
		}
	}
	return out, true
}

// sdkObject follows path through the dashboard and the SDK's Go types to
// the JSON object it names and the struct type that decodes it, which
// the path's last segment names. Panel options, custom field config and
// queries are typed by the panel's plugin and data source, as the SDK
// types them (its registry of plugins).
func (d *doc) sdkObject(path string) (*value, reflect.Type, bool) {
	v, t := d.root, reflect.TypeFor[dashboard.Dashboard]()
	var panel *value
	segs := strings.Split(path, ".")
	for k, seg := range segs {
		name, idx, ok := splitSegment(seg)
		if !ok || v == nil {
			return nil, nil, false
		}
		if t == reflect.TypeFor[dashboard.PanelOrRowPanel]() {
			// A panel's own errors name Panel or RowPanel; those of its
			// parts name neither, and its type says which it is.
			typ, _ := v.get("type").str(d.src)
			t = reflect.TypeFor[dashboard.Panel]()
			if name == "RowPanel" || name != "Panel" && typ == "row" {
				t = reflect.TypeFor[dashboard.RowPanel]()
			}
		}
		if t.Kind() != reflect.Struct {
			return nil, nil, false
		}
		if k == len(segs)-1 && idx < 0 && name == t.Name() {
			return v, t, v.kind == '{'
		}
		f, ok := jsonField(t, name)
		if !ok {
			return nil, nil, false
		}
		ft := f.Type
		if v = v.get(name); v == nil {
			return nil, nil, false
		}
		if idx >= 0 {
			if v.kind != '[' || idx >= len(v.elems) || ft.Kind() != reflect.Slice {
				return nil, nil, false
			}
			v, ft = v.elems[idx], ft.Elem()
		}
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft == reflect.TypeFor[dashboard.Panel]() || ft == reflect.TypeFor[dashboard.RowPanel]() || ft == reflect.TypeFor[dashboard.PanelOrRowPanel]() {
			panel = v
		}
		if ft.Kind() == reflect.Interface {
			if ft = d.pluginType(name, v, panel); ft == nil {
				return nil, nil, false
			}
		}
		t = ft
	}
	return nil, nil, false
}

// pluginType returns the Go type the SDK decodes v, the field name of a
// panel, into: the options or custom field config of the panel's plugin,
// or a query of its data source; nil when the SDK has none.
func (d *doc) pluginType(name string, v, panel *value) reflect.Type {
	if panel == nil {
		return nil
	}
	raw := d.src[v.start:v.end]
	var val any
	var err error
	switch name {
	case "options", "custom":
		typ, _ := panel.get("type").str(d.src)
		cfg, found := cog.ConfigForPanelcfgVariant(typ)
		if !found {
			return nil
		}
		un := cfg.OptionsUnmarshaler
		if name == "custom" {
			un = cfg.FieldConfigUnmarshaler
		}
		if un == nil {
			return nil
		}
		val, err = un(raw)
	case "targets":
		hint, _ := panel.get("datasource").get("type").str(d.src)
		val, err = cog.UnmarshalDataquery(raw, hint)
	default:
		return nil
	}
	if err != nil || val == nil {
		return nil
	}
	t := reflect.TypeOf(val)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// jsonField returns the field of struct t that the JSON key name decodes
// into.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// schemaDiff compares the SDK's findings on the dashboard before (bd) and
// after (ad) the overlay: findings the overlay caused are errors; findings
// the input already had are warnings (slo does not change what it was not
// asked to), one each in the panels slo writes (written, as panelAt.path
// gives them), and elsewhere one for them all when there are several. The
// SDK's model is stricter than Grafana's loader: public dashboards have
// dozens such findings each (links without asDropdown, a variable's
// current without text: 624 on 21 public dashboards), which Grafana loads
// and slo does not touch. An unchanged dashboard (a second overlay, the
// stale check of an overlaid one) is the same doc, read by the SDK once.
func schemaDiff(bd, ad *doc, written []string) diag.List {
	var diags diag.List
	inProblems := schemaProblems(bd)
	outProblems := inProblems
	if ad != bd {
		outProblems = schemaProblems(ad)
	}
	old := map[string]bool{}
	for _, p := range inProblems {
		old[p.path+"\x00"+p.msg] = true
	}
	warn := func(p schemaProblem) {
		diags.Warnf(p.pos, "overlay/schema", "the Grafana SDK's dashboard model refuses %s: %s", p.path, p.msg)
	}
	var elsewhere []schemaProblem
	for _, p := range outProblems {
		switch {
		case !old[p.path+"\x00"+p.msg]:
			diags.Errorf(p.pos, "overlay/schema", "the overlay made the dashboard invalid for the Grafana SDK's dashboard model: %s: %s", p.path, p.msg)
		case inPanel(p.path, written):
			warn(p)
		default:
			elsewhere = append(elsewhere, p)
		}
	}
	switch len(elsewhere) {
	case 0:
	case 1:
		warn(elsewhere[0])
	default:
		first := slices.MinFunc(elsewhere, func(a, b schemaProblem) int {
			return cmp.Or(cmp.Compare(a.pos.Line, b.pos.Line), cmp.Compare(a.pos.Col, b.pos.Col))
		})
		diags.Warnf(first.pos, "overlay/schema", "the Grafana SDK's dashboard model refuses %d parts of the dashboard that slo does not change (the first: %s: %s); slo leaves them as they are", len(elsewhere), first.path, first.msg)
	}
	return diags
}

var knownModes = []string{"absolute", "percentage"}

// stepProblems checks the thresholds of every panel: a known mode, and
// steps that start at null and ascend. Problems in panels slo wrote are
// errors. In others they are warnings, and only those that Grafana does not
// repair when it loads the panel (its fixThresholds): it takes a missing
// mode (or a null or empty one) as absolute and the first step as from
// minus infinity whatever its value, so public dashboards that leave out the mode (kube-prometheus's
// mixins) or start at 0 (dotdc's) are not reported. strict reports those
// too, in every panel: the form slo writes.
func (d *doc) stepProblems(written map[*value]bool, strict bool) diag.List {
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
		repairs := !strict && !written[p.v] // Grafana repairs what it can
		m := th.get("mode")
		mode, _ := m.str(d.src)
		unset := m == nil || m.kind == '0' || m.kind == '"' && mode == "" // fixThresholds: !thresholds.mode
		if !slices.Contains(knownModes, mode) && !(repairs && unset) {
			report(th.start, "mode must be one of %s, got %s", strings.Join(knownModes, ", "), d.text(m))
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
				if val != nil && val.kind != '0' && !repairs {
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
