package overlay_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/overlay"
)

// realWant is what the panel of each alert and SLO of testdata/real/*/specs
// must show after the overlay, written out by hand (not by overlay.Merge):
// "colour" for the first step (from minus infinity), then "colour value".
// A nil entry is a panel that cannot show thresholds and must be left as it
// was (the overlay warns instead).
var realWant = map[string][]string{
	// rfmoz
	"node/NodeCpuBusy":       {"green", "orange 85", "red 95"},
	"node/NodePressureHigh":  {"green", "orange 0.7"},
	"node/NodeCpuCoresLow":   {"orange", "green 2"},
	"node/NodeCpuIowaitHigh": {"green", "orange 0.2", "red 0.5"},
	"node/NodeCpuStealHigh":  {"green", "blue 0.05", "orange 0.1"},
	"node/NodeRamTotalSame":  {"green", "red 80"},
	// dotdc
	"k8s-views/PodCpuRequestsUsageHigh": {"green", "orange 0.8", "red 1"},
	"k8s-views/ContainerRestarts":       {"green", "orange 3", "red 10"},
	"k8s-views/ContainerCpuHigh":        {"green", "orange 1.5"},
	"k8s-views/ClusterCpuHigh":          {"green", "orange 0.8", "red 0.9"},
	"k8s-views/NodesTooFew":             {"red", "green 3"},
	// kube-prometheus
	"kube/apiserver-availability":        {"red", "green 0.99"}, // an SLO's panel shows the success ratio
	"kube/ApiserverWorkQueueDeep":        {"green", "orange 100", "red 1000"},
	"kube/NodeCpuHigh":                   {"green", "orange 0.8", "red 0.95"},
	"kube/NodeDiskFull":                  {"green", "orange 0.85", "red 0.95"},
	"kube/AlertmanagerAlertsMany":        {"green", "orange 50"},
	"kube/AlertmanagerNotificationsSlow": {"green", "orange 1", "red 5"},
	"kube/WeaveFastDpFlowsHigh":          {"green", "orange 1000"},
	"kube/WeavePodsMany":                 nil, // singlestat
	"kube/WeaveIpamPending":              nil, // graph
	// ingress-nginx
	"ingress/controller-success":         {"red", "green 0.995"},
	"ingress/IngressRequestsHigh":        {"green", "orange 500", "red 1000"},
	"ingress/IngressCertificateExpiring": {"red", "orange 259200", "green 1209600"},
	"ingress/IngressLatencyHigh":         nil, // heatmap
	// keda
	"keda/KedaScalerErrors":     {"green", "orange 0.1", "red 1"},
	"keda/KedaReplicasFlapping": {"green", "orange 3"},
	"keda/KedaReplicasAtMax":    {"green", "orange 8", "red 10"},
}

// TestRealDashboards overlays public dashboards that nobody here wrote
// (testdata/real/<project>, each with a README naming its source) with
// specs whose alerts and SLOs name some of their panels, and checks:
//   - the bytes outside the fieldConfig of the named panels are the input's,
//     and inside it everything but thresholds and thresholdsStyle is the
//     same tree, with key order and number spelling kept;
//   - each named panel shows the steps of realWant, and a time series panel
//     a visible thresholdsStyle (its own when it had one);
//   - the diagnostics are the golden's (no error; warnings for the panels
//     that cannot show thresholds);
//   - a second overlay changes nothing, and two runs give the same bytes;
//   - the stale-dashboard gate catches a threshold edited by hand (that it
//     passes the overlaid dashboards is the second overlay changing nothing).
func TestRealDashboards(t *testing.T) {
	projects, err := filepath.Glob("testdata/real/*")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, dir := range projects {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			chdir(t, dir)
			c := overlayCase(t)
			p, plan, files := c.project, c.plan, c.files
			if c.diags.HasErrors() || files == nil {
				t.Fatalf("the overlay failed:\n%s", c.text)
			}
			byPath := map[string]overlay.File{}
			for _, f := range files {
				byPath[f.Path] = f
				d := dashboardOf(plan, f.UID)
				rerun, _, err := overlay.Apply(f.Path, f.Old, d)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(rerun, f.New) {
					t.Errorf("%s: two overlays give different bytes", f.Path)
				}
				// It still opens: the Grafana SDK's (lenient) unmarshal
				// reads the result when it read the input. Some inputs it
				// cannot read (a gnetId number, a data source given as a
				// string); the strict model's findings are in the golden.
				var before, after dashboard.Dashboard
				if json.Unmarshal(f.Old, &before) == nil {
					if err := json.Unmarshal(f.New, &after); err != nil {
						t.Errorf("%s: the Grafana SDK reads the input but not the overlay: %v", f.Path, err)
					}
				}
				second, _, err := overlay.Apply(f.Path, f.New, d)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(second, f.New) {
					t.Errorf("%s: a second overlay changes the dashboard again:\n%s", f.Path, cmp.Diff(string(f.New), string(second)))
				}
			}

			// Each named panel, found here by its own walk of the JSON.
			named := map[string][]*realPanel{} // path -> panels the specs name
			for _, svc := range p.Services {
				refs := map[string]*model.Panel{}
				for _, s := range svc.SLOs {
					if s.Panel != nil {
						refs[svc.Name+"/"+s.Name] = s.Panel
					}
				}
				for _, a := range svc.Alerts {
					if a.Panel != nil {
						refs[svc.Name+"/"+a.Name] = a.Panel
					}
				}
				for name, ref := range refs {
					want, known := realWant[name]
					if !known {
						t.Errorf("%s names a panel but realWant has no entry for it", name)
						continue
					}
					f, ok := fileOf(files, ref.Dashboard)
					if !ok {
						t.Errorf("%s: no dashboard %s", name, ref.Dashboard)
						continue
					}
					old, new := mustTree(t, f.Old), mustTree(t, f.New)
					op, np := old.panel(ref), new.panel(ref)
					if op == nil || np == nil {
						t.Errorf("%s: %s has no panel %+v", name, f.Path, *ref)
						continue
					}
					checked++
					if want == nil {
						if !bytes.Equal(f.Old[op.start:op.end], f.New[np.start:np.end]) {
							t.Errorf("%s: panel %+v cannot show thresholds but was changed", name, *ref)
						}
						continue
					}
					checkRealPanel(t, name, f, op, np, want)
					if name == "node/NodeRamTotalSame" && !bytes.Equal(f.Old[op.start:op.end], f.New[np.start:np.end]) {
						t.Errorf("%s: the panel already showed the alert's thresholds but was rewritten", name)
					}
					named[f.Path] = append(named[f.Path], &realPanel{old: op, new: np})
				}
			}
			for _, f := range files {
				checkOnlyFieldConfig(t, f, named[f.Path])
			}

			// The gate catches a threshold edited by hand: the last step
			// of one named panel of each dashboard.
			tmp := t.TempDir()
			var want []string
			for _, f := range files {
				data := f.New
				if ps := named[f.Path]; len(ps) > 0 {
					steps := ps[0].new.get("fieldConfig").get("defaults").get("thresholds").get("steps").elems()
					last := steps[len(steps)-1].get("value")
					data = slices.Concat(f.New[:last.start], []byte("12345.5"), f.New[last.end:])
					want = append(want, filepath.Join(tmp, filepath.Base(f.Path)))
				}
				if err := os.WriteFile(filepath.Join(tmp, filepath.Base(f.Path)), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			stale, _, err := overlay.Stale(p, tmp)
			if err != nil || !slices.Equal(stale, want) {
				t.Errorf("thresholds edited by hand: stale %v, want %v (%v)", stale, want, err)
			}
		})
	}
	if checked < 20 {
		t.Errorf("only %d panels checked", checked)
	}
}

type realPanel struct{ old, new *jnode }

func fileOf(files []overlay.File, uid string) (overlay.File, bool) {
	for _, f := range files {
		if f.UID == uid {
			return f, true
		}
	}
	return overlay.File{}, false
}

// checkRealPanel checks the thresholds and thresholdsStyle the overlay
// wrote into one panel.
func checkRealPanel(t *testing.T, name string, f overlay.File, op, np *jnode, want []string) {
	t.Helper()
	var wantSteps []step
	for _, w := range want {
		colour, v, ok := strings.Cut(w, " ")
		s := step{Color: colour}
		if ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			s.Value = &f
		}
		wantSteps = append(wantSteps, s)
	}
	var got struct {
		Mode  string `json:"mode"`
		Steps []step `json:"steps"`
	}
	th := np.get("fieldConfig").get("defaults").get("thresholds")
	if th == nil {
		t.Errorf("%s: no thresholds written", name)
		return
	}
	if err := json.Unmarshal(f.New[th.start:th.end], &got); err != nil {
		t.Fatal(err)
	}
	if got.Mode != "absolute" {
		t.Errorf("%s: thresholds mode %q, want absolute", name, got.Mode)
	}
	if diff := cmp.Diff(wantSteps, got.Steps); diff != "" {
		t.Errorf("%s: steps (-want +got):\n%s", name, diff)
	}
	typ := np.get("type").str()
	style := func(n *jnode) string {
		return n.get("fieldConfig").get("defaults").get("custom").get("thresholdsStyle").get("mode").str()
	}
	switch before, after := style(op), style(np); {
	case typ != "timeseries":
		if after != before {
			t.Errorf("%s: a %s panel got thresholdsStyle %q (had %q)", name, typ, after, before)
		}
	case before != "" && before != "off":
		if after != before {
			t.Errorf("%s: visible thresholdsStyle %q became %q", name, before, after)
		}
	case after != overlay.ThresholdsStyle:
		t.Errorf("%s: thresholdsStyle %q, want %q", name, after, overlay.ThresholdsStyle)
	}
}

// checkOnlyFieldConfig checks that f.New differs from f.Old only inside the
// named panels, and there only in fieldConfig.defaults.thresholds and
// custom.thresholdsStyle (and the objects that hold them, which a panel
// without them gets).
func checkOnlyFieldConfig(t *testing.T, f overlay.File, panels []*realPanel) {
	t.Helper()
	slices.SortFunc(panels, func(a, b *realPanel) int { return a.old.start - b.old.start })
	panels = slices.CompactFunc(panels, func(a, b *realPanel) bool { return a.old == b.old })
	var outOld, outNew [][]byte
	lastOld, lastNew := 0, 0
	for _, p := range panels {
		outOld = append(outOld, f.Old[lastOld:p.old.start])
		outNew = append(outNew, f.New[lastNew:p.new.start])
		lastOld, lastNew = p.old.end, p.new.end
		if diff := cmp.Diff(p.old.canon(f.Old, ""), p.new.canon(f.New, "")); diff != "" {
			t.Errorf("%s: panel at byte %d changed beyond thresholds (-old +new):\n%s", f.Path, p.old.start, diff)
		}
		if o, n := p.old.stripped(f.Old), p.new.stripped(f.New); !bytes.Equal(o, n) {
			t.Errorf("%s: the text of the panel at byte %d changed beyond thresholds (-old +new):\n%s", f.Path, p.old.start, cmp.Diff(string(o), string(n)))
		}
	}
	outOld = append(outOld, f.Old[lastOld:])
	outNew = append(outNew, f.New[lastNew:])
	for i := range outOld {
		if !bytes.Equal(outOld[i], outNew[i]) {
			t.Errorf("%s: bytes outside the named panels changed (piece %d):\n%s", f.Path, i, cmp.Diff(string(outOld[i]), string(outNew[i])))
		}
	}
}

// jnode is a JSON value read with encoding/json's tokens, with its byte
// span: the test's own reading of the dashboard, independent of the
// overlay's tokenizer.
type jnode struct {
	kind       byte // '{', '[' or 0 for a scalar
	start, end int
	keys       []string
	vals       []*jnode // object members or array elements
	lit        any      // scalars: json.Number, string, bool or nil
}

func mustTree(t *testing.T, src []byte) *jnode {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	n, err := readNode(dec, src)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func readNode(dec *json.Decoder, src []byte) (*jnode, error) {
	before := int(dec.InputOffset())
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	end := int(dec.InputOffset())
	d, ok := tok.(json.Delim)
	if !ok {
		// The token's text ends at end and starts after the blanks,
		// colon or comma that precede it.
		start := before
		for start < end && strings.ContainsRune(" \t\r\n:,", rune(src[start])) {
			start++
		}
		return &jnode{start: start, end: end, lit: tok}, nil
	}
	n := &jnode{kind: byte(d), start: end - 1}
	for dec.More() {
		if d == '{' {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k.(string))
		}
		v, err := readNode(dec, src)
		if err != nil {
			return nil, err
		}
		n.vals = append(n.vals, v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	n.end = int(dec.InputOffset())
	return n, nil
}

func (n *jnode) get(key string) *jnode {
	if n == nil || n.kind != '{' {
		return nil
	}
	if i := slices.Index(n.keys, key); i >= 0 {
		return n.vals[i]
	}
	return nil
}

func (n *jnode) str() string {
	if n == nil {
		return ""
	}
	s, _ := n.lit.(string)
	return s
}

// panel finds the panel ref names: at the top level, in a row panel's
// panels, or in the old rows[].panels; nil unless exactly one matches.
func (n *jnode) panel(ref *model.Panel) *jnode {
	var all []*jnode
	for _, p := range n.get("panels").elems() {
		if p.get("type").str() == "row" {
			all = append(all, p.get("panels").elems()...)
			continue
		}
		all = append(all, p)
	}
	for _, r := range n.get("rows").elems() {
		all = append(all, r.get("panels").elems()...)
	}
	var found []*jnode
	for _, p := range all {
		switch {
		case ref.Title != "" && p.get("title").str() == ref.Title,
			ref.ID != 0 && p.get("id") != nil && p.get("id").lit == json.Number(strconv.Itoa(ref.ID)):
			found = append(found, p)
		case ref.Metric != "":
			for _, q := range p.get("targets").elems() {
				if strings.Contains(q.get("expr").str(), ref.Metric) {
					found = append(found, p)
					break
				}
			}
		}
	}
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

func (n *jnode) elems() []*jnode {
	if n == nil || n.kind != '[' {
		return nil
	}
	return n.vals
}

// stripped is the text of n, a panel, without the members
// fieldConfig.defaults.thresholds and defaults.custom.thresholdsStyle (from
// the end of the member before to the end of the value), or, where such a
// member is alone in its object, without the member holding that object:
// the overlay replaces those values in place or appends them as members
// after the last, so what is left must be the input's text byte for byte,
// blanks included.
func (n *jnode) stripped(src []byte) []byte {
	type span struct{ start, end int }
	var cut []span
	for _, path := range [][]string{{"fieldConfig", "defaults", "thresholds"}, {"fieldConfig", "defaults", "custom", "thresholdsStyle"}} {
		chain := []*jnode{n}
		for _, k := range path {
			next := chain[len(chain)-1].get(k)
			if next == nil {
				break
			}
			chain = append(chain, next)
		}
		if len(chain) != len(path)+1 {
			continue
		}
		// Climb while the member is alone in its object.
		i := len(chain) - 1
		for i > 1 && len(chain[i-1].keys) == 1 {
			i--
		}
		parent, key := chain[i-1], path[i-1]
		j := slices.Index(parent.keys, key)
		start := parent.start + 1
		if j > 0 {
			start = parent.vals[j-1].end
		}
		cut = append(cut, span{start, parent.vals[j].end})
	}
	slices.SortFunc(cut, func(a, b span) int { return a.start - b.start })
	var out []byte
	last := n.start
	for _, c := range cut {
		if c.start < last { // nested in the cut before
			continue
		}
		out = append(out, src[last:c.start]...)
		last = c.end
	}
	return append(out, src[last:n.end]...)
}

// canon is n, a panel, as a comparable tree that keeps key order and
// number spelling, without fieldConfig.defaults.thresholds and
// defaults.custom.thresholdsStyle, nor the objects holding them when
// nothing else is left in them; path is n's place in the panel.
func (n *jnode) canon(src []byte, path string) any {
	switch n.kind {
	case '{':
		out := []any{}
		for i, k := range n.keys {
			p := path + "." + k
			switch c := n.vals[i].canon(src, p); {
			case p == ".fieldConfig.defaults.thresholds", p == ".fieldConfig.defaults.custom.thresholdsStyle":
			case (p == ".fieldConfig" || p == ".fieldConfig.defaults" || p == ".fieldConfig.defaults.custom") && len(c.([]any)) == 0:
			default:
				out = append(out, k, c)
			}
		}
		return out
	case '[':
		out := []any{}
		for _, v := range n.vals {
			out = append(out, v.canon(src, path+"[]"))
		}
		return out
	}
	if _, ok := n.lit.(json.Number); ok {
		return "number " + string(src[n.start:n.end])
	}
	return n.lit
}

// TestRealDashboardErrors: problems with real dashboards are errors at a
// position, with what was expected, and nothing is returned to write:
// a title two panels have (a graph and a table of the weave-net
// dashboard), a title no panel has (a letter's case off: the hint names
// the panel), and a dashboard cut short, as a failed download leaves it.
func TestRealDashboardErrors(t *testing.T) {
	dir := t.TempDir()
	copyFile := func(from, to string, n int) {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			data = data[:n]
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	real := "testdata/real/kube-prometheus/dashboards/"
	copyFile(real+"grafana-weave-net-cluster.json", filepath.Join(dir, "dashboards/weave.json"), 0)
	copyFile(real+"nodes.json", filepath.Join(dir, "dashboards/nodes.json"), 0)
	copyFile("testdata/real/ingress-nginx/dashboards/nginx.json", filepath.Join(dir, "dashboards/nginx.json"), 20000)
	spec := `version: slo/v1
service: kube
alerts:
  - name: P2pEstablishedLow
    signal: {expr: "sum by (instance) (weave_connections)"}
    below: {warning: 1}
    panel: {dashboard: voS3tW_Zk, title: "P2P / Established"}
  - name: NodeCpuHigh
    signal: {expr: "avg by (instance) (1 - rate(node_cpu_seconds_total{mode=\"idle\"}[5m]))"}
    above: {warning: 0.8}
    panel: {dashboard: 7d57716318ee0dddbac5a7f451fb7753, title: "CPU usage"}
`
	if err := os.MkdirAll(filepath.Join(dir, "specs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "specs/kube.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	chdir(t, dir)
	p, diags, err := input.Load([]string{"specs"})
	if err != nil || p == nil {
		t.Fatalf("load: %v %v", err, diags)
	}
	plan, _ := overlay.Plan(p)
	files, diags, err := overlay.Dashboards("dashboards", plan)
	if err != nil {
		t.Fatal(err)
	}
	if files != nil {
		t.Errorf("Dashboards returned %d files to write despite errors", len(files))
	}
	var got []string
	for _, d := range diags.Sorted() {
		if d.Severity == diag.Error {
			got = append(got, d.String())
		}
	}
	want := []string{
		`dashboards/nginx.json:786:5: error: dashboards/nginx.json is not valid JSON: unexpected end of input in an object [overlay/json]`,
		`specs/kube.yaml:7:12: error: kube alert P2pEstablishedLow: 2 panels of dashboard voS3tW_Zk match title "P2P / Established": id 55 "P2P / Established" at dashboards/weave.json:2136:5, id 46 "P2P / Established" at dashboards/weave.json:2606:5; name one by id [overlay/panel-ambiguous]`,
		`specs/kube.yaml:11:12: error: kube alert NodeCpuHigh: dashboard 7d57716318ee0dddbac5a7f451fb7753 (dashboards/nodes.json) has no panel with title "CPU usage"; did you mean "CPU Usage"? [overlay/panel-not-found]`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// BenchmarkApplyReal overlays rfmoz's Node Exporter Full (467 KB, 180
// panels) with the plan of its specs: the cost of slo overlay and of the
// stale check on a large real dashboard.
func BenchmarkApplyReal(b *testing.B) {
	chdir(b, "testdata/real/rfmoz")
	p, diags, err := input.Load([]string{"specs"})
	if err != nil || p == nil {
		b.Fatalf("load: %v %v", err, diags)
	}
	plan, _ := overlay.Plan(p)
	src, err := os.ReadFile("dashboards/node-exporter-full.json")
	if err != nil {
		b.Fatal(err)
	}
	d := dashboardOf(plan, "rYdddlPWk")
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, _, err := overlay.Apply("d.json", src, d); err != nil {
			b.Fatal(err)
		}
	}
}
