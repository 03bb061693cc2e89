package input

import (
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// pyrra reads Pyrra's `pyrra.dev/v1alpha1` ServiceLevelObjective: one SLO
// per object, which becomes a service of its own named after the object.
// See docs/input-pyrra.md.
var pyrra = Format{
	Name:      "Pyrra",
	Documents: "apiVersion: pyrra.dev/v1alpha1 kind: ServiceLevelObjective",
	Reads: func(h Header) bool {
		return (h.APIVersion == pyrraAPIVersion || h.APIVersion == pyrraVersion) && h.Kind == "ServiceLevelObjective"
	},
	LooksLike: func(h Header) bool {
		return strings.HasPrefix(h.APIVersion, "pyrra.dev/")
	},
	Load: func(c *Ctx, docs []*yaml.Node) []*yaml.Node {
		var out []*yaml.Node
		for _, d := range docs {
			if doc := c.pyrraDoc(d); doc != nil {
				out = append(out, doc)
			}
		}
		return out
	},
}

const pyrraAPIVersion = "pyrra.dev/v1alpha1"

// pyrraVersion is the apiVersion without its group, as Go code writes it
// that marshals Pyrra's types with GroupVersion.Version (rhobs/configuration
// does, for 109 SLOs). Pyrra's generate and filesystem modes read files
// without looking at apiVersion, so such files are Pyrra's to them.
const pyrraVersion = "v1alpha1"

func (c *Ctx) pyrraDoc(root *yaml.Node) *yaml.Node {
	top := c.fields(root, "the document", "apiVersion", "kind", "metadata", "spec", "status")
	if top == nil {
		return nil
	}
	meta, ok := top["metadata"]
	if !ok {
		c.errorf(root, "spec/required", "metadata: missing; slo names the service and the SLO after metadata.name")
		return nil
	}
	ms := c.fields(meta.val, "metadata", "name", "namespace", "labels", "annotations", "uid", "resourceVersion", "generation", "creationTimestamp")
	name, ok := ms["name"]
	if !ok {
		c.errorf(meta.val, "spec/required", "metadata.name: missing")
		return nil
	}
	for _, k := range []string{"namespace", "labels", "annotations"} {
		if f, ok := ms[k]; ok {
			c.unmapped(f.key, "metadata."+k, "Kubernetes object metadata (the PrometheusRule's selector labels and namespace); slo writes rule files, and where they are deployed is not part of its spec")
		}
	}
	if f, ok := top["status"]; ok {
		c.unmapped(f.key, "status", "the controller's status")
	}
	sp, ok := top["spec"]
	if !ok {
		c.errorf(root, "spec/required", "spec: missing")
		return nil
	}
	fs := c.fields(sp.val, "spec", "description", "target", "window", "indicator", "alerting", "partial_response_strategy", "performanceOverAccuracy", "ruleOutput")
	if fs == nil {
		return nil
	}
	nameVal := clone(name.val)
	if lower := strings.ToLower(nameVal.Value); nameVal.Kind == yaml.ScalarNode && lower != nameVal.Value {
		// Pyrra's generate and filesystem modes take any name
		// (rhobs/configuration's api-metrics-read-100M-latency-slo);
		// slo's names become file names, record names and label values,
		// and are lower-case.
		c.warnf(name.val, "input/unmapped", "metadata.name: slo's service and SLO names are lower-case; imported as %q (the slo label of the rules changes with it)", lower)
		nameVal.Value = lower
	}
	out := mapping(root)
	set(out, "version", nil, str("slo/v1", root))
	set(out, "service", name.key, nameVal)
	slo := mapping(sp.val)
	set(slo, "name", name.key, clone(nameVal))
	if f, ok := fs["description"]; ok {
		set(slo, "description", f.key, clone(f.val))
	}
	if f, ok := fs["target"]; ok {
		// Pyrra's target is a string holding a percentage.
		v, _ := c.scalar(f, "spec.target")
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			c.errorf(f.val, "spec/type", "spec.target: expected a percentage such as \"99.9\", got %s", describe(f.val))
		} else {
			n := number(v, f.val)
			set(slo, "objective", f.key, n)
		}
	} else {
		c.errorf(sp.val, "spec/required", "spec.target: missing")
	}
	if f, ok := fs["window"]; ok {
		set(slo, "period", f.key, clone(f.val))
	}
	f, ok := fs["indicator"]
	if !ok {
		c.errorf(sp.val, "spec/required", "spec.indicator: missing")
		return nil
	}
	sli := c.pyrraIndicator(f.val)
	if sli == nil {
		return nil
	}
	set(slo, "sli", f.key, sli)
	var alerting *yaml.Node
	if f, ok := fs["alerting"]; ok {
		if alerting = c.pyrraAlerting(f); alerting != nil {
			set(slo, "alerting", f.key, alerting)
		}
	}
	if f, ok := fs["target"]; ok {
		if obj, err := strconv.ParseFloat(f.val.Value, 64); err == nil && obj > 0 && obj < 100 {
			c.fireable(slo, obj, periodOf(fs["window"].val), f.val, alerting)
		}
	}
	for _, k := range []string{"partial_response_strategy", "performanceOverAccuracy", "ruleOutput"} {
		if f, ok := fs[k]; ok {
			c.unmapped(f.key, "spec."+k, "an option of Pyrra's rule output; slo's rules do not have it")
		}
	}
	set(out, "slos", nil, &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: sp.val.Line, Column: sp.val.Column, Content: []*yaml.Node{slo}})
	return out
}

// pyrraMetric is the metric of a Pyrra query mapping ({metric: ...}).
func (c *Ctx) pyrraMetric(f field, ok bool, what string, at *yaml.Node) *yaml.Node {
	if !ok {
		c.errorf(at, "spec/required", "%s: missing", what)
		return nil
	}
	qs := c.fields(f.val, what, "metric")
	m, ok := qs["metric"]
	if !ok {
		if qs != nil {
			c.errorf(f.val, "spec/required", "%s.metric: missing", what)
		}
		return nil
	}
	if _, ok := c.scalar(m, what+".metric"); !ok {
		return nil
	}
	return m.val
}

// grouping copies Pyrra's grouping to slo's by. A null grouping, as
// Pyrra's Go types marshal an empty one (`grouping: null`), is no grouping.
func (c *Ctx) grouping(f field, ok bool, to *yaml.Node) {
	if ok && f.val.Tag != "!!null" {
		set(to, "by", f.key, clone(f.val))
	}
}

func (c *Ctx) pyrraIndicator(n *yaml.Node) *yaml.Node {
	is := c.fields(n, "spec.indicator", "ratio", "latency", "latencyNative", "bool_gauge")
	if is == nil {
		return nil
	}
	out := mapping(n)
	if len(is) != 1 {
		c.errorf(n, "spec/one-of", "spec.indicator: give exactly one of ratio, latency, latencyNative and bool_gauge")
		return nil
	}
	for kind, f := range is {
		what := "spec.indicator." + kind
		switch kind {
		case "ratio":
			rs := c.fields(f.val, what, "errors", "total", "grouping")
			e, eok := rs["errors"]
			t, tok := rs["total"]
			bad, total := c.pyrraMetric(e, eok, what+".errors", f.val), c.pyrraMetric(t, tok, what+".total", f.val)
			if bad == nil || total == nil {
				return nil
			}
			r := mapping(f.val)
			set(r, "bad", e.key, clone(bad))
			set(r, "total", t.key, clone(total))
			g, gok := rs["grouping"]
			c.grouping(g, gok, r)
			set(out, "ratio", f.key, r)
		case "latency":
			ls := c.fields(f.val, what, "success", "total", "grouping")
			s, sok := ls["success"]
			t, tok := ls["total"]
			good, total := c.pyrraMetric(s, sok, what+".success", f.val), c.pyrraMetric(t, tok, what+".total", f.val)
			if good == nil || total == nil {
				return nil
			}
			g, gok := ls["grouping"]
			if hist, le, ok := histogramOf(good.Value, total.Value); ok {
				l := mapping(f.val)
				set(l, "histogram", t.key, c.cut(total, 0, hist))
				set(l, "threshold", s.key, number(le, good))
				c.grouping(g, gok, l)
				set(out, "latency", f.key, l)
				break
			}
			// Not one histogram's bucket and count with the same
			// matchers: Pyrra's own ratio of the two.
			r := mapping(f.val)
			set(r, "good", s.key, clone(good))
			set(r, "total", t.key, clone(total))
			c.grouping(g, gok, r)
			set(out, "ratio", f.key, r)
		case "latencyNative":
			ls := c.fields(f.val, what, "total", "latency", "grouping")
			t, tok := ls["total"]
			total := c.pyrraMetric(t, tok, what+".total", f.val)
			lat, lok := ls["latency"]
			if !lok {
				c.errorf(f.val, "spec/required", "%s.latency: missing", what)
			}
			if total == nil || !lok {
				return nil
			}
			l := mapping(f.val)
			set(l, "histogram", t.key, clone(total))
			set(l, "threshold", lat.key, clone(lat.val))
			set(l, "native", nil, scalarOf("!!bool", "true", f.val))
			g, gok := ls["grouping"]
			c.grouping(g, gok, l)
			set(out, "latency", f.key, l)
		case "bool_gauge":
			bs := c.fields(f.val, what, "metric", "grouping")
			m, mok := bs["metric"]
			if !mok {
				c.errorf(f.val, "spec/required", "%s.metric: missing", what)
				return nil
			}
			metric, ok := c.scalar(m, what+".metric")
			if !ok {
				return nil
			}
			agg := "sum"
			if g, ok := bs["grouping"]; ok && g.val.Kind == yaml.SequenceNode {
				var ls []string
				for _, l := range g.val.Content {
					ls = append(ls, l.Value)
				}
				agg = "sum by (" + strings.Join(ls, ", ") + ")"
			}
			// Pyrra's error ratio of a 0/1 gauge: the share of its
			// samples in the window that are 0.
			q := agg + "(count_over_time(" + metric + "[{{.window}}]))\n  - " + agg + "(sum_over_time(" + metric + "[{{.window}}]))\n/\n" + agg + "(count_over_time(" + metric + "[{{.window}}]))"
			q = "(\n  " + q[:strings.Index(q, "\n/\n")] + "\n)" + q[strings.Index(q, "\n/\n"):]
			set(out, "error_ratio", m.key, str(q, m.val))
		}
	}
	return out
}

var matcherRE = regexp.MustCompile(`\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?`)

// histogramOf reads Pyrra's latency indicator: a bucket selector with an
// le matcher and the count selector of the same histogram with the same
// other matchers. It returns the histogram selector slo's latency SLI
// takes (the name without suffix, with the count's matchers) and the le.
func histogramOf(bucket, count string) (hist, le string, ok bool) {
	bname, bms, ok1 := splitSelector(bucket)
	cname, cms, ok2 := splitSelector(count)
	if !ok1 || !ok2 || !strings.HasSuffix(bname, "_bucket") || !strings.HasSuffix(cname, "_count") ||
		strings.TrimSuffix(bname, "_bucket") != strings.TrimSuffix(cname, "_count") {
		return "", "", false
	}
	var rest []string
	for _, m := range bms {
		if strings.HasPrefix(m, "le=") {
			v, err := strconv.Unquote(strings.TrimPrefix(m, "le="))
			if err != nil {
				return "", "", false
			}
			le = v
			continue
		}
		rest = append(rest, m)
	}
	if le == "" || strings.Join(rest, ",") != strings.Join(cms, ",") {
		return "", "", false
	}
	if _, err := strconv.ParseFloat(le, 64); err != nil {
		return "", "", false
	}
	name := strings.TrimSuffix(cname, "_count")
	if len(cms) == 0 {
		return name, le, true
	}
	return name + "{" + strings.Join(cms, ",") + "}", le, true
}

// splitSelector splits name{a="b",...} into its name and matchers (as
// written, without spaces).
func splitSelector(s string) (name string, ms []string, ok bool) {
	s = strings.TrimSpace(s)
	i := strings.IndexByte(s, '{')
	if i < 0 {
		return s, nil, s != ""
	}
	if !strings.HasSuffix(s, "}") {
		return "", nil, false
	}
	name, body := strings.TrimSpace(s[:i]), s[i+1:len(s)-1]
	for len(strings.TrimSpace(body)) > 0 {
		m := matcherRE.FindStringSubmatchIndex(body)
		if m == nil || m[0] != 0 {
			return "", nil, false
		}
		ms = append(ms, body[m[2]:m[3]]+body[m[4]:m[5]]+`"`+body[m[6]:m[7]]+`"`)
		body = body[m[1]:]
	}
	return name, ms, true
}

func (c *Ctx) pyrraAlerting(f field) *yaml.Node {
	as := c.fields(f.val, "spec.alerting", "disabled", "burnrates", "absent", "name", "absentName", "severities")
	if as == nil {
		return nil
	}
	out := mapping(f.val)
	for _, k := range []string{"disabled", "burnrates"} {
		if d, ok := as[k]; ok && d.val.Value == "true" && k == "disabled" || ok && d.val.Value == "false" && k == "burnrates" {
			set(out, "disabled", d.key, scalarOf("!!bool", "true", d.val))
			return out
		}
	}
	if n, ok := as["name"]; ok {
		set(out, "name", n.key, clone(n.val))
	}
	for _, k := range []string{"absent", "absentName"} {
		if a, ok := as[k]; ok {
			c.unmapped(a.key, "spec.alerting."+k, "slo has no absent alert for an SLO; add a threshold alert with a status signal (absent: true) if you need one")
		}
	}
	if s, ok := as["severities"]; ok {
		c.unmapped(s.key, "spec.alerting.severities", "Pyrra's four burn-rate alerts become slo's page (critical) and ticket (warning); set their severity under alerting.page and alerting.ticket")
	}
	return out
}
