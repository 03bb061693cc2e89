package input

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// openSLOV1Alpha reads OpenSLO v1alpha SLOs as Sloth reads them (Sloth's
// `openslo-getting-started.yml`): each objective with ratioMetrics of
// Prometheus (or Sloth) PromQL queries is an SLO named
// <metadata.name>-<index>, with the error ratio 1 - good/total, the period
// of timeWindows in days, and no alerts, as Sloth generates none for
// OpenSLO. See docs/input-openslo.md.
var openSLOV1Alpha = Format{
	Name:      "OpenSLO v1alpha",
	Documents: "apiVersion: openslo/v1alpha kind: SLO",
	Reads:     func(h Header) bool { return h.APIVersion == openSLOV1AlphaAPIVersion && h.Kind == "SLO" },
	Load: func(c *Ctx, docs []*yaml.Node) []*yaml.Node {
		var out []*yaml.Node
		byService := map[string]*yaml.Node{}
		for _, d := range docs {
			service, slos := c.openSLOV1Alpha(d)
			if service == nil || len(slos) == 0 {
				continue
			}
			doc := byService[service.Value]
			if doc == nil {
				doc = mapping(d)
				set(doc, "version", nil, str("slo/v1", d))
				set(doc, "service", nil, clone(service))
				set(doc, "slos", nil, seq(d))
				byService[service.Value] = doc
				out = append(out, doc)
			}
			list := get(doc, "slos")
			list.Content = append(list.Content, slos...)
		}
		return out
	},
}

const openSLOV1AlphaAPIVersion = "openslo/v1alpha"

// openSLOV1Alpha translates one v1alpha SLO into slo/v1 SLOs, one per
// objective, and returns its service's name node.
func (c *Ctx) openSLOV1Alpha(root *yaml.Node) (service *yaml.Node, slos []*yaml.Node) {
	top := c.fields(root, "the document", "apiVersion", "kind", "metadata", "spec")
	if top == nil {
		return nil, nil
	}
	meta, ok := top["metadata"]
	if !ok {
		c.errorf(root, "spec/required", "metadata: missing")
		return nil, nil
	}
	ms := c.fields(meta.val, "metadata", "name", "displayName")
	name, ok := ms["name"]
	if !ok {
		c.errorf(meta.val, "spec/required", "metadata.name: missing")
		return nil, nil
	}
	if d, ok := ms["displayName"]; ok {
		c.unmapped(d.key, "metadata.displayName", "slo has no display names")
	}
	sp, ok := top["spec"]
	if !ok {
		c.errorf(root, "spec/required", "spec: missing")
		return nil, nil
	}
	fs := c.fields(sp.val, "spec", "service", "description", "budgetingMethod", "objectives", "timeWindows", "indicator")
	if fs == nil {
		return nil, nil
	}
	svc, ok := fs["service"]
	if !ok {
		c.errorf(sp.val, "spec/required", "spec.service: missing; slo groups SLOs by service")
		return nil, nil
	}
	if i, ok := fs["indicator"]; ok {
		c.unsupported(i.key, "spec.indicator", "Sloth and slo read OpenSLO v1alpha's objectives[].ratioMetrics only; a thresholdMetric indicator has no slo/v1 equivalent")
		return nil, nil
	}
	if b, ok := fs["budgetingMethod"]; ok && b.val.Value != "Occurrences" {
		c.unmapped(b.val, "spec.budgetingMethod", quote(b.val.Value)+" is imported as Occurrences: slo's error budget is the share of bad events in the period")
	}
	var period *yaml.Node
	tw, hasWindow := fs["timeWindows"]
	if hasWindow {
		period = c.openSLOV1AlphaWindow(tw)
	}
	objs, ok := fs["objectives"]
	if !ok || objs.val.Kind != yaml.SequenceNode || len(objs.val.Content) == 0 {
		c.errorf(sp.val, "spec/required", "spec.objectives: expected a list with at least one objective")
		return nil, nil
	}
	for i, o := range objs.val.Content {
		what := "spec.objectives[" + strconv.Itoa(i) + "]"
		slo := c.openSLOV1AlphaObjective(resolve(o), what)
		if slo == nil {
			continue
		}
		out := mapping(o)
		// Sloth's name for the SLO of an objective.
		set(out, "name", name.key, str(name.val.Value+"-"+strconv.Itoa(i), name.val))
		if d, ok := fs["description"]; ok {
			set(out, "description", d.key, clone(d.val))
		}
		out.Content = append(out.Content, slo.Content...)
		if period != nil {
			set(out, "period", fs["timeWindows"].key, clone(period))
		}
		// Sloth generates no alerts for an OpenSLO SLO.
		alerting := mapping(o)
		set(alerting, "disabled", nil, scalarOf("!!bool", "true", o))
		set(out, "alerting", nil, alerting)
		slos = append(slos, out)
	}
	if hasWindow && period == nil {
		return nil, nil
	}
	if len(slos) > 0 {
		c.warnf(sp.key, "input/unmapped", "spec: OpenSLO v1alpha has no alert policies, and Sloth generates no alerts for it; the imported SLOs have alerting.disabled: true (remove it for slo's default page and ticket alerts)")
	}
	return svc.val, slos
}

// openSLOV1AlphaWindow reads timeWindows: one window of a count of days
// (or weeks), the only unit Sloth reads besides days.
func (c *Ctx) openSLOV1AlphaWindow(tw field) *yaml.Node {
	if tw.val.Kind != yaml.SequenceNode || len(tw.val.Content) != 1 {
		c.errorf(tw.val, "spec/type", "spec.timeWindows: expected a list of exactly one time window")
		return nil
	}
	ws := c.fields(tw.val.Content[0], "spec.timeWindows[0]", "count", "unit", "isRolling", "calendar")
	if ws == nil {
		return nil
	}
	count, cok := ws["count"]
	unit, uok := ws["unit"]
	if !cok || !uok {
		c.errorf(tw.val.Content[0], "spec/required", "spec.timeWindows[0]: give count and unit")
		return nil
	}
	if n, err := strconv.Atoi(count.val.Value); err != nil || n <= 0 || count.val.Kind != yaml.ScalarNode {
		c.errorf(count.val, "spec/type", "spec.timeWindows[0].count: expected a positive whole number, got %s", describe(count.val))
		return nil
	}
	var suffix string
	switch strings.ToLower(unit.val.Value) {
	case "day":
		suffix = "d"
	case "week":
		suffix = "w"
	default:
		c.unsupported(unit.val, "spec.timeWindows[0].unit", "slo's periods are days or weeks (Sloth reads Day only), got "+describe(unit.val))
		return nil
	}
	if cal, ok := ws["calendar"]; ok {
		c.unmapped(cal.key, "spec.timeWindows[0].calendar", "slo's periods are rolling")
	}
	if r, ok := ws["isRolling"]; ok && r.val.Value == "false" && ws["calendar"].val == nil {
		c.unmapped(r.key, "spec.timeWindows[0].isRolling", "slo's periods are rolling")
	}
	return str(count.val.Value+suffix, count.val)
}

// openSLOV1AlphaObjective maps an objective to the objective and SLI of an
// slo/v1 SLO (in a mapping whose content is appended to the SLO).
func (c *Ctx) openSLOV1AlphaObjective(o *yaml.Node, what string) *yaml.Node {
	os := c.fields(o, what, "displayName", "op", "value", "target", "timeSliceTarget", "ratioMetrics")
	if os == nil {
		return nil
	}
	if d, ok := os["displayName"]; ok {
		c.unmapped(d.key, what+".displayName", "slo has no display names")
	}
	if t, ok := os["timeSliceTarget"]; ok {
		c.unmapped(t.key, what+".timeSliceTarget", "slo budgets by events: the SLO counts good events over all events, with no time slices")
	}
	for _, k := range []string{"op", "value"} {
		if f, ok := os[k]; ok {
			c.unsupported(f.key, what+"."+k, "threshold objectives have no slo/v1 equivalent, and Sloth reads ratioMetrics only")
			return nil
		}
	}
	out := mapping(o)
	t, ok := os["target"]
	if !ok {
		c.errorf(o, "spec/required", "%s.target: missing", what)
		return nil
	}
	p, err := percent(t.val.Value)
	if err != nil || t.val.Kind != yaml.ScalarNode {
		c.errorf(t.val, "spec/type", "%s.target: expected a number in [0, 1), got %s", what, describe(t.val))
		return nil
	}
	set(out, "objective", t.key, number(p, t.val))
	rm, ok := os["ratioMetrics"]
	if !ok {
		c.errorf(o, "spec/required", "%s.ratioMetrics: missing; Sloth and slo read OpenSLO v1alpha ratio objectives", what)
		return nil
	}
	what += ".ratioMetrics"
	rs := c.fields(rm.val, what, "good", "total", "incremental")
	if rs == nil {
		return nil
	}
	if inc, ok := rs["incremental"]; ok {
		c.unmapped(inc.key, what+".incremental", "slo reads the queries as they are")
	}
	var qs [2]field
	for i, k := range []string{"good", "total"} {
		f, ok := rs[k]
		if !ok {
			c.errorf(rm.val, "spec/required", "%s.%s: missing", what, k)
			return nil
		}
		q := c.openSLOV1AlphaQuery(f, what+"."+k)
		if q.val == nil {
			return nil
		}
		qs[i] = q
	}
	good, total := qs[0].val.Value, qs[1].val.Value
	sli := mapping(rm.val)
	gm, gok := eventsSumRate(good)
	tm, tok := eventsSumRate(total)
	if gok && tok && len(gm.By) == 0 && len(tm.By) == 0 {
		// Both are sums of one counter's rate: a ratio SLI, which slo
		// generates burn-rate scenarios for.
		r := mapping(rm.val)
		set(r, "good", qs[0].key, c.cut(qs[0].val, gm.Sel[0], good[gm.Sel[0]:gm.Sel[1]]))
		set(r, "total", qs[1].key, c.cut(qs[1].val, tm.Sel[0], total[tm.Sel[0]:tm.Sel[1]]))
		set(sli, "ratio", rm.key, r)
	} else {
		// Sloth's own error ratio.
		q := str("1 - ((\n"+good+"\n)\n/\n(\n"+total+"\n))", qs[0].val)
		set(sli, "error_ratio", qs[0].key, q)
	}
	set(out, "sli", rm.key, sli)
	return out
}

// openSLOV1AlphaQuery reads good or total: a PromQL query of source
// prometheus (or sloth, as Sloth reads it). It returns the query field.
func (c *Ctx) openSLOV1AlphaQuery(f field, what string) field {
	qs := c.fields(f.val, what, "source", "queryType", "query", "metadata")
	if qs == nil {
		return field{}
	}
	src, ok := qs["source"]
	if !ok {
		c.errorf(f.val, "spec/required", "%s.source: missing; expected prometheus", what)
		return field{}
	}
	if s := src.val.Value; s != "prometheus" && s != "sloth" {
		c.unsupported(src.val, what+".source", "slo compiles to Prometheus rules and reads Prometheus queries only, got "+describe(src.val))
		return field{}
	}
	if qt, ok := qs["queryType"]; !ok || qt.val.Value != "promql" {
		at := f.val
		if ok {
			at = qt.val
		}
		c.unsupported(at, what+".queryType", "slo reads queryType: promql only")
		return field{}
	}
	if m, ok := qs["metadata"]; ok {
		c.unmapped(m.key, what+".metadata", "slo reads the query only")
	}
	q, ok := qs["query"]
	if !ok {
		c.errorf(f.val, "spec/required", "%s.query: missing", what)
		return field{}
	}
	if _, ok := c.scalar(q, what+".query"); !ok {
		return field{}
	}
	return q
}
