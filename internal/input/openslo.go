package input

import (
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/spec"
)

// openSLO reads OpenSLO v1: SLO, SLI, AlertPolicy, AlertCondition,
// AlertNotificationTarget, Service (and DataSource, for the type of a
// metricSourceRef). SLOs refer to the other objects of the same file by
// name. SLOs of one spec.service become one slo/v1 service. What has no
// slo/v1 equivalent is a warning where it is written, or an error when the
// SLO cannot be read without it. See docs/input-openslo.md.
var openSLO = Format{
	Name:      "OpenSLO",
	Documents: "apiVersion: openslo/v1 or openslo.com/v1 (SLO, SLI, AlertPolicy, AlertCondition, AlertNotificationTarget, Service)",
	Reads: func(h Header) bool {
		return (h.APIVersion == openSLOAPIVersion || h.APIVersion == openSLOK8sAPIVersion) && openSLOKinds[h.Kind]
	},
	LooksLike: func(h Header) bool {
		return strings.HasPrefix(h.APIVersion, "openslo/") || strings.HasPrefix(h.APIVersion, "openslo.com/")
	},
	Load: func(c *Ctx, docs []*yaml.Node) []*yaml.Node { return c.openSLO(docs) },
}

const openSLOAPIVersion = "openslo/v1"

// openSLOK8sAPIVersion is OpenSLO v1 as Kubernetes custom resources, the
// API group its operators (oskoperator/osko) register: the same objects,
// with a metadata.namespace.
const openSLOK8sAPIVersion = "openslo.com/v1"

var openSLOKinds = map[string]bool{
	"SLO": true, "SLI": true, "AlertPolicy": true, "AlertCondition": true,
	"AlertNotificationTarget": true, "Service": true, "DataSource": true,
}

// oObject is an OpenSLO object: its kind, name and spec.
type oObject struct {
	kind, name string
	root       *yaml.Node
	meta, spec field
}

type oslo struct {
	*Ctx
	byName map[string]*oObject // kind + "/" + name
	used   map[*oObject]bool
}

var metadataKeys = []string{"name", "displayName", "labels", "annotations", "namespace"}

// object reads the envelope of an OpenSLO object (inline or a document).
func (o *oslo) object(n *yaml.Node, what string) *oObject {
	fs := o.fields(n, what, "apiVersion", "kind", "metadata", "spec")
	if fs == nil {
		return nil
	}
	obj := &oObject{root: n, kind: nodeValue(get(n, "kind"))}
	meta, ok := fs["metadata"]
	if !ok {
		o.errorf(n, "spec/required", "%s.metadata: missing", what)
		return nil
	}
	ms := o.fields(meta.val, what+".metadata", metadataKeys...)
	name, ok := ms["name"]
	if !ok {
		o.errorf(meta.val, "spec/required", "%s.metadata.name: missing", what)
		return nil
	}
	obj.name, obj.meta = name.val.Value, meta
	if f, ok := ms["namespace"]; ok {
		o.unmapped(f.key, what+" metadata.namespace", "where rules are deployed is not part of an slo/v1 spec")
	}
	for _, k := range []string{"displayName", "labels", "annotations"} {
		if f, ok := ms[k]; ok {
			o.unmapped(f.key, what+" metadata."+k, "slo has no display names, and no labels or annotations on an object; give rule labels in an SLO's labels")
		}
	}
	obj.spec, ok = fs["spec"]
	if !ok {
		o.errorf(n, "spec/required", "%s.spec: missing", what)
		return nil
	}
	return obj
}

// nodeValue is n's value, or "" for nil.
func nodeValue(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return n.Value
}

func (c *Ctx) openSLO(docs []*yaml.Node) []*yaml.Node {
	o := &oslo{Ctx: c, byName: map[string]*oObject{}, used: map[*oObject]bool{}}
	var objs []*oObject
	for _, d := range docs {
		obj := o.object(d, nodeValue(get(d, "kind")))
		if obj == nil {
			continue
		}
		k := obj.kind + "/" + obj.name
		if prev, dup := o.byName[k]; dup {
			o.errorf(obj.meta.val, "spec/duplicate-field", "%s %q is defined twice; first at line %d", obj.kind, obj.name, prev.root.Line)
			continue
		}
		o.byName[k] = obj
		objs = append(objs, obj)
	}
	var services []*yaml.Node
	byService := map[string]*yaml.Node{}
	for _, obj := range objs {
		if obj.kind != "SLO" {
			continue
		}
		svcName, slos := o.slo(obj)
		if len(slos) == 0 {
			continue
		}
		svc := byService[svcName.Value]
		if svc == nil {
			svc = mapping(obj.root)
			set(svc, "version", nil, str("slo/v1", obj.root))
			set(svc, "service", nil, clone(svcName))
			set(svc, "slos", nil, seq(obj.root))
			byService[svcName.Value] = svc
			services = append(services, svc)
		}
		list := get(svc, "slos")
		list.Content = append(list.Content, slos...)
	}
	// Every object no SLO used is said, not dropped.
	for _, obj := range objs {
		if obj.kind == "SLO" || o.used[obj] {
			continue
		}
		why := "no SLO of this file refers to it"
		switch obj.kind {
		case "Service":
			if byService[obj.name] != nil {
				why = "slo's service has no description; its SLOs are imported"
				if d := get(obj.spec.val, "description"); d == nil {
					continue
				}
			}
		case "AlertNotificationTarget":
			why = "where alerts go is slo's routing document (teams and severities)"
		}
		o.unmapped(obj.meta.key, obj.kind+" "+quote(obj.name), why)
	}
	return services
}

// ref returns the object of kind named by ref field f, or nil after an
// input/reference error.
func (o *oslo) ref(kind string, f field) *oObject {
	obj := o.find(kind, f.val.Value)
	if obj == nil {
		o.errorf(f.val, "input/reference", "%s: no %s named %q in this file", f.key.Value, kind, f.val.Value)
	}
	return obj
}

// find is the file's object of kind named name, marked used; nil, and no
// diagnostic, when the file holds none.
func (o *oslo) find(kind, name string) *oObject {
	obj := o.byName[kind+"/"+name]
	if obj != nil {
		o.used[obj] = true
	}
	return obj
}

// inline reads an inline object (an SLO's indicator, a policy's
// condition), whose envelope is metadata and spec.
func (o *oslo) inline(f field, kind, what string) *oObject {
	fs := o.fields(f.val, what, "apiVersion", "kind", "metadata", "spec")
	if fs == nil {
		return nil
	}
	meta, mok := fs["metadata"]
	spec, sok := fs["spec"]
	if !sok {
		o.errorf(f.val, "spec/required", "%s.spec: missing", what)
		return nil
	}
	obj := &oObject{kind: kind, root: f.val, spec: spec}
	if mok {
		ms := o.fields(meta.val, what+".metadata", metadataKeys...)
		obj.name = nodeValue(ms["name"].val)
		for _, k := range []string{"displayName", "labels", "annotations"} {
			if m, ok := ms[k]; ok {
				o.unmapped(m.key, what+".metadata."+k, "slo has no display names, and no labels or annotations on an SLI or alert condition")
			}
		}
	}
	return obj
}

// slo reads an SLO: one slo/v1 SLO per objective. An SLO of several
// objectives becomes several SLOs named NAME-0, NAME-1, ..., as Sloth
// names those of an OpenSLO v1alpha SLO.
func (o *oslo) slo(obj *oObject) (service *yaml.Node, out []*yaml.Node) {
	n := 1
	if sp := obj.spec.val; sp != nil && sp.Kind == yaml.MappingNode {
		if objs := get(sp, "objectives"); objs != nil && objs.Kind == yaml.SequenceNode && len(objs.Content) > 1 {
			n = len(objs.Content)
		}
	}
	for i := range n {
		svc, slo := o.objective(obj, i, n)
		if slo != nil {
			service, out = svc, append(out, slo)
		}
	}
	return service, out
}

// objective reads objective i of the n of an SLO as one slo/v1 SLO.
// Diagnostics about the rest of the SLO come once per objective and are
// made one by diag.List.Sorted, which drops exact duplicates.
func (o *oslo) objective(obj *oObject, i, n int) (service *yaml.Node, out *yaml.Node) {
	what := "SLO " + quote(obj.name)
	fs := o.fields(obj.spec.val, "spec", "description", "service", "indicator", "indicatorRef", "timeWindow", "budgetingMethod", "objectives", "alertPolicies")
	if fs == nil {
		return nil, nil
	}
	out = mapping(obj.root)
	name := obj.name
	if n > 1 {
		name += "-" + strconv.Itoa(i)
	}
	set(out, "name", obj.meta.key, str(name, get(obj.meta.val, "name")))
	if d, ok := fs["description"]; ok {
		set(out, "description", d.key, clone(d.val))
	}
	svc, ok := fs["service"]
	if !ok {
		o.errorf(obj.spec.val, "spec/required", "%s: spec.service: missing; slo groups SLOs by service", what)
		return nil, nil
	}
	if s := o.find("Service", svc.val.Value); s != nil {
		if d := get(s.spec.val, "description"); d != nil {
			o.unmapped(d, "Service "+quote(s.name)+" spec.description", "slo's service has no description")
		}
	}
	var sli *oObject
	if f, ok := fs["indicator"]; ok {
		sli = o.inline(f, "SLI", "spec.indicator")
	} else if f, ok := fs["indicatorRef"]; ok {
		sli = o.ref("SLI", f)
	} else {
		o.errorf(obj.spec.val, "spec/required", "spec: give indicator or indicatorRef")
	}
	if sli == nil {
		return nil, nil
	}
	// The objective.
	objs, ok := fs["objectives"]
	if !ok || objs.val.Kind != yaml.SequenceNode || len(objs.val.Content) == 0 {
		o.errorf(obj.spec.val, "spec/required", "spec.objectives: expected a list of objectives")
		return nil, nil
	}
	obw := "spec.objectives[" + strconv.Itoa(i) + "]"
	first := resolve(objs.val.Content[i])
	os := o.fields(first, obw, "displayName", "op", "value", "target", "targetPercent", "timeSliceTarget", "timeSliceWindow", "indicator", "indicatorRef", "compositeWeight")
	switch {
	case os["target"].val != nil:
		t := os["target"]
		p, err := percent(t.val.Value)
		if err != nil {
			o.errorf(t.val, "spec/type", obw+".target: expected a number in [0, 1), got %s", describe(t.val))
			return nil, nil
		}
		set(out, "objective", t.key, number(p, t.val))
	case os["targetPercent"].val != nil:
		t := os["targetPercent"]
		set(out, "objective", t.key, clone(t.val))
	default:
		o.errorf(first, "spec/required", "%s: give target or targetPercent", obw)
		return nil, nil
	}
	// A threshold SLI is good where its query compares with the
	// objective's value by op.
	var thr *threshold
	threshold := get(sli.spec.val, "thresholdMetric") != nil
	if threshold {
		thr = o.threshold(first, obw, os)
		if thr == nil {
			return nil, nil
		}
	} else if op, ok := os["op"]; ok && os["value"].val == nil && op.val.Value != "gt" && op.val.Value != "gte" {
		o.unsupported(op.val, obw+".op", "a ratio objective holds when the good ratio is above the target (gt or gte), got "+quote(op.val.Value))
	}
	for _, k := range []string{"value", "indicator", "indicatorRef", "compositeWeight"} {
		if k == "value" && threshold {
			continue
		}
		if f, ok := os[k]; ok {
			o.unsupported(f.key, obw+"."+k, "threshold objectives and composite SLOs have no slo/v1 equivalent; an slo/v1 SLO is an objective on a ratio of events")
		}
	}
	if f, ok := os["displayName"]; ok {
		o.unmapped(f.key, obw+".displayName", "slo has no display names")
	}
	for _, k := range []string{"timeSliceTarget", "timeSliceWindow"} {
		if f, ok := os[k]; ok {
			o.unmapped(f.key, obw+"."+k, "slo budgets by events: the SLO counts good events over all events, with no time slices")
		}
	}
	if b, ok := fs["budgetingMethod"]; ok && b.val.Value != "Occurrences" {
		o.unmapped(b.val, "spec.budgetingMethod", quote(b.val.Value)+" is imported as Occurrences: slo's error budget is the share of bad events in the period")
	}
	var period *yaml.Node
	if tw, ok := fs["timeWindow"]; ok {
		period = o.timeWindow(tw)
		if period != nil {
			set(out, "period", tw.key, period)
		}
	}
	// The SLI.
	sliNode := o.indicator(sli, thr)
	if sliNode == nil {
		return nil, nil
	}
	set(out, "sli", nil, sliNode)
	// The alerts.
	// An empty alertPolicies (OpenSLO's examples write the key alone) is
	// no alert policy, as when it is absent.
	if ap, ok := fs["alertPolicies"]; ok && ap.val.Tag != "!!null" {
		if a := o.alertPolicies(ap); a != nil {
			set(out, "alerting", ap.key, a)
		}
	}
	if obj, err := strconv.ParseFloat(nodeValue(get(out, "objective")), 64); err == nil && obj > 0 && obj < 100 {
		o.fireable(out, obj, periodOf(period), get(out, "objective"), get(out, "alerting"))
	}
	return svc.val, out
}

// percent shifts a target written as a fraction ("0.995") to a
// percentage ("99.5") in its decimal digits, so that no float rounding
// shows in the import.
func percent(s string) (string, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f >= 1 {
		return "", strconv.ErrSyntax
	}
	whole, frac, _ := strings.Cut(s, ".")
	frac += "00"
	p := strings.TrimLeft(whole+frac[:2], "0")
	if rest := strings.TrimRight(frac[2:], "0"); rest != "" {
		p += "." + rest
	}
	if p == "" || p[0] == '.' {
		p = "0" + p
	}
	return p, nil
}

func (o *oslo) timeWindow(tw field) *yaml.Node {
	if tw.val.Kind != yaml.SequenceNode || len(tw.val.Content) != 1 {
		o.errorf(tw.val, "spec/type", "spec.timeWindow: expected a list of exactly one time window")
		return nil
	}
	ws := o.fields(tw.val.Content[0], "spec.timeWindow[0]", "duration", "isRolling", "calendar")
	d, ok := ws["duration"]
	if !ok {
		return nil
	}
	if c, ok := ws["calendar"]; ok {
		o.unmapped(c.key, "spec.timeWindow[0].calendar", "slo's periods are rolling: the imported SLO looks back "+d.val.Value+" from now")
	}
	if r, ok := ws["isRolling"]; ok && r.val.Value == "false" && ws["calendar"].val == nil {
		o.unmapped(r.key, "spec.timeWindow[0].isRolling", "slo's periods are rolling")
	}
	return clone(d.val)
}

// query returns the Prometheus query of a metricSource (inside good, bad,
// total or raw).
func (o *oslo) query(f field, what string) *yaml.Node {
	ms := o.fields(f.val, what, "metricSource")
	src, ok := ms["metricSource"]
	if !ok {
		if ms != nil {
			o.errorf(f.val, "spec/required", "%s.metricSource: missing", what)
		}
		return nil
	}
	what += ".metricSource"
	ss := o.fields(src.val, what, "metricSourceRef", "type", "spec")
	typ := nodeValue(ss["type"].val)
	at := ss["type"].val
	var elsewhere *yaml.Node // a metricSourceRef to a DataSource the file does not hold
	if r, ok := ss["metricSourceRef"]; ok && typ == "" {
		if ds := o.find("DataSource", r.val.Value); ds != nil {
			typ, at = nodeValue(get(ds.spec.val, "type")), get(ds.spec.val, "type")
		} else {
			// OpenSLO's Kubernetes operators (oskoperator/osko) keep
			// data sources as objects of their own: its type is unknown.
			elsewhere, at = r.val, r.val
		}
	}
	if at == nil {
		at = src.val
	}
	prometheus := strings.EqualFold(typ, "Prometheus")
	spec, ok := ss["spec"]
	if !ok {
		if !prometheus {
			o.unsupported(at, what+".type", "slo compiles to Prometheus rules and reads Prometheus queries only, got type "+quote(typ)+" and no spec.query")
			return nil
		}
		o.errorf(src.val, "spec/required", "%s.spec: missing", what)
		return nil
	}
	key := "query"
	q := get(spec.val, key)
	if q == nil && !prometheus {
		key = "promql"
		q = get(spec.val, key)
	}
	if q == nil {
		if !prometheus {
			o.unsupported(at, what+".type", "slo compiles to Prometheus rules and reads Prometheus queries only, got type "+quote(typ)+" and no spec.query")
			return nil
		}
		o.errorf(spec.val, "spec/required", "%s.spec.query: missing", what)
		return nil
	}
	if elsewhere != nil {
		if _, errs := promx.ParseExpr(q.Value); q.Kind != yaml.ScalarNode || len(errs) > 0 {
			o.errorf(elsewhere, "input/reference", "metricSourceRef: no DataSource named %q in this file, and spec.%s is not PromQL: slo reads Prometheus queries only", elsewhere.Value, key)
			return nil
		}
		o.warnf(elsewhere, "input/unmapped", "%s.metricSourceRef: no DataSource named %q in this file; slo reads spec.%s %s as a Prometheus query", what, elsewhere.Value, key, quote(q.Value))
	} else if !prometheus {
		// OpenSLO's own examples write type: Any. A query that is PromQL is
		// read as a Prometheus query, and said so; anything else is not.
		if _, errs := promx.ParseExpr(q.Value); q.Kind != yaml.ScalarNode || len(errs) > 0 {
			o.unsupported(at, what+".type", "slo compiles to Prometheus rules and reads Prometheus queries only, got type "+quote(typ)+" with a spec."+key+" that is not PromQL")
			return nil
		}
		o.warnf(at, "input/unmapped", "%s.type: %s is not Prometheus; slo reads spec.%s %s as a Prometheus query", what, quote(typ), key, quote(q.Value))
	}
	for i := 0; i+1 < len(spec.val.Content); i += 2 {
		if k := spec.val.Content[i]; k.Value != key {
			o.unmapped(k, what+".spec."+k.Value, "slo reads the query only")
		}
	}
	return q
}

// selectorOf returns the selector of a Prometheus counter query written
// as a selector or as sum(selector), with its offset in the query.
func selectorOf(q string) (sel string, off int, ok bool) {
	t := strings.TrimSpace(q)
	off = strings.Index(q, t)
	if strings.HasPrefix(t, "sum(") && strings.HasSuffix(t, ")") {
		off += 4
		t = t[4 : len(t)-1]
	}
	if name, _, ok := splitSelector(t); !ok || name == "" || strings.ContainsAny(name, "()[] ") {
		return "", 0, false
	}
	return t, off + strings.Index(q[off:], t), true
}

// gaugeRatio maps a ratioMetric with counter: false, whose queries are
// gauges: the error ratio over a window is 1 - sum(good) / sum(total)
// (or sum(bad) / sum(total)), each the sum of the query's values at
// every rule evaluation in the window. Each side is summed over its
// series, as slo's ratio SLIs are, so that a total of vector(1) divides
// a good query with labels.
func (o *oslo) gaugeRatio(r field, rs map[string]field, raw map[string]field, out *yaml.Node) *yaml.Node {
	total, ok := raw["total"]
	if !ok {
		o.errorf(r.val, "spec/required", "ratioMetric.total: missing; a ratio of gauges needs good or bad, and total")
		return nil
	}
	sum := func(q string) string { return "sum(sum_over_time((" + q + ")[{{.window}}:]))" }
	var expr string
	var at field
	if g, ok := raw["good"]; ok {
		expr, at = "1 - ("+sum(g.val.Value)+" / "+sum(total.val.Value)+")", g
	} else if b, ok := raw["bad"]; ok {
		expr, at = sum(b.val.Value)+" / "+sum(total.val.Value), b
	} else {
		o.errorf(r.val, "spec/required", "ratioMetric: give good or bad, and total")
		return nil
	}
	o.warnf(rs["counter"].key, "input/unmapped", "ratioMetric.counter: false: the queries are gauges; slo sums each one's values at every rule evaluation in the window (a subquery), not the data source's own data points, and the error ratio is the share of %s in that sum", map[bool]string{true: "1 - good", false: "bad"}[at.key.Value == "good"])
	set(out, "error_ratio", at.key, str(expr, at.val))
	return out
}

// counterQuery is a ratioMetric query read as a counter: sel, at offset
// off in the query q of field f.
type counterQuery struct {
	f     field
	q     *yaml.Node
	sel   string
	off   int
	rated string // the range, "[5m]", of sum(rate(sel[5m])); "" for a selector
	// minus and minusRange are the counter subtracted in good written as
	// sum(rate(total[5m])) - sum(rate(bad[5m])), and its range.
	minus      *counterQuery
	minusRange string
}

// ranges says the ranges "[5m]" of a difference of two rates: "5m", or
// "5m and 1m" where they differ.
func ranges(a, b string) string {
	a, b = strings.Trim(a, "[]"), strings.Trim(b, "[]")
	if a == b {
		return a
	}
	return a + " and " + b
}

// sameSelector reports whether two selectors select the same series,
// written alike or not.
func sameSelector(a, b string) bool {
	sa, errA := promx.ParseSelector(a)
	sb, errB := promx.ParseSelector(b)
	return errA == nil && errB == nil && sa.String() == sb.String()
}

// ratedQuery reads q as sum(rate(selector[range])) with no by clause:
// the rate of a counter over a range the query's author chose, whose
// counter slo takes the rate of over each window itself. It returns nil
// for any other query.
func ratedQuery(q string) *counterQuery {
	m, ok := promx.SumRateOf(q)
	if !ok || len(m.By) > 0 {
		return nil
	}
	return &counterQuery{sel: q[m.Sel[0]:m.Sel[1]], off: m.Sel[0], rated: q[m.Sel[1]:m.RangeEnd]}
}

// threshold is the objective of a threshold SLI: a data point is bad
// where the query, compared with value, does not hold by op.
type threshold struct {
	bad   string // the PromQL comparison that marks a bad data point
	value string
}

// thresholdBad is, for each objective op, the comparison that breaks it.
var thresholdBad = map[string]string{"lt": ">=", "lte": ">", "gt": "<=", "gte": "<"}

func (o *oslo) threshold(first *yaml.Node, what string, os map[string]field) *threshold {
	op, ok := os["op"]
	if !ok {
		o.errorf(first, "spec/required", "%s.op: missing; a threshold SLI needs op (lt, lte, gt or gte) and value", what)
		return nil
	}
	bad, ok := thresholdBad[op.val.Value]
	if !ok {
		o.errorf(op.val, "spec/type", "%s.op: expected lt, lte, gt or gte, got %s", what, describe(op.val))
		return nil
	}
	v, ok := os["value"]
	if !ok {
		o.errorf(first, "spec/required", "%s.value: missing; a threshold SLI needs op and value", what)
		return nil
	}
	if _, err := strconv.ParseFloat(v.val.Value, 64); err != nil || v.val.Kind != yaml.ScalarNode {
		o.errorf(v.val, "spec/type", "%s.value: expected a number, got %s", what, describe(v.val))
		return nil
	}
	return &threshold{bad: bad, value: v.val.Value}
}

func (o *oslo) indicator(sli *oObject, thr *threshold) *yaml.Node {
	what := "SLI"
	if sli.name != "" {
		what += " " + quote(sli.name)
	}
	fs := o.fields(sli.spec.val, what+" spec", "description", "thresholdMetric", "ratioMetric")
	if fs == nil {
		return nil
	}
	if d, ok := fs["description"]; ok {
		o.unmapped(d.key, what+" spec.description", "an slo/v1 SLI has no description; the SLO's is imported")
	}
	if t, ok := fs["thresholdMetric"]; ok {
		q := o.query(t, "thresholdMetric")
		if q == nil || thr == nil {
			return nil
		}
		// The share of bad data points in the window, sampled at the
		// rule evaluation interval.
		o.warnf(t.key, "input/unmapped", "%s spec.thresholdMetric: imported as the share of rule evaluations in each window at which the query %s %s (the objective's op and value), not of the data source's own data points", what, thr.bad, thr.value)
		out := mapping(t.val)
		set(out, "error_ratio", t.key, str("avg_over_time((("+q.Value+") "+thr.bad+" bool "+thr.value+")[{{.window}}:])", q))
		return out
	}
	r, ok := fs["ratioMetric"]
	if !ok {
		o.errorf(sli.spec.val, "spec/required", "%s spec: give ratioMetric", what)
		return nil
	}
	rs := o.fields(r.val, "ratioMetric", "counter", "good", "bad", "total", "rawType", "raw")
	out := mapping(r.val)
	if raw, ok := rs["raw"]; ok {
		q := o.query(raw, "ratioMetric.raw")
		if q == nil {
			return nil
		}
		rt := nodeValue(rs["rawType"].val)
		expr := "avg_over_time((" + q.Value + ")[{{.window}}:])"
		switch rt {
		case "failure":
		case "success":
			expr = "1 - " + expr
		default:
			o.errorf(r.val, "spec/required", "ratioMetric.rawType: expected success or failure with raw, got %q", rt)
			return nil
		}
		set(out, "error_ratio", raw.key, str(expr, q))
		return out
	}
	ratio := mapping(r.val)
	// The queries of good, bad and total: each a counter's selector (or
	// sum of one), or the sum of its rate over a range of the user's
	// choosing, whose counter slo takes the rate of itself.
	qs := map[string]*counterQuery{}
	raw := map[string]field{} // every query, as written
	var rated []string
	failed := false
	// counter: false says the queries are gauges: unless each is the rate
	// of a counter, read below as its counter, their values are summed.
	gauges := nodeValue(rs["counter"].val) == "false"
	gaugeOnly := false
	for _, k := range []string{"good", "bad", "total"} {
		f, ok := rs[k]
		if !ok {
			continue
		}
		q := o.query(f, "ratioMetric."+k)
		if q == nil {
			failed = true // and the other queries' problems are reported too
			continue
		}
		raw[k] = field{key: f.key, val: q}
		if sel, off, ok := selectorOf(q.Value); ok {
			qs[k] = &counterQuery{f: f, q: q, sel: sel, off: off}
			continue
		}
		if cq := ratedQuery(q.Value); cq != nil {
			cq.f, cq.q = f, q
			qs[k] = cq
			rated = append(rated, k)
			continue
		}
		if k == "good" {
			// good written as total minus the bad events, as
			// sum(rate(total[5m])) - sum(rate(bad[5m])).
			if l, rr, ok := promx.SumRateDiff(q.Value); ok && len(l.By) == 0 && len(rr.By) == 0 {
				qs[k] = &counterQuery{f: f, q: q, sel: q.Value[l.Sel[0]:l.Sel[1]], off: l.Sel[0], rated: q.Value[l.Sel[1]:l.RangeEnd],
					minus: &counterQuery{sel: q.Value[rr.Sel[0]:rr.Sel[1]], off: rr.Sel[0]}, minusRange: q.Value[rr.Sel[1]:rr.RangeEnd]}
				rated = append(rated, k)
				continue
			}
		}
		if gauges {
			gaugeOnly = true
			continue
		}
		o.unsupported(q, "ratioMetric."+k+" query", "slo reads a counter's selector, sum(selector) or sum(rate(selector[range])), and takes its rate over each window itself; with counter: false, any query, whose values it sums")
		failed = true
	}
	if failed {
		return nil
	}
	if gauges && (gaugeOnly || len(rated) < len(raw)) {
		return o.gaugeRatio(r, rs, raw, out)
	}
	if counter := rs["counter"]; counter.val == nil {
		// OpenSLO's own examples leave it out. The queries are selectors
		// (or sums of one, or of their rates), checked above: what a
		// rate is taken of.
		var given []string
		for _, k := range []string{"good", "bad", "total"} {
			if _, ok := rs[k]; ok {
				given = append(given, k)
			}
		}
		what := "their queries are selectors"
		if len(rated) > 0 {
			what = "their queries are counters or their rates"
		}
		o.warnf(r.key, "input/assumed", "ratioMetric.counter: missing, which OpenSLO v1 requires; slo reads %s as counters, as %s, and takes their rates: give counter: true to say so (counter: false says they are gauges, whose values slo sums over each window)", strings.Join(given, " and "), what)
	} else if counter.val.Value != "true" && counter.val.Value != "false" {
		o.errorf(counter.val, "spec/type", "ratioMetric.counter: expected true or false, got %s", describe(counter.val))
		return nil
	}
	if g := qs["good"]; g != nil && g.minus != nil {
		t := qs["total"]
		if t == nil || qs["bad"] != nil || !sameSelector(t.sel, g.sel) {
			o.unsupported(g.q, "ratioMetric.good query", "slo reads good as total minus bad events only where its first counter is total's: "+quote(g.sel)+" is not total's counter")
			return nil
		}
		// good = total - bad: the error ratio is bad / total.
		o.warnf(g.q, "input/assumed", "ratioMetric.good query: %s minus %s, total's counter minus another, is read as good = total - bad: imported as bad: %s; slo takes the rates over each window itself, not over %s", quote(g.sel), quote(g.minus.sel), g.minus.sel, ranges(g.rated, g.minusRange))
		set(ratio, "bad", g.f.key, o.cut(g.q, g.minus.off, g.minus.sel))
		delete(qs, "good")
	}
	for _, k := range []string{"good", "bad", "total"} {
		cq := qs[k]
		if cq == nil {
			continue
		}
		if cq.rated != "" && cq.minus == nil {
			o.warnf(cq.q, "input/assumed", "ratioMetric.%s query: the rate of counter %s over %s is read as the counter: slo takes its rate over each window of the SLO itself", k, quote(cq.sel), strings.Trim(cq.rated, "[]"))
		}
		set(ratio, k, cq.f.key, o.cut(cq.q, cq.off, cq.sel))
	}
	set(out, "ratio", r.key, ratio)
	return out
}

// alertPolicies maps the first policies' burn-rate conditions to slo's
// page and ticket alerts: one window pair each, the lookback window as the
// long window and a twelfth of it (the workbook's ratio, 5m at least) as
// the short one.
func (o *oslo) alertPolicies(ap field) *yaml.Node {
	if ap.val.Kind != yaml.SequenceNode {
		o.errorf(ap.val, "spec/type", "spec.alertPolicies: expected a list, got %s", describe(ap.val))
		return nil
	}
	var conds []*oObject
	for i, p := range ap.val.Content {
		what := "spec.alertPolicies[" + strconv.Itoa(i) + "]"
		var pol *oObject
		if r := get(p, "alertPolicyRef"); r != nil {
			pol = o.ref("AlertPolicy", field{key: r, val: r})
		} else {
			pol = o.inline(field{key: p, val: resolve(p)}, "AlertPolicy", what)
		}
		if pol == nil {
			continue
		}
		ps := o.fields(pol.spec.val, "AlertPolicy spec", "description", "alertWhenNoData", "alertWhenResolved", "alertWhenBreaching", "conditions", "notificationTargets")
		if b, ok := ps["alertWhenBreaching"]; ok && b.val.Value == "false" {
			o.unmapped(b.key, "AlertPolicy "+quote(pol.name)+" alertWhenBreaching", "false: the policy never alerts on a breach, so it is not imported")
			continue
		}
		for _, k := range []string{"alertWhenNoData", "alertWhenResolved"} {
			if f, ok := ps[k]; ok && f.val.Value == "true" {
				o.unmapped(f.key, "AlertPolicy "+quote(pol.name)+" "+k, "slo's burn-rate alerts fire on a breach only; Alertmanager sends resolved notices (send_resolved)")
			}
		}
		if nt, ok := ps["notificationTargets"]; ok {
			o.unmapped(nt.key, "AlertPolicy "+quote(pol.name)+" notificationTargets", "where alerts go is slo's routing document (teams and severities)")
			for _, t := range nt.val.Content {
				if r := get(t, "targetRef"); r != nil {
					o.find("AlertNotificationTarget", r.Value) // used: reported with notificationTargets
				}
			}
		}
		if d, ok := ps["description"]; ok {
			o.unmapped(d.key, "AlertPolicy "+quote(pol.name)+" description", "slo's alerts have a summary and a description annotation, generated unless given")
		}
		cs, ok := ps["conditions"]
		if !ok || cs.val.Kind != yaml.SequenceNode {
			o.errorf(pol.spec.val, "spec/required", "AlertPolicy %q: conditions: expected a list", pol.name)
			continue
		}
		for j, cn := range cs.val.Content {
			var cond *oObject
			if r := get(cn, "conditionRef"); r != nil {
				cond = o.ref("AlertCondition", field{key: r, val: r})
			} else {
				cond = o.inline(field{key: cn, val: resolve(cn)}, "AlertCondition", "conditions["+strconv.Itoa(j)+"]")
			}
			if cond != nil {
				conds = append(conds, cond)
			}
		}
	}
	out := mapping(ap.val)
	if len(conds) == 0 {
		set(out, "disabled", nil, scalarOf("!!bool", "true", ap.val))
		return out
	}
	slots := []string{"page", "ticket"}
	for i, cond := range conds {
		if i >= len(slots) {
			o.unsupported(cond.spec.val, "AlertCondition "+quote(cond.name), "an slo/v1 SLO has two burn-rate alerts, a page and a ticket; this third condition cannot be imported")
			break
		}
		if b := o.condition(cond, slots[i]); b != nil {
			set(out, slots[i], nil, b)
		}
	}
	if len(conds) == 1 {
		set(out, "ticket", nil, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: ap.val.Line, Column: ap.val.Column,
			Content: []*yaml.Node{str("disabled", ap.val), scalarOf("!!bool", "true", ap.val)}})
	}
	return out
}

func (o *oslo) condition(cond *oObject, slot string) *yaml.Node {
	what := "AlertCondition " + quote(cond.name)
	cs := o.fields(cond.spec.val, what+" spec", "description", "severity", "condition")
	out := mapping(cond.spec.val)
	if s, ok := cs["severity"]; ok {
		switch s.val.Value {
		case "critical", "warning", "info":
			set(out, "severity", s.key, clone(s.val))
		default:
			o.unmapped(s.val, what+" severity", "slo's severities are critical, warning and info; this condition is the "+slot+" ("+map[string]string{"page": "critical", "ticket": "warning"}[slot]+")")
		}
	}
	if d, ok := cs["description"]; ok {
		o.unmapped(d.key, what+" description", "slo's SLO alerts share one description, under alerting")
	}
	c, ok := cs["condition"]
	if !ok {
		o.errorf(cond.spec.val, "spec/required", "%s: condition: missing", what)
		return nil
	}
	ks := o.fields(c.val, what+" condition", "kind", "op", "threshold", "lookbackWindow", "alertAfter")
	if k := nodeValue(ks["kind"].val); k != "" && k != "burnrate" {
		o.unsupported(ks["kind"].val, what+" condition.kind", "only burnrate conditions can be imported")
		return nil
	}
	if op := nodeValue(ks["op"].val); op != "gt" && op != "gte" {
		at := ks["op"].val
		if at == nil {
			at = c.val
		}
		o.unsupported(at, what+" condition.op", "slo's burn-rate alerts fire when the burn rate is above the threshold (gt or gte), got "+quote(op))
		return nil
	}
	th, tok := ks["threshold"]
	lb, lok := ks["lookbackWindow"]
	if !tok || !lok {
		o.errorf(c.val, "spec/required", "%s condition: give threshold and lookbackWindow", what)
		return nil
	}
	long, err := spec.ParseDuration(lb.val.Value)
	if err != nil {
		o.errorf(lb.val, "spec/duration", "%s condition.lookbackWindow: expected a duration such as 1h, got %s", what, describe(lb.val))
		return nil
	}
	short := max((long/12 + time.Minute/2).Truncate(time.Minute), 5*time.Minute)
	if short >= long {
		short = long / 2
	}
	o.warnf(lb.val, "input/unmapped", "%s: OpenSLO's burn-rate condition has one window; slo adds a short window of %s (a twelfth, as in the SRE workbook) so that the alert resets soon after recovery", what, formatDuration(short))
	w := mapping(c.val)
	w.Style = yaml.FlowStyle
	set(w, "long", lb.key, clone(lb.val))
	set(w, "short", lb.key, str(formatDuration(short), lb.val))
	set(w, "factor", th.key, clone(th.val))
	ws := seq(c.val)
	ws.Content = append(ws.Content, w)
	if a, ok := ks["alertAfter"]; ok {
		set(out, "for", a.key, clone(a.val))
	} else {
		set(out, "for", nil, str("0s", c.val))
	}
	set(out, "windows", nil, ws)
	return out
}
