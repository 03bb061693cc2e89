package overlay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/spec"
)

// ThresholdsStyle is the thresholdsStyle slo sets on panels that draw
// series (timeseries, trend, candlestick, barchart) when they have none, or
// have it "off": without it Grafana computes the colours but draws no line.
// A visible mode the dashboard already has is kept.
const ThresholdsStyle = "line+area"

// styleTypes are the panel types whose custom field config has
// thresholdsStyle.
var styleTypes = []string{"timeseries", "trend", "candlestick", "barchart"}

// thresholdTypes are the panel types that show fieldConfig thresholds.
var thresholdTypes = []string{
	"timeseries", "trend", "candlestick", "barchart", "stat", "gauge", "bargauge",
	"table", "state-timeline", "status-history", "xychart", "histogram", "geomap", "canvas",
}

// legacyTypes are the old (Angular) panel types that have thresholds of
// their own: where they keep them, and the panel type Grafana migrates them
// to. Writing fieldConfig thresholds into them would show nothing.
var legacyTypes = map[string]struct{ field, to string }{
	"graph":                    {"a thresholds list of its own", "timeseries"},
	"singlestat":               {"a thresholds string of its own", "stat"},
	"grafana-singlestat-panel": {"a thresholds string of its own", "stat"},
	"table-old":                {"its column styles", "table"},
}

var visibleStyles = []string{"line", "dashed", "area", "line+area", "dashed+area", "series"}

// doc is a dashboard's text and its parsed values.
type doc struct {
	name string
	src  []byte
	root *value
	unit string // indent unit of the document; "" when it is on one line
}

// panelAt is a panel object and where it sits: "panels[3]",
// "panels[4].panels[0]" (a collapsed row) or "rows[1].panels[2]".
type panelAt struct {
	v    *value
	path string
}

// target is a panel that gets thresholds, and what it gets.
type target struct {
	panel   panelAt
	marks   []Mark
	sources []Source
}

// Apply writes the thresholds of d into the dashboard JSON text src (read
// from the file name, which positions diagnostics). It returns the new text,
// in which only the thresholds and thresholdsStyle of the panels d names
// differ from src; applying the same d to the result returns it unchanged.
//
// Diagnostics: overlay/json (src is not JSON), overlay/panel-not-found and
// overlay/panel-ambiguous (errors at the spec's panel field),
// overlay/library-panel, overlay/legacy-graph and overlay/panel-type
// (warnings at the panel, which keeps its thresholds),
// overlay/thresholds-hidden (a warning at the panel's setting that keeps
// Grafana from showing the thresholds written), overlay/schema (the
// Grafana SDK's strict model refuses the dashboard: a warning when src
// already had the problem, an error when the overlay caused it) and
// overlay/thresholds (steps that are not ascending, do not start at null or
// have an unknown mode). The text is nil when src cannot be parsed.
func Apply(name string, src []byte, d *Dashboard) ([]byte, diag.List, error) {
	var diags diag.List
	dc, err := parseDoc(name, src)
	if err != nil {
		diags.Errorf(jsonErrPos(name, err), "overlay/json", "%s is not valid JSON: %v", name, jsonErrMsg(err))
		return nil, diags, nil
	}
	panels := dc.panels()
	var targets []*target
	byPanel := map[*value]*target{}
	for _, p := range d.Panels {
		matches := dc.match(panels, p.Ref)
		switch len(matches) {
		case 0:
			hint := dc.closestTitle(panels, p.Ref)
			for _, s := range p.Sources {
				diags.Errorf(s.Pos, "overlay/panel-not-found", "%s: dashboard %s (%s) has no panel with %s%s", s, d.UID, name, p.Ref, hint)
			}
			continue
		case 1:
		default:
			var cands []string
			for _, m := range matches {
				cands = append(cands, dc.describe(m))
			}
			for _, s := range p.Sources {
				diags.Errorf(s.Pos, "overlay/panel-ambiguous", "%s: %d panels of dashboard %s match %s: %s; name one by id", s, len(matches), d.UID, p.Ref, strings.Join(cands, ", "))
			}
			continue
		}
		m := matches[0]
		if !dc.usable(m, p, &diags) {
			continue
		}
		dc.hidden(m, p, &diags)
		t := byPanel[m.v]
		if t == nil {
			t = &target{panel: m}
			byPanel[m.v] = t
			targets = append(targets, t)
		}
		t.marks = append(t.marks, p.Marks...)
		t.sources = append(t.sources, p.Sources...)
	}
	var edits []edit
	for _, t := range targets {
		edits = append(edits, dc.panelEdits(t.panel.v, Merge(t.marks))...)
	}
	for i := range edits {
		// A dashboard saved on Windows ends its lines with CR LF; the lines
		// an edit adds end as the line it goes into does, so that a file
		// keeps one kind of line end (and one with both, each part its
		// own). The edits' text has no line ends of its own: strings in it
		// are escaped.
		if crlfAt(src, edits[i].start) {
			edits[i].text = strings.ReplaceAll(edits[i].text, "\n", "\r\n")
		}
	}
	out := splice(src, edits)

	written := map[*value]bool{}
	od := dc
	if len(edits) > 0 {
		od, err = parseDoc(name, out)
		if err != nil {
			return nil, diags, fmt.Errorf("overlay of %s produced invalid JSON: %w", name, err)
		}
		// Panels keep their order, so the i-th panel of out is the i-th of src.
		outPanels := od.panels()
		for i, p := range panels {
			if byPanel[p.v] != nil && i < len(outPanels) {
				written[outPanels[i].v] = true
			}
		}
	}
	var writtenPaths []string
	for _, t := range targets {
		writtenPaths = append(writtenPaths, t.panel.path)
	}
	diags = append(diags, od.stepProblems(written, false)...)
	diags = append(diags, schemaDiff(dc, od, writtenPaths)...)
	return out, diags, nil
}

func parseDoc(name string, src []byte) (*doc, error) {
	root, err := parseJSON(src)
	if err != nil {
		return nil, err
	}
	if root.kind != '{' {
		return nil, &syntaxError{Line: 1, Col: 1, Msg: "a dashboard is a JSON object"}
	}
	d := &doc{name: name, src: src, root: root}
	if len(root.members) > 0 {
		ws := string(src[root.start+1 : root.members[0].keyStart])
		if i := strings.LastIndexByte(ws, '\n'); i >= 0 {
			d.unit = ws[i+1:]
			if d.unit == "" {
				d.unit = "  "
			}
		}
	}
	return d, nil
}

func jsonErrPos(name string, err error) diag.Pos {
	var se *syntaxError
	if !errors.As(err, &se) {
		return diag.Pos{File: name}
	}
	return diag.Pos{File: name, Line: se.Line, Col: se.Col}
}

func jsonErrMsg(err error) string {
	var se *syntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	return se.Msg
}

func (d *doc) pos(off int) diag.Pos {
	line, col := lineCol(d.src, off)
	return diag.Pos{File: d.name, Line: line, Col: col}
}

// panels lists every panel of the dashboard in document order: top-level
// panels, the panels of collapsed rows (panels[].panels of a row panel) and
// the panels of the old rows[] schema. Row panels themselves are not listed.
func (d *doc) panels() []panelAt {
	var out []panelAt
	for i, p := range elems(d.root.get("panels")) {
		path := "panels[" + strconv.Itoa(i) + "]"
		if typ, _ := p.get("type").str(d.src); typ == "row" {
			for j, q := range elems(p.get("panels")) {
				if q.kind == '{' {
					out = append(out, panelAt{q, path + ".panels[" + strconv.Itoa(j) + "]"})
				}
			}
			continue
		}
		if p.kind == '{' {
			out = append(out, panelAt{p, path})
		}
	}
	for i, r := range elems(d.root.get("rows")) {
		for j, q := range elems(r.get("panels")) {
			if q.kind == '{' {
				out = append(out, panelAt{q, "rows[" + strconv.Itoa(i) + "].panels[" + strconv.Itoa(j) + "]"})
			}
		}
	}
	return out
}

func elems(v *value) []*value {
	if v == nil || v.kind != '[' {
		return nil
	}
	return v.elems
}

// match returns the panels ref names: by id, by title (or a library
// panel's name), or by a metric read in one of the panel's target exprs.
func (d *doc) match(panels []panelAt, ref Ref) []panelAt {
	var out []panelAt
	for _, p := range panels {
		if d.matches(p.v, ref) {
			out = append(out, p)
		}
	}
	return out
}

func (d *doc) matches(p *value, ref Ref) bool {
	switch {
	case ref.Title != "":
		if t, _ := p.get("title").str(d.src); t == ref.Title {
			return true
		}
		n, _ := p.get("libraryPanel").get("name").str(d.src)
		return n == ref.Title
	case ref.Metric != "":
		for _, t := range elems(p.get("targets")) {
			if e, ok := t.get("expr").str(d.src); ok && readsMetric(e, ref.Metric) {
				return true
			}
		}
		return false
	}
	id := p.get("id")
	if id == nil || id.kind != 'n' {
		return false
	}
	n, err := strconv.ParseFloat(string(d.src[id.start:id.end]), 64)
	return err == nil && n == float64(ref.ID)
}

// closestTitle is "; did you mean "X"?" for the panel title (or library
// panel name) nearest to a title ref that matched none, when it is near
// enough to be a typo, or "". Real dashboards have a hundred panels and
// more (Node Exporter Full: 180), whose titles differ from what one
// remembers by a letter's case ("CPU usage", "CPU Usage").
func (d *doc) closestTitle(panels []panelAt, ref Ref) string {
	if ref.Title == "" {
		return ""
	}
	var titles []string
	for _, p := range panels {
		for _, v := range []*value{p.v.get("title"), p.v.get("libraryPanel").get("name")} {
			if t, ok := v.str(d.src); ok && t != "" {
				titles = append(titles, t)
			}
		}
	}
	if best := spec.Closest(ref.Title, titles); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return ""
}

// readsMetric reports whether the PromQL text expr names metric as a whole
// identifier outside string literals.
func readsMetric(expr, metric string) bool {
	ident := func(c byte) bool {
		return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(expr) && expr[j] != c {
				if expr[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			i = j + 1
		case ident(c):
			j := i
			for j < len(expr) && ident(expr[j]) {
				j++
			}
			if expr[i:j] == metric {
				return true
			}
			i = j
		default:
			i++
		}
	}
	return false
}

func (d *doc) describe(p panelAt) string {
	var parts []string
	if id := p.v.get("id"); id != nil && id.kind == 'n' {
		parts = append(parts, "id "+string(d.src[id.start:id.end]))
	}
	if t, ok := p.v.get("title").str(d.src); ok {
		parts = append(parts, strconv.Quote(t))
	}
	return strings.Join(parts, " ") + " at " + d.pos(p.v.start).String()
}

// sources names the alerts and SLOs whose thresholds pn carries, each
// with its position: "shop alert X (specs/shop.yaml:9:12), ...".
func (pn *Panel) sources() string {
	var names []string
	for _, s := range pn.Sources {
		names = append(names, fmt.Sprintf("%s (%s)", s, s.Pos))
	}
	return strings.Join(names, ", ")
}

// usable reports whether the panel can show thresholds, and reports why not.
func (d *doc) usable(p panelAt, pn *Panel, diags *diag.List) bool {
	by := pn.sources()
	at := d.pos(p.v.start)
	if lp := p.v.get("libraryPanel"); lp != nil {
		uid, _ := lp.get("uid").str(d.src)
		diags.Warnf(at, "overlay/library-panel", "panel %s is library panel %q: its thresholds live in the library, not in this dashboard, so %s is not shown; set them in the library panel or name another panel", pn.Ref, uid, by)
		return false
	}
	typ, _ := p.v.get("type").str(d.src)
	if l, ok := legacyTypes[typ]; ok {
		diags.Warnf(at, "overlay/legacy-graph", "panel %s is a legacy %s panel, which keeps its thresholds in %s, not in fieldConfig, so %s is not shown; migrate it to %s", pn.Ref, typ, l.field, by, l.to)
		return false
	}
	if !slices.Contains(thresholdTypes, typ) {
		diags.Warnf(at, "overlay/panel-type", "panel %s is a %q panel, which does not show thresholds, so %s is not shown", pn.Ref, typ, by)
		return false
	}
	return true
}

// cellColours are the table cell types (custom.cellOptions.type, and the
// older custom.displayMode) that colour a cell by its field's colour.
var cellColours = []string{"color-text", "color-background", "color-background-solid", "gauge", "gradient-gauge", "lcd-gauge", "basic"}

// hidden warns (overlay/thresholds-hidden) when the panel's own settings
// keep Grafana from showing the thresholds slo writes into it: Grafana
// colours a stat's value, a bar gauge's bars, a table's cells and a state
// timeline's states by fieldConfig.defaults.color, which follows the
// thresholds only in mode "thresholds" (or with no color at all), and so
// does a gauge's ring of threshold markers (Grafana's
// getFormattedThresholds draws one band in the value's colour in any other
// mode). A stat with options.colorMode "none" leaves its value uncoloured
// but still colours its sparkline (BigValueLayout.renderChart), so it hides
// the thresholds only with options.graphMode "none" too. A table colours
// only cells of a colouring cell type. Time series get a thresholdsStyle
// instead (panelEdits). The thresholds are written all the same.
func (d *doc) hidden(p panelAt, pn *Panel, diags *diag.List) {
	typ, _ := p.v.get("type").str(d.src)
	by := pn.sources()
	warn := func(at *value, why, fix string) {
		diags.Warnf(d.pos(at.start), "overlay/thresholds-hidden", "panel %s: %s, so the thresholds of %s are in the panel but not shown; %s", pn.Ref, why, by, fix)
	}
	// An override's own thresholds win over the defaults for the fields
	// it matches (ingress-nginx's certificate table colours its one
	// coloured column so).
	overrides := elems(p.v.get("fieldConfig").get("overrides"))
	ownThresholds := func(o *value) *value {
		for _, prop := range elems(o.get("properties")) {
			if id, _ := prop.get("id").str(d.src); id == "thresholds" {
				return prop
			}
		}
		return nil
	}
	for i, o := range overrides {
		if prop := ownThresholds(o); prop != nil {
			m := o.get("matcher")
			id, _ := m.get("id").str(d.src)
			warn(prop, fmt.Sprintf("fieldConfig.overrides[%d] (%s %s) sets thresholds of its own, which Grafana shows for the fields it matches", i, id, d.text(m.get("options"))), "take them out of the override, or name another panel")
		}
	}
	defaults := p.v.get("fieldConfig").get("defaults")
	colour := defaults.get("color").get("mode")
	byColour := func() {
		if m, ok := colour.str(d.src); ok && m != "thresholds" {
			what := map[string]string{"stat": "the value", "bargauge": "the bars", "gauge": "the gauge", "table": "the cells", "state-timeline": "the states", "status-history": "the states"}[typ]
			warn(colour, fmt.Sprintf("fieldConfig.defaults.color.mode is %q, which colours %s instead of the thresholds", m, what), `set it to "thresholds"`)
		}
	}
	switch typ {
	case "stat":
		opts := p.v.get("options")
		m := opts.get("colorMode")
		cm, _ := m.str(d.src)
		gm, _ := opts.get("graphMode").str(d.src)
		if cm == "none" && gm == "none" {
			warn(m, `options.colorMode is "none" and options.graphMode "none", which colour nothing`, `set colorMode to "value" or "background"`)
			return
		}
		byColour()
	case "bargauge", "gauge", "state-timeline", "status-history":
		byColour()
	case "table":
		// colours: a custom.cellOptions object or a custom.displayMode
		// string (either may be nil) that colours cells.
		colours := func(cellOptions, displayMode *value) bool {
			t, _ := cellOptions.get("type").str(d.src)
			m, _ := displayMode.str(d.src)
			return slices.Contains(cellColours, t) || slices.Contains(cellColours, m)
		}
		if custom := defaults.get("custom"); colours(custom.get("cellOptions"), custom.get("displayMode")) {
			byColour()
			return
		}
		// An override may colour some columns: those show the thresholds,
		// unless it brings its own (warned about above).
		for _, o := range overrides {
			if ownThresholds(o) != nil {
				continue
			}
			for _, prop := range elems(o.get("properties")) {
				id, _ := prop.get("id").str(d.src)
				v := prop.get("value")
				if id == "custom.cellOptions" && colours(v, nil) || id == "custom.displayMode" && colours(nil, v) {
					return
				}
			}
		}
		at := defaults.get("custom").get("cellOptions").get("type")
		if at == nil {
			at = p.v
		}
		warn(at, "no cell of the table is coloured by these thresholds (neither fieldConfig.defaults.custom.cellOptions.type nor an override without thresholds of its own colours cells)", `set cellOptions.type to "color-text", "color-background" or "gauge"`)
	}
}

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

func splice(src []byte, edits []edit) []byte {
	if len(edits) == 0 {
		return bytes.Clone(src)
	}
	slices.SortFunc(edits, func(a, b edit) int { return a.start - b.start })
	var b bytes.Buffer
	last := 0
	for _, e := range edits {
		b.Write(src[last:e.start])
		b.WriteString(e.text)
		last = e.end
	}
	b.Write(src[last:])
	return b.Bytes()
}

// leaf is a value to set, unless keep says the existing value will do.
type leaf struct {
	v    any
	keep func(d *doc, existing *value) bool
}

func (d *doc) panelEdits(p *value, t Thresholds) []edit {
	defaults := obj{{"thresholds", leaf{thresholdsValue(t), func(d *doc, v *value) bool { return sameThresholds(d.src[v.start:v.end], t) }}}}
	if typ, _ := p.get("type").str(d.src); slices.Contains(styleTypes, typ) {
		style := leaf{obj{{"mode", ThresholdsStyle}}, func(d *doc, v *value) bool {
			m, _ := v.get("mode").str(d.src)
			return slices.Contains(visibleStyles, m)
		}}
		defaults = append(defaults, kv{"custom", obj{{"thresholdsStyle", style}}})
	}
	return d.patch(p, obj{{"fieldConfig", obj{{"defaults", defaults}}}}, false)
}

// patch returns the edits that make object o hold what patch says: nested
// objects are descended into, leaves are replaced unless kept, and missing
// keys are appended after o's last member. inline says o stands on one line
// of its parent, so that what is written into it stays on one line too.
func (d *doc) patch(o *value, patch obj, inline bool) []edit {
	inline = inline || d.unit == "" || (len(o.members) > 0 && !d.multiLine(o))
	var edits []edit
	var missing obj
	for _, m := range patch {
		cur := o.get(m.k)
		switch pv := m.v.(type) {
		case obj:
			switch {
			case cur == nil:
				missing = append(missing, kv{m.k, plain(pv)})
			case cur.kind == '{':
				edits = append(edits, d.patch(cur, pv, inline)...)
			default:
				edits = append(edits, edit{cur.start, cur.end, d.encode(plain(pv), inline, cur.start)})
			}
		case leaf:
			switch {
			case cur == nil:
				missing = append(missing, kv{m.k, plain(pv)})
			case !pv.keep(d, cur):
				edits = append(edits, edit{cur.start, cur.end, d.encode(plain(pv), inline, cur.start)})
			}
		}
	}
	if len(missing) > 0 {
		edits = append(edits, d.insert(o, missing, inline))
	}
	return edits
}

// plain strips leaves from a patch, leaving the values to write.
func plain(v any) any {
	switch v := v.(type) {
	case leaf:
		return plain(v.v)
	case obj:
		out := obj{}
		for _, m := range v {
			out = append(out, kv{m.k, plain(m.v)})
		}
		return out
	}
	return v
}

// multiLine reports whether object o puts its members on their own lines.
func (d *doc) multiLine(o *value) bool {
	if len(o.members) == 0 {
		return false
	}
	return bytes.ContainsRune(d.src[o.start+1:o.members[0].keyStart], '\n')
}

// spaced reports whether the document writes a space after ':' (looking at
// its first member).
func (d *doc) spaced() bool {
	if d.unit != "" {
		return true
	}
	if len(d.root.members) == 0 {
		return false
	}
	v := d.root.members[0].val.start
	return d.src[v-1] == ' ' || d.src[v-1] == '\t'
}

// encode renders v for the place at off: on one line when inline, else on
// several lines indented from the line at off.
func (d *doc) encode(v any, inline bool, off int) string {
	if inline {
		return style{spaced: d.spaced()}.encode(v, "")
	}
	return style{unit: d.unit}.encode(v, lineIndent(d.src, off))
}

// insert returns the edit that appends members to object o.
func (d *doc) insert(o *value, members obj, inline bool) edit {
	if len(o.members) == 0 {
		return edit{o.start, o.end, d.encode(members, inline, o.start)}
	}
	last := o.members[len(o.members)-1].val
	var b strings.Builder
	sp := d.spaced()
	for _, m := range members {
		if inline {
			b.WriteString(",")
			if sp {
				b.WriteString(" ")
			}
		} else {
			ws := string(d.src[o.start+1 : o.members[0].keyStart])
			b.WriteString(",\n" + ws[strings.LastIndexByte(ws, '\n')+1:])
		}
		writeString(&b, m.k)
		b.WriteString(":")
		if sp {
			b.WriteString(" ")
		}
		if inline {
			b.WriteString(style{spaced: sp}.encode(m.v, ""))
		} else {
			ws := string(d.src[o.start+1 : o.members[0].keyStart])
			b.WriteString(style{unit: d.unit}.encode(m.v, ws[strings.LastIndexByte(ws, '\n')+1:]))
		}
	}
	return edit{last.end, last.end, b.String()}
}

// crlfAt reports whether the line holding off ends with CR LF.
func crlfAt(src []byte, off int) bool {
	i := bytes.IndexByte(src[off:], '\n')
	return i >= 0 && off+i > 0 && src[off+i-1] == '\r'
}

// lineIndent returns the blanks that start the line holding off.
func lineIndent(src []byte, off int) string {
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	end := start
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	return string(src[start:end])
}

// sameThresholds reports whether the JSON text raw already says t.
func sameThresholds(raw []byte, t Thresholds) bool {
	var got struct {
		Mode  string `json:"mode"`
		Steps []struct {
			Color string   `json:"color"`
			Value *float64 `json:"value"`
		} `json:"steps"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil || got.Mode != t.Mode || len(got.Steps) != len(t.Steps) {
		return false
	}
	for i, s := range got.Steps {
		w := t.Steps[i]
		if s.Color != w.Color || (s.Value == nil) != (w.Value == nil) || (s.Value != nil && *s.Value != *w.Value) {
			return false
		}
	}
	return true
}
