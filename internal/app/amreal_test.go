package app

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/pkg/labels"
	commoncfg "github.com/prometheus/common/config"
	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/promx/amx"
	"github.com/slo-compiler/slo/internal/testfs"
)

// amRealService is the spec compiled with every real base config: an SLO
// (a page and a ticket) and a threshold alert of two severities, so that
// slo's subtree routes four alerts and appends inhibit rules.
const amRealService = `version: slo/v1
service: checkout
team: checkout
slos:
  - name: checkout-availability
    objective: 99.9
    sli:
      ratio:
        bad: http_requests_total{job="checkout",code=~"5.."}
        total: http_requests_total{job="checkout"}
alerts:
  - name: CheckoutQueueHigh
    signal:
      expr: sum(checkout_queue_depth)
    above: {warning: 100, critical: 500}
    for: 5m
`

// amRealAlerts are the alerts amRealService compiles, with the labels
// Alertmanager sees on them.
var amRealAlerts = []map[string]string{
	{"alertname": "CheckoutAvailabilityErrorBudgetBurn", "service": "checkout", "team": "checkout", "slo": "checkout-availability", "severity": "critical"},
	{"alertname": "CheckoutAvailabilityErrorBudgetBurn", "service": "checkout", "team": "checkout", "slo": "checkout-availability", "severity": "warning"},
	{"alertname": "CheckoutQueueHigh", "service": "checkout", "team": "checkout", "severity": "critical"},
	{"alertname": "CheckoutQueueHigh", "service": "checkout", "team": "checkout", "severity": "warning"},
}

// amRealCase is one real Alertmanager config used as routing.base: the
// receivers of the base that the checkout team's warnings and criticals
// go to, and the positions tried.
type amRealCase struct {
	dir               string
	warning, critical string
	positions         []string
	// shadowed maps a position to the receiver a route of the base placed
	// before slo's sends slo's criticals to, without continuing: slo warns
	// (routing/position), and they never reach critical.
	shadowed map[string]string
}

var amRealCases = []amRealCase{
	{"alertmanager-simple", "team-Y-mails", "team-X-pager", []string{"first", "last", "after team-X-mails", "before team-DB-pager"}, nil},
	{"alertmanager-conf-good", "slack-receiver", "opsGenie-receiver", []string{"first", "last", "after team-Y-mails"}, nil},
	{"alertmanager-cli-routing", "test2", "test1", []string{"first", "last", "after test1"}, nil},
	{"alertmanager-ha", "web.hook", "web.hook", []string{"first"}, nil},
	{"alertmanager-route-labels", "network", "dba", []string{"first", "after dba", "last"}, nil},
	{"kube-prometheus", "null", "Default", []string{"first", "after Watchdog", "after null", "last"}, map[string]string{"last": "Critical"}},
	{"openshift-cmo", "Watchdog", "Default", []string{"first", "before Critical", "after Critical", "last"}, map[string]string{"after Critical": "Critical", "last": "Critical"}},
	{"kube-prometheus-stack", "null", "null", []string{"first", "last"}, nil},
	{"alertmanager-chart", "default-receiver", "default-receiver", []string{"last"}, nil},
	{"dockprom", "slack", "slack", []string{"first"}, nil},
	{"cortex-getting-started", "default-receiver", "default-receiver", []string{"first"}, nil},
	{"cortex-dev-s3", "send-email", "send-email", []string{"first"}, nil},
	{"gitlab-runbooks", "nonprod_alerts_slack_channel", "slo_gprd_main", []string{"first", "after dead_mans_snitch_gprd", "before production_slack_channel"}, nil},
}

// TestRealBaseConfigs merges slo's routes into Alertmanager configs taken
// from public projects (testdata/am-real, each with a README naming its
// source) at several positions, and checks what routing.base promises:
//
//   - the merged config loads in Alertmanager (and in the real amtool's
//     check-config, where amtool is installed and reads the base);
//   - it is the base plus slo's subtree and slo's inhibit rules and
//     nothing else: with those two removed, Alertmanager reads the same
//     config, secrets included;
//   - alerts of the base's own (label sets taken from its matchers) reach
//     the same receivers as before, by Alertmanager's router and amtool's;
//   - slo's alerts reach the receivers the routing document names, and
//     the router slo test and slo check ask agrees with amtool.
func TestRealBaseConfigs(t *testing.T) {
	amtool, _ := exec.LookPath("amtool")
	if amtool == "" {
		t.Log("amtool is not installed: amtool's verdicts are skipped (apt-get install prometheus-alertmanager)")
	}
	for _, c := range amRealCases {
		base, err := os.ReadFile(filepath.Join("testdata", "am-real", c.dir, "alertmanager.yml"))
		if err != nil {
			t.Fatal(err)
		}
		amtoolReadsBase := amtool != "" && exec.Command(amtool, "check-config", filepath.Join("testdata", "am-real", c.dir, "alertmanager.yml")).Run() == nil
		for i, pos := range c.positions {
			t.Run(c.dir+"/"+strings.ReplaceAll(pos, " ", "_"), func(t *testing.T) {
				merged, diags := compileWithBase(t, base, amRealService, c, pos)
				var warned []string
				for _, d := range diags {
					if d.Code == "routing/position" {
						warned = append(warned, d.Message)
					}
				}
				if via, ok := c.shadowed[pos]; ok {
					if len(warned) != 1 || !strings.Contains(warned[0], fmt.Sprintf("(receiver %q", via)) {
						t.Errorf("want one routing/position warning about the route to %s before slo's, got %q", via, warned)
					}
				} else if len(warned) > 0 {
					t.Errorf("routing/position warnings: %q", warned)
				}
				// amtool is a process per question: -short asks it about
				// the first position only, Alertmanager's router in Go
				// about every one.
				checkRealMerge(t, base, merged, c, pos, amtoolIf(amtoolReadsBase && (!testing.Short() || i == 0), amtool))
			})
		}
	}
}

func amtoolIf(ok bool, amtool string) string {
	if ok {
		return amtool
	}
	return ""
}

// compileWithBase compiles the service spec service with a routing whose
// base is base, placed at pos, and returns the merged Alertmanager config
// and the warnings.
func compileWithBase(t *testing.T, base []byte, service string, c amRealCase, pos string) ([]byte, diag.List) {
	t.Helper()
	dir := t.TempDir()
	routing := fmt.Sprintf(`version: slo/v1
routing:
  base: ../config/alertmanager.base.yml
  position: %q
  teams:
    checkout:
      warning: %q
      critical: %q
`, pos, c.warning, c.critical)
	testfs.Write(t, dir, map[string]string{
		"config/alertmanager.base.yml": string(base),
		"specs/checkout.yaml":          service,
		"specs/routing.yaml":           routing,
	})
	t.Chdir(dir)
	b, diags, err := Compile([]string{"specs"})
	if err != nil || b == nil || diags.HasErrors() {
		t.Fatalf("compile: %v\n%s", err, renderDiags(t, diags))
	}
	for _, f := range b.Files {
		if f.Name == filepath.Join("alertmanager", "alertmanager.yml") {
			return f.Data, diags
		}
	}
	t.Fatalf("no alertmanager/alertmanager.yml among %d files", len(b.Files))
	return nil, nil
}

func checkRealMerge(t *testing.T, base, merged []byte, c amRealCase, pos, amtool string) {
	t.Helper()
	baseCfg, err := amconfig.Load(string(base))
	if err != nil {
		t.Fatalf("the base does not load: %v", err)
	}
	mergedCfg, err := amconfig.Load(string(merged))
	if err != nil {
		t.Fatalf("the merged config does not load: %v\n%s", err, merged)
	}
	dir := t.TempDir()
	basePath, mergedPath := filepath.Join(dir, "base.yml"), filepath.Join(dir, "merged.yml")
	for p, data := range map[string][]byte{basePath: base, mergedPath: merged} {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if amtool != "" {
		if out, err := exec.Command(amtool, "check-config", mergedPath).CombinedOutput(); err != nil {
			t.Errorf("amtool check-config refuses the merged config: %v\n%s", err, out)
		}
	}

	// The base, semantically: slo's subtree and inhibit rules removed,
	// Alertmanager reads the same config, secrets included.
	at := realPosition(t, baseCfg, pos)
	if at >= len(mergedCfg.Route.Routes) {
		t.Fatalf("the merged root route has %d children; slo's subtree should be child %d", len(mergedCfg.Route.Routes), at+1)
	}
	sub := mergedCfg.Route.Routes[at]
	if got := labels.Matchers(sub.Matchers).String(); !strings.Contains(got, `service=~"checkout"`) || !strings.Contains(got, "CheckoutQueueHigh") {
		t.Fatalf("child %d of the merged root route is not slo's subtree: matchers %s", at+1, got)
	}
	mergedCfg.Route.Routes = slices.Delete(mergedCfg.Route.Routes, at, at+1)
	added := len(mergedCfg.InhibitRules) - len(baseCfg.InhibitRules)
	if added != 2 {
		t.Fatalf("%d inhibit rules added to the base's %d, want slo's 2", added, len(baseCfg.InhibitRules))
	}
	for _, r := range mergedCfg.InhibitRules[len(baseCfg.InhibitRules):] {
		if s := labels.Matchers(r.SourceMatchers).String(); !strings.Contains(s, "Checkout") {
			t.Errorf("an inhibit rule after the base's is not slo's: %s", s)
		}
	}
	mergedCfg.InhibitRules = mergedCfg.InhibitRules[:len(baseCfg.InhibitRules)]
	if diff := cmp.Diff(marshalWithSecrets(t, baseCfg), marshalWithSecrets(t, mergedCfg)); diff != "" {
		t.Errorf("the merged config without slo's subtree and inhibit rules is not the base (-base +merged):\n%s", diff)
	}

	// The base's own alerts go where they went.
	baseAM, err := amx.LoadAlertmanager(base)
	if err != nil {
		t.Fatal(err)
	}
	mergedAM, err := amx.LoadAlertmanager(merged)
	if err != nil {
		t.Fatal(err)
	}
	own := ownLabelSets(baseCfg.Route)
	if len(own) < 2 {
		t.Fatalf("only %d label sets from the base's routes", len(own))
	}
	for i, ls := range own {
		want := routeReceivers(t, baseAM, ls)
		if got := routeReceivers(t, mergedAM, ls); got != want {
			t.Errorf("the base's own alert %v goes to %s after merging, to %s in the base", ls, got, want)
		}
		// Likewise for the base's own label sets: -short asks amtool about
		// the first few.
		if amtool != "" && (!testing.Short() || i < 3) {
			args := labelArgs(ls)
			if got := amtoolRoutes(t, amtool, basePath, args); got != want {
				t.Errorf("amtool sends the base's %v to %s in the base, Alertmanager's router to %s", ls, got, want)
			}
			if got := amtoolRoutes(t, amtool, mergedPath, args); got != want {
				t.Errorf("amtool sends the base's %v to %s after merging, to %s in the base", ls, got, want)
			}
		}
	}

	// slo's alerts reach the routing's receivers, after any route of the
	// base placed before slo's that matches them and continues.
	for _, ls := range amRealAlerts {
		want := c.warning
		if ls["severity"] == "critical" {
			want = c.critical
			if via, ok := c.shadowed[pos]; ok {
				want = via
			}
		}
		got := routeReceivers(t, mergedAM, ls)
		if rs := strings.Split(got, ","); rs[len(rs)-1] != want {
			t.Errorf("slo's alert %v goes to %s, want %s last", ls, got, want)
		}
		if amtool != "" {
			if a := amtoolRoutes(t, amtool, mergedPath, labelArgs(ls)); a != got {
				t.Errorf("slo claims %v goes to %s, amtool says %s", ls, got, a)
			}
		}
	}
}

// realPosition is the index among the base root route's children where
// routing.position pos puts slo's subtree, read from the base as
// Alertmanager loaded it.
func realPosition(t *testing.T, base *amconfig.Config, pos string) int {
	t.Helper()
	children := base.Route.Routes
	where, receiver, _ := strings.Cut(pos, " ")
	switch where {
	case "first":
		return 0
	case "last":
		return len(children)
	}
	for i, r := range children {
		if r.Receiver == receiver {
			if where == "after" {
				return i + 1
			}
			return i
		}
	}
	t.Fatalf("no child route of the base has receiver %q", receiver)
	return 0
}

// marshalWithSecrets is cfg as Alertmanager writes it, with its secrets
// written out rather than as <secret>, so that a lost or changed secret
// shows.
func marshalWithSecrets(t *testing.T, cfg *amconfig.Config) string {
	t.Helper()
	commoncfg.MarshalSecretValue = true
	defer func() { commoncfg.MarshalSecretValue = false }()
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ownLabelSets returns, for every route of the base's tree, the labels of
// an alert that its matchers and its ancestors' select (where a value can
// be read off them), plus a few alerts that match no child: a Watchdog, a
// critical, and an alert of slo's service and team whose name is not
// slo's. None carries one of slo's alert names, so slo's subtree must not
// take any of them.
func ownLabelSets(root *amconfig.Route) []map[string]string {
	out := []map[string]string{
		{"alertname": "Watchdog", "severity": "none"},
		{"alertname": "NodeDown", "severity": "critical"},
		{"alertname": "CheckoutPodCrashLooping", "service": "checkout", "team": "checkout", "severity": "critical"},
	}
	var walk func(r *amconfig.Route, ls map[string]string)
	walk = func(r *amconfig.Route, ls map[string]string) {
		for _, c := range r.Routes {
			next := map[string]string{}
			for k, v := range ls {
				next[k] = v
			}
			ok := true
			for _, m := range routeMatchers(c) {
				if m.Type == labels.MatchNotEqual || m.Type == labels.MatchNotRegexp {
					continue
				}
				v, found := sampleValue(m)
				if !found {
					ok = false
					break
				}
				next[m.Name] = v
			}
			if !ok {
				continue
			}
			if _, named := next["alertname"]; !named {
				next["alertname"] = "BaseOwnAlert"
			}
			if matchesAll(routeMatchers(c), next) {
				out = append(out, next)
			}
			walk(c, next)
		}
	}
	walk(root, map[string]string{})
	return out
}

// routeMatchers is a route's match, match_re and matchers as matchers.
func routeMatchers(r *amconfig.Route) []*labels.Matcher {
	var ms []*labels.Matcher
	for k, v := range r.Match {
		m, _ := labels.NewMatcher(labels.MatchEqual, k, v)
		ms = append(ms, m)
	}
	for k, v := range r.MatchRE {
		m, err := labels.NewMatcher(labels.MatchRegexp, k, strings.TrimSuffix(strings.TrimPrefix(v.String(), "^(?:"), ")$"))
		if err == nil {
			ms = append(ms, m)
		}
	}
	ms = append(ms, r.Matchers...)
	slices.SortFunc(ms, func(a, b *labels.Matcher) int { return strings.Compare(a.String(), b.String()) })
	return ms
}

// sampleValue is a value that matcher m matches: its value for an
// equality, one of the alternatives of a regular expression.
func sampleValue(m *labels.Matcher) (string, bool) {
	if m.Type == labels.MatchEqual {
		return m.Value, true
	}
	for _, alt := range strings.Split(m.Value, "|") {
		v := regexp.MustCompile(`[\^$()?:]`).ReplaceAllString(alt, "")
		v = strings.ReplaceAll(v, ".+", "x")
		v = strings.ReplaceAll(v, ".*", "x")
		if m.Matches(v) {
			return v, true
		}
	}
	return "", false
}

func matchesAll(ms []*labels.Matcher, ls map[string]string) bool {
	for _, m := range ms {
		if !m.Matches(ls[m.Name]) {
			return false
		}
	}
	return true
}

// routeReceivers is the receivers Alertmanager's router sends an alert
// with labels ls to, comma-separated as amtool prints them.
func routeReceivers(t *testing.T, am *amx.Alertmanager, ls map[string]string) string {
	t.Helper()
	ds, err := am.Route(ls, time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var rs []string
	for _, d := range ds {
		rs = append(rs, d.Receiver)
	}
	return strings.Join(rs, ",")
}

func labelArgs(ls map[string]string) []string {
	var args []string
	for k, v := range ls {
		args = append(args, k+"="+v)
	}
	slices.Sort(args)
	return args
}
