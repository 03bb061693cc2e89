package input

import (
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	slothk8s "github.com/slok/sloth/pkg/kubernetes/api/sloth/v1"
	slothprom "github.com/slok/sloth/pkg/prometheus/api/v1"
	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/validate"
)

// sloth reads Sloth's specs: the plain `version: prometheus/v1` file and
// the Kubernetes `sloth.slok.dev/v1` PrometheusServiceLevel. The field
// names come from Sloth's own spec types (snake_case in the plain file,
// camelCase in the Kubernetes one), so the two forms share one
// translation. See docs/input-sloth.md.
var sloth = Format{
	Name:      "Sloth",
	Documents: "Sloth version: prometheus/v1 or apiVersion: sloth.slok.dev/v1 kind: PrometheusServiceLevel",
	Reads: func(h Header) bool {
		return (h.APIVersion == "" && h.Version == slothprom.Version) ||
			(h.APIVersion == slothAPIVersion && h.Kind == "PrometheusServiceLevel")
	},
	LooksLike: func(h Header) bool {
		if strings.HasPrefix(h.APIVersion, "sloth.slok.dev/") || strings.HasPrefix(h.Version, "prometheus/") {
			return true
		}
		// A Sloth file without its version: an SLO with a Sloth SLI.
		slos := get(h.Root, "slos")
		if slos == nil || slos.Kind != yaml.SequenceNode {
			return false
		}
		for _, s := range slos.Content {
			sli := get(s, "sli")
			if get(sli, "events") != nil || get(sli, "raw") != nil || get(sli, "plugin") != nil {
				return true
			}
		}
		return false
	},
	Load: func(c *Ctx, docs []*yaml.Node) []*yaml.Node {
		var out []*yaml.Node
		var paths []string
		for _, d := range docs {
			if doc := c.slothDoc(d); doc != nil {
				path := "slos"
				if get(d, "apiVersion") != nil {
					path = "spec.slos"
				}
				out = append(out, doc)
				paths = append(paths, path)
			}
		}
		c.slothAlertNames(out, paths)
		return out
	},
}

// slothAlertNames renames the alerts whose name SLOs of other services of
// the file also use. Sloth tells such alerts apart by their sloth_service
// label; slo's alert names are unique in the project, so the import
// prefixes the service's name in PascalCase (MyServiceHighErrorRate of
// service checkout becomes CheckoutMyServiceHighErrorRate), with a warning
// at the name. Other names are kept as Sloth's users wrote them; two SLOs
// of one service with one name stay for lint/duplicate-alert to report.
func (c *Ctx) slothAlertNames(docs []*yaml.Node, paths []string) {
	type use struct {
		service string
		what    string
		name    *yaml.Node
	}
	var uses []use
	services := map[string]map[string]bool{} // alert name -> services
	for j, d := range docs {
		service := ""
		if s := get(d, "service"); s != nil && s.Kind == yaml.ScalarNode {
			service = s.Value
		}
		slos := get(d, "slos")
		if slos == nil {
			continue
		}
		for i, s := range slos.Content {
			n := get(get(s, "alerting"), "name")
			if n == nil || n.Kind != yaml.ScalarNode {
				continue
			}
			uses = append(uses, use{service, paths[j] + "[" + strconv.Itoa(i) + "].alerting.name", n})
			if services[n.Value] == nil {
				services[n.Value] = map[string]bool{}
			}
			services[n.Value][service] = true
		}
	}
	for _, u := range uses {
		n := len(services[u.name.Value])
		if n < 2 || u.service == "" {
			continue
		}
		renamed := pascal(u.service) + u.name.Value
		c.warnf(u.name, "input/unmapped", "%s: %s is the alert name of SLOs of %d services of this file, which Sloth tells apart by the sloth_service label; slo's alert names are unique, so the import names service %s's alert %s",
			u.what, quote(u.name.Value), n, quote(u.service), renamed)
		u.name.Value = renamed
		u.name.Style = 0
	}
}

// pascal writes a service name in PascalCase: my-service becomes MyService.
func pascal(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			if up {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

const slothAPIVersion = "sloth.slok.dev/v1"

// slothNames are the keys of one form of Sloth spec, read off Sloth's Go
// types by their field names.
type slothNames struct {
	spec, slo, sli, raw, events, plugin, alerting, alert []string
	key                                                  func(t reflect.Type, field string) string
	types                                                slothTypes
}

type slothTypes struct{ spec, slo, sli, raw, events, alerting, alert reflect.Type }

var (
	slothPlain = newSlothNames(slothTypes{
		reflect.TypeFor[slothprom.Spec](), reflect.TypeFor[slothprom.SLO](), reflect.TypeFor[slothprom.SLI](),
		reflect.TypeFor[slothprom.SLIRaw](), reflect.TypeFor[slothprom.SLIEvents](),
		reflect.TypeFor[slothprom.Alerting](), reflect.TypeFor[slothprom.Alert](),
	})
	slothK8s = newSlothNames(slothTypes{
		reflect.TypeFor[slothk8s.PrometheusServiceLevelSpec](), reflect.TypeFor[slothk8s.SLO](), reflect.TypeFor[slothk8s.SLI](),
		reflect.TypeFor[slothk8s.SLIRaw](), reflect.TypeFor[slothk8s.SLIEvents](),
		reflect.TypeFor[slothk8s.Alerting](), reflect.TypeFor[slothk8s.Alert](),
	})
)

func newSlothNames(t slothTypes) *slothNames {
	return &slothNames{
		spec: jsonKeys(t.spec), slo: jsonKeys(t.slo), sli: jsonKeys(t.sli), raw: jsonKeys(t.raw),
		events: jsonKeys(t.events), alerting: jsonKeys(t.alerting), alert: jsonKeys(t.alert),
		types: t,
	}
}

// jsonKeys are the JSON keys of struct type t, in declaration order.
func jsonKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if k := jsonKey(t.Field(i)); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

func jsonKey(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// key is the JSON key of Go field name of type t.
func key(t reflect.Type, name string) string {
	f, ok := t.FieldByName(name)
	if !ok {
		panic("input: Sloth type " + t.Name() + " has no field " + name)
	}
	return jsonKey(f)
}

// slothDoc translates one Sloth document into a slo/v1 service document.
func (c *Ctx) slothDoc(root *yaml.Node) *yaml.Node {
	names, body, what := slothPlain, root, ""
	if get(root, "apiVersion") != nil {
		names, what = slothK8s, "spec"
		top := c.fields(root, "the document", "apiVersion", "kind", "metadata", "spec", "status")
		if f, ok := top["metadata"]; ok {
			c.unmapped(f.key, "metadata", "Kubernetes object metadata; slo writes rule files, and where they are deployed is not part of its spec")
		}
		if f, ok := top["status"]; ok {
			c.unmapped(f.key, "status", "the controller's status")
		}
		f, ok := top["spec"]
		if !ok {
			c.errorf(root, "spec/required", "spec: missing; a PrometheusServiceLevel holds its SLOs in spec")
			return nil
		}
		body = f.val
	}
	t := names.types
	fs := c.fields(body, orDoc(what), names.spec...)
	if fs == nil {
		return nil
	}
	out := mapping(body)
	set(out, "version", nil, str("slo/v1", body))
	if f, ok := fs[key(t.spec, "Service")]; ok {
		set(out, "service", f.key, clone(f.val))
	}
	if f, ok := fs[key(t.spec, "Labels")]; ok {
		c.slothLabels(f, join(what, f.key.Value), out, true)
	}
	if f, ok := fs[key(t.spec, "SLOPlugins")]; ok {
		c.unmapped(f.key, join(what, f.key.Value), "Sloth's SLO plugins change Sloth's own rule generation; slo generates its rules itself")
		// Sloth's VictoriaMetrics validator marks a spec whose queries
		// are MetricsQL, which the PromQL errors alone would not say.
		if chain := get(f.val, "chain"); chain != nil {
			for i, p := range chain.Content {
				if id := get(p, "id"); id != nil && strings.Contains(id.Value, "victoria_metrics") {
					c.unsupported(id, join(what, f.key.Value)+".chain["+strconv.Itoa(i)+"].id", "this spec is for VictoriaMetrics: its queries are MetricsQL, which slo does not compile (slo's rules are PromQL, checked by the Prometheus engine); rewrite them in PromQL")
				}
			}
		}
	}
	// What Sloth passes an SLI plugin: the service and the spec's labels.
	scope := slothScope{labels: map[string]string{}}
	if f, ok := fs[key(t.spec, "Service")]; ok && f.val.Kind == yaml.ScalarNode {
		scope.service = f.val.Value
	}
	if f, ok := fs[key(t.spec, "Labels")]; ok && f.val.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(f.val.Content); i += 2 {
			scope.labels[f.val.Content[i].Value] = f.val.Content[i+1].Value
		}
	}
	if f, ok := fs[key(t.spec, "SLOs")]; ok {
		list := seq(f.val)
		if f.val.Kind != yaml.SequenceNode {
			c.errorf(f.val, "spec/type", "%s: expected a list, got %s", join(what, f.key.Value), describe(f.val))
		} else {
			for i, s := range f.val.Content {
				if slo := c.slothSLO(names, scope, resolve(s), join(what, f.key.Value)+"["+strconv.Itoa(i)+"]"); slo != nil {
					list.Content = append(list.Content, slo)
				}
			}
		}
		set(out, "slos", f.key, list)
	}
	return out
}

func orDoc(what string) string {
	if what == "" {
		return "the document"
	}
	return what
}

func join(what, field string) string {
	if what == "" {
		return field
	}
	return what + "." + field
}

// slothScope is what an SLO of a Sloth spec knows of the spec.
type slothScope struct {
	service string
	labels  map[string]string
}

func (c *Ctx) slothSLO(names *slothNames, scope slothScope, n *yaml.Node, what string) *yaml.Node {
	t := names.types
	fs := c.fields(n, what, names.slo...)
	if fs == nil {
		return nil
	}
	out := mapping(n)
	for _, f := range []struct{ from, to string }{{"Name", "name"}, {"Description", "description"}, {"Objective", "objective"}} {
		if v, ok := fs[key(t.slo, f.from)]; ok {
			set(out, f.to, v.key, clone(v.val))
		}
	}
	if v, ok := fs[key(t.slo, "Plugins")]; ok {
		c.unmapped(v.key, what+"."+v.key.Value, "Sloth's SLO plugins change Sloth's own rule generation; slo generates its rules itself")
	}
	if v, ok := fs[key(t.slo, "SLI")]; ok {
		var name string
		var objective float64
		if f, ok := fs[key(t.slo, "Name")]; ok {
			name = f.val.Value
		}
		if f, ok := fs[key(t.slo, "Objective")]; ok {
			objective, _ = strconv.ParseFloat(f.val.Value, 64)
		}
		sli := c.slothSLI(names, scope, name, objective, v.val, what+"."+v.key.Value)
		if sli == nil {
			return nil // reported; the SLO cannot be read without it
		}
		set(out, "sli", v.key, sli)
	} else {
		c.errorf(n, "spec/required", "%s.%s: missing", what, key(t.slo, "SLI"))
	}
	v, ok := fs[key(t.slo, "Alerting")]
	alerting := c.slothAlerting(names, v, ok, n, what)
	set(out, "alerting", keyOf(v, ok), alerting)
	if o, ok := fs[key(t.slo, "Objective")]; ok {
		// Sloth writes alerts that can never fire at a low objective (its
		// 14.4x page below 93.06%); slo refuses them (lint/burn-never-fires)
		// and keeps the pairs that can fire, as for Pyrra and OpenSLO.
		// The imported spec sets no period: slo's default, which is
		// Sloth's, 30 days.
		if obj, err := strconv.ParseFloat(o.val.Value, 64); err == nil && obj > 0 && obj < 100 {
			for _, alert := range []string{"page", "ticket"} {
				if b := get(alerting, alert); b != nil && get(b, "disabled") == nil {
					c.fit(b, alert, obj, validate.DefaultPeriod, o.val)
				}
			}
		}
	}
	if v, ok := fs[key(t.slo, "Labels")]; ok {
		c.slothLabels(v, what+"."+v.key.Value, out, false)
	}
	return out
}

// slothLabels copies Sloth's labels f into out's labels, less those slo
// sets itself, which slo/v1 refuses in labels (lint/label-collision) and
// Sloth specs often carry: a spec's team label becomes the service's team
// (when toTeam and it is a team name slo takes), which sets the same team
// label on every alert; the others are left out with a warning.
func (c *Ctx) slothLabels(f field, what string, out *yaml.Node, toTeam bool) {
	n := resolve(f.val)
	if n.Kind != yaml.MappingNode {
		set(out, "labels", f.key, clone(f.val)) // the decoder reports it
		return
	}
	kept := clone(n)
	kept.Content = nil
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch {
		case k.Value == "team" && toTeam && v.Kind == yaml.ScalarNode && validate.IsName(v.Value):
			set(out, "team", k, clone(v))
		case k.Value == "team":
			c.unmapped(k, what+".team", "slo sets the team label on every alert of a service from its team, a lower-case name such as platform; set team on the imported service")
		case slices.Contains(validate.GeneratedLabels, k.Value):
			c.unmapped(k, what+"."+k.Value, "slo sets the "+k.Value+" label on its rules itself (the service's name, the SLO's name, or critical, warning or info for severity)")
		default:
			kept.Content = append(kept.Content, clone(k), clone(v))
		}
	}
	if len(kept.Content) > 0 {
		set(out, "labels", f.key, kept)
	}
}

func keyOf(f field, ok bool) *yaml.Node {
	if !ok {
		return nil
	}
	return f.key
}

// windowRE matches Sloth's window template in a query: {{.window}}, as
// Go's text/template reads it, with spaces and trim markers.
var windowRE = regexp.MustCompile(`\{\{(?:-\s)?\s*\.window\s*(?:\s-)?\}\}`)

// windowed is Sloth query q with every window template replaced by a
// duration padded with spaces to the template's length, so that offsets
// into it, as package promx reports them, are offsets into q; windows
// are the templates' [start, end).
func windowed(q string) (text string, windows [][]int) {
	windows = windowRE.FindAllStringIndex(q, -1)
	var b strings.Builder
	last := 0
	for _, w := range windows {
		b.WriteString(q[last:w[0]])
		b.WriteString("5m")
		b.WriteString(strings.Repeat(" ", w[1]-w[0]-len("5m")))
		last = w[1]
	}
	b.WriteString(q[last:])
	return b.String(), windows
}

// overWindow reports whether m, a sum(rate(...)) of a query whose window
// templates are windows, is over Sloth's window: a template stands
// between the selector and the range's closing bracket. The selector,
// which is imported as written, has none: a template in a label value is
// Sloth's window there, not slo's.
func overWindow(m promx.SumRate, windows [][]int) bool {
	start, end := m.Sel[0], m.Sel[1]
	return slices.ContainsFunc(windows, func(t []int) bool { return t[0] >= end && t[1] <= m.RangeEnd }) &&
		!slices.ContainsFunc(windows, func(t []int) bool { return t[0] < end && t[1] > start })
}

// sameLabels reports whether two by clauses group by the same labels,
// in any order.
func sameLabels(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// eventsSumRate matches Sloth query q as a whole as
// sum(rate(<selector>[{{.window}}])) (see promx.SumRateOf).
func eventsSumRate(q string) (promx.SumRate, bool) {
	text, windows := windowed(q)
	m, ok := promx.SumRateOf(text)
	return m, ok && overWindow(m, windows)
}

// labelList is labels as a flow list standing where at stands.
func labelList(labels []string, at *yaml.Node) *yaml.Node {
	list := seq(at)
	list.Style = yaml.FlowStyle
	for _, l := range labels {
		list.Content = append(list.Content, str(l, at))
	}
	return list
}

func (c *Ctx) slothSLI(names *slothNames, scope slothScope, slo string, objective float64, n *yaml.Node, what string) *yaml.Node {
	t := names.types
	fs := c.fields(n, what, names.sli...)
	if fs == nil {
		return nil
	}
	out := mapping(n)
	if f, ok := fs[key(t.sli, "Plugin")]; ok {
		return c.slothPlugin(scope, slo, objective, f, what+"."+f.key.Value, out)
	}
	if f, ok := fs[key(t.sli, "Raw")]; ok {
		rs := c.fields(f.val, what+"."+f.key.Value, names.raw...)
		q, qok := rs[key(t.raw, "ErrorRatioQuery")]
		if !qok {
			if rs != nil {
				c.errorf(f.val, "spec/required", "%s.%s.%s: missing", what, f.key.Value, key(t.raw, "ErrorRatioQuery"))
			}
			return nil
		}
		set(out, "error_ratio", q.key, clone(q.val))
		return out
	}
	f, ok := fs[key(t.sli, "Events")]
	if !ok {
		c.errorf(n, "spec/one-of", "%s: give one of %s", what, strings.Join(names.sli, ", "))
		return nil
	}
	es := c.fields(f.val, what+"."+f.key.Value, names.events...)
	if es == nil {
		return nil
	}
	eq, eok := es[key(t.events, "ErrorQuery")]
	tq, tok := es[key(t.events, "TotalQuery")]
	for _, m := range []struct {
		ok   bool
		name string
	}{{eok, "ErrorQuery"}, {tok, "TotalQuery"}} {
		if !m.ok {
			c.errorf(f.val, "spec/required", "%s.%s.%s: missing", what, f.key.Value, key(t.events, m.name))
		}
	}
	if !eok || !tok {
		return nil
	}
	ev, _ := c.scalar(eq, what+"."+f.key.Value+"."+eq.key.Value)
	tv, _ := c.scalar(tq, what+"."+f.key.Value+"."+tq.key.Value)
	em, eok := eventsSumRate(ev)
	tm, tok := eventsSumRate(tv)
	if eok && tok && sameLabels(em.By, tm.By) {
		// Both are sums of one counter's rate: a ratio SLI, which slo
		// generates burn-rate scenarios for.
		r := mapping(f.val)
		set(r, "bad", eq.key, c.cut(eq.val, em.Sel[0], ev[em.Sel[0]:em.Sel[1]]))
		set(r, "total", tq.key, c.cut(tq.val, tm.Sel[0], tv[tm.Sel[0]:tm.Sel[1]]))
		if len(em.By) > 0 {
			set(r, "by", eq.key, labelList(em.By, eq.val))
		}
		set(out, "ratio", f.key, r)
		return out
	}
	if l := c.slothLatency(eq, tq, ev, tv); l != nil {
		set(out, "latency", f.key, l)
		return out
	}
	// Sloth's own error ratio of an events SLI. A query that does not
	// parse is reported in its own field: once the two are joined, the
	// parser's offsets past the first query no longer point into the file.
	bad := false
	for _, q := range []struct {
		f field
		v string
	}{{eq, ev}, {tq, tv}} {
		text, _ := windowed(q.v)
		for _, pe := range promx.CheckExpr(text) {
			c.errorAt(q.f.val, pe.Offset, "promql/syntax", "%s.%s.%s: %s", what, f.key.Value, q.f.key.Value, pe.Message)
			bad = true
		}
	}
	if bad {
		return nil
	}
	q := str("("+ev+")\n/\n("+tv+")", eq.val)
	q.Line, q.Column = eq.val.Line, eq.val.Column
	set(out, "error_ratio", eq.key, q)
	return out
}

// slothAlerting maps Sloth's alerting: an alert name, labels and
// annotations for both alerts, and a page and a ticket alert that can be
// disabled. Sloth's alerts have no `for`: they fire at once, and so do the
// imported ones.
func (c *Ctx) slothAlerting(names *slothNames, f field, present bool, slo *yaml.Node, what string) *yaml.Node {
	t := names.types
	at := slo
	if present {
		at = f.val
	}
	out := mapping(at)
	disabled := func() *yaml.Node {
		set(out, "disabled", nil, scalarOf("!!bool", "true", at))
		return out
	}
	if !present {
		return disabled()
	}
	what += "." + f.key.Value
	fs := c.fields(f.val, what, names.alerting...)
	if fs == nil {
		return disabled()
	}
	alerts := []struct {
		field, to, def string
	}{{"PageAlert", "page", "critical"}, {"TicketAlert", "ticket", "warning"}}
	var bodies []*yaml.Node
	enabled := 0
	for _, a := range alerts {
		body := c.slothAlert(names, fs[key(t.alerting, a.field)], what+"."+key(t.alerting, a.field), a.def, at)
		bodies = append(bodies, body)
		if get(body, "disabled") == nil {
			enabled++
		}
	}
	name, ok := fs[key(t.alerting, "Name")]
	if enabled == 0 || !ok {
		if enabled > 0 {
			// Sloth makes no alert without a name either.
			c.warnf(f.val, "input/unmapped", "%s.%s: missing, so Sloth generates no alerts; the imported SLO has none either", what, key(t.alerting, "Name"))
		}
		return disabled()
	}
	set(out, "name", name.key, clone(name.val))
	if l, ok := fs[key(t.alerting, "Labels")]; ok {
		c.slothLabels(l, what+"."+l.key.Value, out, false)
	}
	if a, ok := fs[key(t.alerting, "Annotations")]; ok {
		c.annotations(a, what+"."+a.key.Value, out)
	}
	for i, a := range alerts {
		set(out, a.to, nil, bodies[i])
	}
	return out
}

// annotations maps the annotations slo has fields for and warns about the
// rest.
func (c *Ctx) annotations(a field, what string, out *yaml.Node) {
	as := resolve(a.val)
	if as.Kind != yaml.MappingNode {
		c.errorf(as, "spec/type", "%s: expected a mapping, got %s", what, describe(as))
		return
	}
	for i := 0; i+1 < len(as.Content); i += 2 {
		k, v := as.Content[i], as.Content[i+1]
		switch k.Value {
		case "summary", "description":
			set(out, k.Value, k, clone(v))
		case "runbook_url", "runbook":
			set(out, "runbook_url", k, clone(v))
		default:
			c.unmapped(k, what+"."+k.Value, "slo's SLO alerts have the summary, description and runbook_url annotations only")
		}
	}
}

// slothAlert maps Sloth's page_alert or ticket_alert. A severity label
// that is one of slo's severities becomes the alert's severity; other
// labels and annotations have no per-alert place in slo/v1.
func (c *Ctx) slothAlert(names *slothNames, f field, what, def string, at *yaml.Node) *yaml.Node {
	t := names.types
	if f.val != nil {
		at = f.val
	}
	out := mapping(at)
	fs := c.fields(f.val, what, names.alert...)
	if d, ok := fs[key(t.alert, "Disable")]; ok && d.val.Value == "true" {
		set(out, "disabled", d.key, clone(d.val))
		return out
	}
	if l, ok := fs[key(t.alert, "Labels")]; ok && l.val.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(l.val.Content); i += 2 {
			k, v := l.val.Content[i], l.val.Content[i+1]
			if k.Value == "severity" {
				switch v.Value {
				case "critical", "warning", "info":
					set(out, "severity", k, clone(v))
				default:
					c.unmapped(k, what+".labels.severity", "slo sets the severity label itself, to critical, warning or info ("+def+" here); "+quote(v.Value)+" is not kept. Route on severity and team in slo's routing document")
				}
				continue
			}
			c.unmapped(k, what+".labels."+k.Value, "slo has no labels for the page or the ticket alert alone; put labels for both under alerting.labels, and route with slo's routing document")
		}
	}
	if a, ok := fs[key(t.alert, "Annotations")]; ok {
		c.unmapped(a.key, what+"."+a.key.Value, "slo has no annotations for the page or the ticket alert alone; give them under alerting")
	}
	// Sloth's burn-rate alerts have no `for`.
	set(out, "for", nil, str("0s", at))
	return out
}

// slothLatency maps an events SLI whose error query is count minus the
// bucket at a threshold, over the count, to slo's latency SLI: the error
// query is the count's sum(rate(...)) minus the bucket's, as Sloth's
// examples write it, with no on or ignoring.
func (c *Ctx) slothLatency(eq, tq field, ev, tv string) *yaml.Node {
	etext, windows := windowed(ev)
	cm, bm, ok := promx.SumRateDiff(etext)
	if !ok || !overWindow(cm, windows) || !overWindow(bm, windows) {
		return nil
	}
	tm, ok := eventsSumRate(tv)
	if !ok || !sameLabels(cm.By, bm.By) || !sameLabels(cm.By, tm.By) {
		return nil
	}
	count, bucket := ev[cm.Sel[0]:cm.Sel[1]], ev[bm.Sel[0]:bm.Sel[1]]
	total := tv[tm.Sel[0]:tm.Sel[1]]
	cn, cms, ok1 := splitSelector(count)
	tn, tms, ok2 := splitSelector(total)
	if !ok1 || !ok2 || cn != tn || strings.Join(cms, ",") != strings.Join(tms, ",") {
		return nil
	}
	hist, le, ok := histogramOf(bucket, count)
	if !ok {
		return nil
	}
	l := mapping(eq.val)
	set(l, "histogram", tq.key, c.cut(tq.val, tm.Sel[0], hist))
	set(l, "threshold", eq.key, number(le, eq.val))
	if len(tm.By) > 0 {
		set(l, "by", tq.key, labelList(tm.By, tq.val))
	}
	return l
}

// slothPlugin runs the SLI plugin that f names, as Sloth does, and writes
// the query it returns as the SLI's error_ratio: the import then holds the
// query, not the plugin. Without --sloth-plugins, or for an ID it did not
// load, the SLI is an error that says what to do.
func (c *Ctx) slothPlugin(scope slothScope, slo string, objective float64, f field, what string, out *yaml.Node) *yaml.Node {
	fs := c.fields(f.val, what, "id", "options")
	if fs == nil {
		return nil
	}
	idf, ok := fs["id"]
	if !ok {
		c.errorf(f.val, "spec/required", "%s.id: missing", what)
		return nil
	}
	id, ok := c.scalar(idf, what+".id")
	if !ok {
		return nil // reported
	}
	p := slothPluginsInUse()
	pl, ok := SlothPlugin{}, false
	if p != nil {
		pl, ok = p.byID[id]
	}
	if !ok {
		loaded := "slo was given no plugins: give --sloth-plugins DIR, the folder Sloth reads with --sli-plugins-path, to run it as Sloth does"
		if ids := p.IDs(); len(ids) > 0 {
			loaded = "--sloth-plugins loaded no plugin with this ID (it has " + strings.Join(quoteAll(ids), ", ") + ")"
		} else if p != nil {
			loaded = "--sloth-plugins loaded no SLI plugins"
		}
		c.unsupported(idf.val, what+".id", "Sloth SLI plugin "+quote(id)+" is Go code that Sloth runs to make the SLI's error ratio query; "+loaded+". Or replace plugin with raw: {error_ratio_query: <query>}, the query the plugin returns for these options: the expression of the slo:sli_error:ratio_rate5m record `sloth generate` writes for this SLO, with [5m] written [{{.window}}]")
		return nil
	}
	options := map[string]string{}
	if o, ok := fs["options"]; ok {
		if o.val.Kind != yaml.MappingNode {
			c.errorf(o.val, "spec/type", "%s.options: expected a mapping of strings, got %s", what, describe(o.val))
			return nil
		}
		for i := 0; i+1 < len(o.val.Content); i += 2 {
			k := o.val.Content[i].Value
			v, ok := c.scalar(field{o.val.Content[i], resolve(o.val.Content[i+1])}, what+".options."+k)
			if !ok {
				return nil // reported: Sloth's options are strings
			}
			options[k] = v
		}
	}
	q, err := pl.run(scope.service, slo, objective, scope.labels, options)
	if err != nil {
		c.errorf(idf.val, "input/plugin", "%s: Sloth SLI plugin %q (%s) failed: %v", what, id, pl.File, err)
		return nil
	}
	// The query is the plugin's; positions point at the plugin.
	set(out, "error_ratio", f.key, str(strings.TrimSpace(q), f.val))
	return out
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = quote(s)
	}
	return out
}
