package realserver

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/app"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/promx/amx"
)

// The specs the test compiles, relative to this package.
const specsDir = "../../specs"

// evalInterval is the scrape interval, the global evaluation interval and
// the interval every rule group of the test copy is rewritten to.
const evalInterval = "1s"

// Bounds of the waits.
const (
	startTimeout = 60 * time.Second // a server answers /-/ready
	scrapeWait   = 30 * time.Second // Prometheus scrapes the exporter
	evalWait     = 45 * time.Second // every group evaluates three times
	alertWait    = 60 * time.Second // the driven alert shows in Alertmanager
)

// compiled is what the test reads of slo's output.
type compiled struct {
	ruleFiles    map[string][]byte // base name -> content
	alertmanager []byte
	groups       map[string]string // group name -> rule file base name
	rules        []rule
	recorded     map[string]bool // metric names recording rules write
	selectors    []*parser.VectorSelector
}

// TestShippedRulesOnRealServers starts Debian's prometheus and
// prometheus-alertmanager on loopback with what slo compiles from specs/,
// has Prometheus scrape an exporter inside the test, and checks (1) that
// every rule evaluates without error on realistic multi-series data, and
// (2) that an alert driven past its critical threshold is grouped by the
// real Alertmanager under the receiver slo's in-process router claims.
func TestShippedRulesOnRealServers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real Prometheus and Alertmanager servers; `make realservers` runs it")
	}
	promBin, err1 := exec.LookPath("prometheus")
	amBin, err2 := exec.LookPath("prometheus-alertmanager")
	if err1 != nil || err2 != nil {
		t.Skip("prometheus or prometheus-alertmanager is not installed; skipped " +
			"(apt-get install prometheus prometheus-alertmanager; .ci/run installs them)")
	}

	c := compileSpecs(t)
	exp := newExporter()
	checkServed(t, c, exp)
	pick := pickAlert(t, c, exp)
	t.Logf("case 2 drives %s (severity %s): %s by (%s) (%s) > %g",
		pick.alert, pick.severity, pick.agg, strings.Join(pick.grouping, ", "), pick.selector, pick.threshold)

	dir := t.TempDir()
	env := []string{"HOME=" + dir, "PATH=/usr/bin:/bin"}

	// Alertmanager, its receivers pointed at a webhook inside the test.
	hook := newWebhook()
	hookSrv := httptest.NewServer(hook)
	t.Cleanup(hookSrv.Close)
	amCfg, receivers, err := replaceReceivers(c.alertmanager, hookSrv.URL)
	if err != nil {
		t.Fatalf("rewrite the Alertmanager config: %v", err)
	}
	if err := amx.CheckAlertmanagerConfig(amCfg); err != nil {
		t.Fatalf("the test copy of the Alertmanager config does not load: %v\n%s", err, amCfg)
	}
	amPath := writeFile(t, dir, "alertmanager.yml", amCfg)
	am := startServer(t, "alertmanager", amBin, func(addr string) []string {
		return []string{
			"--config.file=" + amPath,
			"--storage.path=" + filepath.Join(dir, "am-data"),
			"--web.listen-address=" + addr,
			"--web.external-url=http://" + addr + "/",
			"--cluster.listen-address=", // no gossip: nothing listens but the web port
		}
	}, env)

	// The exporter, and Prometheus with the rewritten rules.
	expSrv := httptest.NewServer(exp)
	t.Cleanup(expSrv.Close)
	var rulePaths []string
	for name, data := range c.ruleFiles {
		out, err := rewriteRules(data, evalInterval, pick.alert, pick.severity)
		if err != nil {
			t.Fatalf("rewrite %s: %v", name, err)
		}
		rulePaths = append(rulePaths, writeFile(t, filepath.Join(dir, "rules"), name, out))
	}
	sort.Strings(rulePaths)
	promCfg := prometheusConfig(rulePaths, am.addr, strings.TrimPrefix(expSrv.URL, "http://"), upJobs(c))
	promPath := writeFile(t, dir, "prometheus.yml", []byte(promCfg))
	prom := startServer(t, "prometheus", promBin, func(addr string) []string {
		return []string{
			"--config.file=" + promPath,
			"--storage.tsdb.path=" + filepath.Join(dir, "prom-data"),
			"--web.listen-address=" + addr,
			"--web.external-url=http://" + addr + "/",
		}
	}, env)

	t.Run("every rule evaluates without error", func(t *testing.T) {
		checkRuleHealth(t, c, exp, prom)
	})
	t.Run("a critical alert reaches the receiver slo test claims", func(t *testing.T) {
		checkRouting(t, c, exp, pick, prom, am, receivers)
	})
	t.Logf("webhook received %d notification(s) (group_wait may hold them past the test)", hook.count())
}

// compileSpecs compiles specs/ in process, as slo compile does.
func compileSpecs(t *testing.T) *compiled {
	t.Helper()
	b, diags, err := app.Compile([]string{specsDir})
	if err != nil {
		t.Fatalf("compile %s: %v", specsDir, err)
	}
	if b == nil {
		t.Fatalf("compile %s: %v", specsDir, diags)
	}
	c := &compiled{ruleFiles: map[string][]byte{}, groups: map[string]string{}, recorded: map[string]bool{}}
	for _, f := range b.Files {
		switch {
		case strings.HasPrefix(f.Name, "rules/"):
			c.ruleFiles[filepath.Base(f.Name)] = f.Data
		case f.Name == "alertmanager/alertmanager.yml":
			c.alertmanager = f.Data
		}
	}
	if len(c.ruleFiles) == 0 || c.alertmanager == nil {
		t.Fatalf("compile %s: no rule files or no Alertmanager config", specsDir)
	}
	for name, data := range c.ruleFiles {
		var rf ruleFile
		if err := yaml.Unmarshal(data, &rf); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, g := range rf.Groups {
			c.groups[g.Name] = name
			c.rules = append(c.rules, g.Rules...)
			for _, r := range g.Rules {
				if r.Record != "" {
					c.recorded[r.Record] = true
				}
			}
		}
	}
	p := parser.NewParser(parser.Options{})
	for _, r := range c.rules {
		expr, err := p.ParseExpr(r.Expr)
		if err != nil {
			t.Fatalf("rule %s%s: %v", r.Record, r.Alert, err)
		}
		parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
			if vs, ok := n.(*parser.VectorSelector); ok && !c.recorded[metricName(vs)] {
				c.selectors = append(c.selectors, vs)
			}
			return nil
		})
	}
	return c
}

// metricName is the name a selector selects, or "" when it has none.
func metricName(vs *parser.VectorSelector) string {
	if vs.Name != "" {
		return vs.Name
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return ""
}

// bareSelector is vs without offset or @, as a query.
func bareSelector(vs *parser.VectorSelector) string {
	return (&parser.VectorSelector{Name: vs.Name, LabelMatchers: vs.LabelMatchers}).String()
}

// Series Prometheus makes itself: up comes from the scrape jobs upJobs
// adds; ALERTS from the rule manager.
var synthesized = map[string]bool{"up": true, "ALERTS": true, "ALERTS_FOR_STATE": true}

// checkServed fails for every metric the rules read that the exporter does
// not serve, and for every selector none of the served series satisfies.
func checkServed(t *testing.T, c *compiled, exp *exporter) {
	t.Helper()
	served := exp.names()
	seen := map[string]bool{}
	for _, vs := range c.selectors {
		name := metricName(vs)
		sel := bareSelector(vs)
		if seen[sel] {
			continue
		}
		seen[sel] = true
		switch {
		case name == "":
			t.Errorf("selector %s has no metric name; the exporter cannot be checked against it", sel)
		case synthesized[name]:
		case !served[name]:
			t.Errorf("the rules read %s (selector %s), which the test's exporter does not serve: add a realistic family for it to shippedFamilies in exporter_test.go", name, sel)
		default:
			if len(exp.seriesMatching(name, matches(vs))) == 0 {
				t.Errorf("selector %s selects none of the exporter's %s series: give the family label values the spec's selector reads", sel, name)
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// matches returns whether a served series (labels without __name__)
// satisfies vs's label matchers.
func matches(vs *parser.VectorSelector) func(map[string]string) bool {
	return func(ls map[string]string) bool {
		for _, m := range vs.LabelMatchers {
			if m.Name == labels.MetricName {
				continue
			}
			if !m.Matches(ls[m.Name]) {
				return false
			}
		}
		return true
	}
}

// upJobs returns the job names the rules' up{job="..."} selectors read:
// the test adds a scrape job of each name (scraping a page without
// series) so that Prometheus makes their up series.
func upJobs(c *compiled) []string {
	var jobs []string
	for _, vs := range c.selectors {
		if metricName(vs) != "up" {
			continue
		}
		for _, m := range vs.LabelMatchers {
			if m.Name == "job" && m.Type == labels.MatchEqual && !slices.Contains(jobs, m.Value) && m.Value != exporterJob {
				jobs = append(jobs, m.Value)
			}
		}
	}
	sort.Strings(jobs)
	return jobs
}

const exporterJob = "slo-realserver-exporter"

// prometheusConfig scrapes the exporter every second, keeping the job and
// instance labels the exporter sets (honor_labels), evaluates the rule
// files and sends alerts to the test's Alertmanager.
func prometheusConfig(ruleFiles []string, amAddr, exporterAddr string, upJobs []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: %s\n", evalInterval, evalInterval, evalInterval)
	b.WriteString("rule_files:\n")
	for _, f := range ruleFiles {
		fmt.Fprintf(&b, "  - %q\n", f)
	}
	fmt.Fprintf(&b, "alerting:\n  alertmanagers:\n    - api_version: v2\n      static_configs:\n        - targets: [%q]\n", amAddr)
	b.WriteString("scrape_configs:\n")
	fmt.Fprintf(&b, "  - job_name: %q\n    honor_labels: true\n    metrics_path: /metrics\n    static_configs:\n      - targets: [%q]\n", exporterJob, exporterAddr)
	for _, j := range upJobs {
		fmt.Fprintf(&b, "  - job_name: %q\n    metrics_path: /empty\n    static_configs:\n      - targets: [%q]\n", j, exporterAddr)
	}
	return b.String()
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The Prometheus API answers the test reads.
type rulesResponse struct {
	Data struct {
		Groups []struct {
			Name           string  `json:"name"`
			File           string  `json:"file"`
			Interval       float64 `json:"interval"`
			LastEvaluation string  `json:"lastEvaluation"`
			Rules          []struct {
				Name      string `json:"name"`
				Query     string `json:"query"`
				Type      string `json:"type"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
				Labels    map[string]string
			} `json:"rules"`
		} `json:"groups"`
	} `json:"data"`
}

type targetsResponse struct {
	Data struct {
		ActiveTargets []struct {
			ScrapePool string `json:"scrapePool"`
			ScrapeURL  string `json:"scrapeUrl"`
			Health     string `json:"health"`
			LastError  string `json:"lastError"`
		} `json:"activeTargets"`
	} `json:"data"`
}

type queryResponse struct {
	Data struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	} `json:"data"`
}

// checkRuleHealth is case 1: once every rule group has evaluated three
// times after the first scrape, every rule is healthy and reports no
// error. Before that it checks that every target is up and that every
// selector the rules read selects series in the real Prometheus.
func checkRuleHealth(t *testing.T, c *compiled, exp *exporter, prom *server) {
	start := time.Now()
	err := poll(scrapeWait, 200*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		var tr targetsResponse
		if err := getJSON(ctx, prom.url("/api/v1/targets"), &tr); err != nil {
			return false, "", err
		}
		var bad []string
		for _, tg := range tr.Data.ActiveTargets {
			if tg.Health != "up" {
				bad = append(bad, fmt.Sprintf("%s %s: %s %s", tg.ScrapePool, tg.ScrapeURL, tg.Health, tg.LastError))
			}
		}
		return len(tr.Data.ActiveTargets) > 0 && len(bad) == 0, "targets not up: " + strings.Join(bad, "; "), nil
	})
	if err != nil {
		t.Fatalf("scrape targets: %v", err)
	}
	first := exp.firstScrape()
	t.Logf("every target up after %s", time.Since(start).Round(time.Millisecond))

	// Every selector the rules read selects something in the real
	// Prometheus (the up series included).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seen := map[string]bool{}
	for _, vs := range c.selectors {
		sel := bareSelector(vs)
		if seen[sel] || metricName(vs) == "ALERTS" || metricName(vs) == "ALERTS_FOR_STATE" {
			continue
		}
		seen[sel] = true
		var qr queryResponse
		if err := getJSON(ctx, prom.url("/api/v1/query?query="+url.QueryEscape("count("+sel+")")), &qr); err != nil {
			t.Fatalf("query %s: %v", sel, err)
		}
		if len(qr.Data.Result) == 0 {
			t.Errorf("selector %s selects no series in Prometheus after it scraped the exporter", sel)
		}
	}

	// Three evaluations of every group after the first scrape.
	evals := map[string]map[string]bool{} // group -> distinct lastEvaluation times
	problems := map[string]string{}       // "group / rule" -> problem, from any poll
	var last rulesResponse
	err = poll(evalWait, 250*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		var rr rulesResponse
		if err := getJSON(ctx, prom.url("/api/v1/rules"), &rr); err != nil {
			return false, "", err
		}
		last = rr
		for _, g := range rr.Data.Groups {
			at, err := time.Parse(time.RFC3339Nano, g.LastEvaluation)
			if err != nil || !at.After(first) {
				continue
			}
			if evals[g.Name] == nil {
				evals[g.Name] = map[string]bool{}
			}
			evals[g.Name][g.LastEvaluation] = true
			for _, r := range g.Rules {
				if r.LastError != "" {
					problems[g.Name+" / "+r.Name] = fmt.Sprintf("health %s, error: %s\n    expr: %s", r.Health, r.LastError, r.Query)
				}
			}
		}
		var short []string
		for name := range c.groups {
			if n := len(evals[name]); n < 3 {
				short = append(short, fmt.Sprintf("%s (%d)", name, n))
			}
		}
		sort.Strings(short)
		return len(short) == 0, "groups with fewer than three evaluations: " + strings.Join(short, ", "), nil
	})
	if err != nil {
		t.Fatalf("rule evaluations: %v", err)
	}
	t.Logf("every group evaluated three times after %s", time.Since(start).Round(time.Millisecond))

	loaded := map[string]bool{}
	for _, g := range last.Data.Groups {
		loaded[g.Name] = true
		for _, r := range g.Rules {
			if r.Health != "ok" || r.LastError != "" {
				problems[g.Name+" / "+r.Name] = fmt.Sprintf("health %s, error: %s\n    expr: %s", r.Health, r.LastError, r.Query)
			}
		}
	}
	for name, file := range c.groups {
		if !loaded[name] {
			t.Errorf("group %s of %s is not loaded by Prometheus", name, file)
		}
	}
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("rule %s: %s", k, problems[k])
	}
	n := 0
	for _, g := range last.Data.Groups {
		n += len(g.Rules)
	}
	t.Logf("%d groups, %d rules evaluated at least three times each on the exporter's series", len(last.Data.Groups), n)
}

// picked is the alert case 2 drives: an alerting rule
// `recorded{...} > threshold` with severity critical, where recorded is
// written by `agg by (grouping) (selector)` over a gauge the exporter
// serves.
type picked struct {
	alert, severity string
	threshold       float64
	agg             string
	grouping        []string
	selector        string
	metric          string
	group           map[string]string   // the grouping label values driven
	series          []map[string]string // the served series in that group
}

// pickAlert finds, in the compiled rules, the first critical threshold
// alert (by name) whose signal the exporter can drive: a sum, max, min or
// avg by some labels of a gauge it serves. Nothing about the alert is
// hard-coded; a spec change picks another one or fails here, saying why.
func pickAlert(t *testing.T, c *compiled, exp *exporter) *picked {
	t.Helper()
	p := parser.NewParser(parser.Options{})
	records := map[string]rule{}
	for _, r := range c.rules {
		if r.Record != "" {
			records[r.Record] = r
		}
	}
	var cands []*picked
	for _, r := range c.rules {
		if r.Alert == "" || r.Labels["severity"] != "critical" {
			continue
		}
		e, err := p.ParseExpr(r.Expr)
		if err != nil {
			continue
		}
		be, ok := promx.Unparen(e).(*parser.BinaryExpr)
		if !ok || be.Op != parser.GTR || be.ReturnBool {
			continue
		}
		lhs, ok1 := promx.Unparen(be.LHS).(*parser.VectorSelector)
		rhs, ok2 := promx.Unparen(be.RHS).(*parser.NumberLiteral)
		if !ok1 || !ok2 {
			continue
		}
		rec, ok := records[metricName(lhs)]
		if !ok {
			continue
		}
		re, err := p.ParseExpr(rec.Expr)
		if err != nil {
			continue
		}
		ag, ok := promx.Unparen(re).(*parser.AggregateExpr)
		if !ok || ag.Without || len(ag.Grouping) == 0 || !slices.Contains([]parser.ItemType{parser.SUM, parser.MAX, parser.MIN, parser.AVG}, ag.Op) {
			continue
		}
		vs, ok := promx.Unparen(ag.Expr).(*parser.VectorSelector)
		if !ok || vs.OriginalOffset != 0 || vs.Timestamp != nil || exp.kindOf(metricName(vs)) != gauge {
			continue
		}
		served := exp.seriesMatching(metricName(vs), matches(vs))
		if len(served) == 0 {
			continue
		}
		// The group of the first served series, and every series in it.
		group := map[string]string{}
		for _, l := range ag.Grouping {
			group[l] = served[0][l]
		}
		var in []map[string]string
		for _, ls := range served {
			if matchesGroup(ls, group) {
				in = append(in, ls)
			}
		}
		cands = append(cands, &picked{
			alert: r.Alert, severity: "critical", threshold: rhs.Val, agg: ag.Op.String(),
			grouping: ag.Grouping, selector: bareSelector(vs), metric: metricName(vs), group: group, series: in,
		})
	}
	if len(cands) == 0 {
		t.Fatal("case 2 needs a critical alert `recorded > N` recorded as `sum|max|min|avg by (...) (gauge selector)` over a gauge the exporter serves; the compiled rules have none")
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].alert < cands[j].alert })
	return cands[0]
}

func matchesGroup(ls, group map[string]string) bool {
	for k, v := range group {
		if ls[k] != v {
			return false
		}
	}
	return true
}

// Alertmanager API v2 answers the test reads.
type amAlert struct {
	Labels    map[string]string `json:"labels"`
	Receivers []struct {
		Name string `json:"name"`
	} `json:"receivers"`
	Status struct {
		State       string   `json:"state"`
		InhibitedBy []string `json:"inhibitedBy"`
	} `json:"status"`
}

type amGroup struct {
	Labels   map[string]string `json:"labels"`
	Receiver struct {
		Name string `json:"name"`
	} `json:"receiver"`
	Alerts []amAlert `json:"alerts"`
}

// checkRouting is case 2: drive the picked alert's signal past its
// critical threshold in one group, wait until the real Alertmanager holds
// the alert, and compare the receivers it grouped it under with what slo
// test's router (package promx over Alertmanager's dispatch and inhibit
// code, as package harness calls it) claims for the same labels.
func checkRouting(t *testing.T, c *compiled, exp *exporter, pick *picked, prom, am *server, receivers []string) {
	// Past the threshold by half of it (at least 1), split over the
	// group's series when the signal sums them.
	target := pick.threshold + math.Max(math.Abs(pick.threshold)*0.5, 1)
	per := target
	if pick.agg == "sum" {
		per = target / float64(len(pick.series))
	}
	for _, ls := range pick.series {
		exp.override(pick.metric, ls, per)
	}
	t.Logf("driving %s to %g in %d series of group %v (threshold %g)", pick.metric, per, len(pick.series), pick.group, pick.threshold)

	isPicked := func(ls map[string]string) bool {
		return ls["alertname"] == pick.alert && ls["severity"] == pick.severity && matchesGroup(ls, pick.group)
	}
	var found map[string]string
	err := poll(alertWait, 250*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		var groups []amGroup
		if err := getJSON(ctx, am.url("/api/v2/alerts/groups"), &groups); err != nil {
			return false, "", err
		}
		for _, g := range groups {
			for _, a := range g.Alerts {
				if isPicked(a.Labels) {
					found = a.Labels
					return true, "", nil
				}
			}
		}
		return false, fmt.Sprintf("%d alert groups, none with %s{severity=%q,%v}", len(groups), pick.alert, pick.severity, pick.group), nil
	})
	if err != nil {
		var q queryResponse
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = getJSON(ctx, prom.url("/api/v1/query?query="+url.QueryEscape(fmt.Sprintf("ALERTS{alertname=%q}", pick.alert))), &q)
		t.Fatalf("Alertmanager never showed the driven alert: %v\nPrometheus's ALERTS for it: %+v", err, q.Data.Result)
	}
	// Alertmanager routes an alert to all its matching routes in one go;
	// look again a moment later so that every group it joins is listed.
	time.Sleep(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var groups []amGroup
	if err := getJSON(ctx, am.url("/api/v2/alerts/groups"), &groups); err != nil {
		t.Fatal(err)
	}
	var alerts []amAlert
	if err := getJSON(ctx, am.url("/api/v2/alerts"), &alerts); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range groups {
		for _, a := range g.Alerts {
			if isPicked(a.Labels) {
				got = append(got, g.Receiver.Name)
			}
		}
	}

	// The claim, from the compiled config (not the test copy): the routes
	// the alert reaches, less those muted by time intervals now, or none
	// when the other alerts Alertmanager holds inhibit it.
	router, err := amx.LoadAlertmanager(c.alertmanager)
	if err != nil {
		t.Fatalf("slo's router does not load the compiled config: %v", err)
	}
	if !slices.Equal(router.Receivers(), sortedCopy(receivers)) {
		t.Errorf("the test copy's receivers %v differ from the compiled ones %v", sortedCopy(receivers), router.Receivers())
	}
	idx := -1
	var firing []map[string]string
	for _, a := range alerts {
		if a.Status.State == "unprocessed" {
			continue
		}
		if isPicked(a.Labels) {
			idx = len(firing)
		}
		firing = append(firing, a.Labels)
	}
	if idx < 0 {
		t.Fatalf("the driven alert is in a group but not in /api/v2/alerts")
	}
	inhibited, err := router.Inhibited(firing)
	if err != nil {
		t.Fatal(err)
	}
	deliveries, err := router.Route(found, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var routed, claim []string
	for _, d := range deliveries {
		routed = append(routed, d.Receiver)
		if !d.Muted && !inhibited[idx] {
			claim = append(claim, d.Receiver)
		}
	}
	t.Logf("alert %v\n  slo's router: routes %v, notifies %v (inhibited: %v)\n  Alertmanager groups it under %v",
		found, routed, claim, inhibited[idx], got)
	if len(claim) == 0 {
		t.Fatalf("slo's router claims nobody is notified of %v (routes %v, inhibited %v); case 2 needs an alert that notifies someone", found, routed, inhibited[idx])
	}
	if !slices.Equal(sortedCopy(got), sortedCopy(claim)) {
		t.Errorf("the real Alertmanager groups %s under receivers %v; slo test claims %v", pick.alert, got, claim)
	}
	// And it agrees about inhibition: the alert is active, not suppressed.
	for _, a := range alerts {
		if isPicked(a.Labels) && a.Status.State != "active" {
			t.Errorf("the real Alertmanager has %s in state %s (inhibited by %v); slo's router says it is not inhibited", pick.alert, a.Status.State, a.Status.InhibitedBy)
		}
	}
}

func sortedCopy(xs []string) []string {
	out := slices.Clone(xs)
	sort.Strings(out)
	return out
}

// webhook is the only receiver of the test's Alertmanager: it counts what
// it is sent and answers 200.
type webhook struct {
	mu sync.Mutex
	n  int
}

func newWebhook() *webhook { return &webhook{} }

func (h *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	h.mu.Lock()
	h.n++
	h.mu.Unlock()
}

func (h *webhook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}
