package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// promtoolRealVerdicts are the exit codes of `promtool test rules FILE` of
// Prometheus v0.315.0 (built as promtoolVerdicts says) on real projects'
// unit-test files under testdata/promtool-real, run in the file's folder.
// Its README.md names each project, commit and licence. Where promtool
// fails, FILE.promtool next to the file holds what it printed, and slo's
// failure messages must be the same.
var promtoolRealVerdicts = []struct {
	file string
	code int
	// slow files take seconds exhaustively (promtool too): that mode runs
	// only without -short; slowBoth ones take seconds on demand too
	// (their groups fall back to exhaustive: docs/testing.md says why),
	// and both modes run only without -short.
	slow, slowBoth bool
}{
	{file: "govuk-helm-charts/argo_workflows_tests.yaml", code: 0},
	{file: "govuk-helm-charts/chat_ai_tests.yaml", code: 0, slow: true},
	{file: "govuk-helm-charts/database_backups_and_syncs_alerts_tests.yaml", code: 0},
	{file: "govuk-helm-charts/datagovuk_traffic_tests.yaml", code: 0},
	{file: "govuk-helm-charts/email_alert_api_alerts_tests.yaml", code: 0},
	{file: "govuk-helm-charts/fastly_tests.yaml", code: 0},
	{file: "govuk-helm-charts/graphql_tests.yaml", code: 0},
	{file: "govuk-helm-charts/integration/database_backups_and_syncs_integration_only_alerts_tests.yaml", code: 0, slow: true},
	// 0x176400 at 1m: 176,401 samples, most after its last eval_time.
	{file: "govuk-helm-charts/mirrors_tests.yaml", code: 0, slow: true},
	{file: "govuk-helm-charts/production/database_backups_and_syncs_production_only_alerts_tests.yaml", code: 0, slow: true},
	{file: "govuk-helm-charts/publishing_api_tests.yaml", code: 0},
	{file: "govuk-helm-charts/redis_tests.yaml", code: 0},
	{file: "govuk-helm-charts/router_tests.yaml", code: 0},
	{file: "govuk-helm-charts/search_api_alerts_tests.yaml", code: 0},
	{file: "govuk-helm-charts/search_api_v2_tests.yaml", code: 0, slow: true},
	{file: "govuk-helm-charts/smart_answers_tests.yaml", code: 0},
	{file: "govuk-helm-charts/staging/database_backups_and_syncs_staging_only_alerts_tests.yaml", code: 0, slow: true},
	{file: "govuk-helm-charts/startup_probe_failure_tests.yaml", code: 0},
	{file: "govuk-helm-charts/whitehall_tests.yaml", code: 0},
	// One expectation changed each, so that promtool fails (README.md).
	{file: "govuk-helm-charts/mutated/redis_tests.yaml", code: 1},
	{file: "govuk-helm-charts/mutated/router_tests.yaml", code: 1},
	{file: "govuk-helm-charts/mutated/whitehall_tests.yaml", code: 1},
	{file: "thanos/tests.yaml", code: 0, slow: true},
	// Seven files fail in promtool v0.315.0 (README.md says why).
	{file: "wikimedia-operations-alerts/team-collaboration-services/gerrit_test.yaml", code: 0, slow: true},
	{file: "wikimedia-operations-alerts/team-collaboration-services/vrts_test.yaml", code: 1},
	{file: "wikimedia-operations-alerts/team-data-engineering/eventbus_test.yaml", code: 0, slow: true},
	{file: "wikimedia-operations-alerts/team-data-engineering/eventgate_local_test.yaml", code: 1},
	{file: "wikimedia-operations-alerts/team-data-engineering/hadoop-hdfs_test.yaml", code: 1},
	{file: "wikimedia-operations-alerts/team-data-engineering/mw-page-content-change-enrich_test.yaml", code: 1},
	{file: "wikimedia-operations-alerts/team-data-persistence/mysql-replication-lag_test.yaml", code: 0},
	// 0x10000000 at 1m for an eval_time of 50m.
	{file: "wikimedia-operations-alerts/team-data-persistence/mysql-replication-threads_test.yaml", code: 0},
	{file: "wikimedia-operations-alerts/team-data-platform/cephosd_cluster_test.yaml", code: 0},
	{file: "wikimedia-operations-alerts/team-data-platform/datahub-availability_test.yaml", code: 1},
	{file: "wikimedia-operations-alerts/team-data-platform/growthbook_test.yaml", code: 1},
	{file: "wikimedia-operations-alerts/team-data-platform/hadoop-yarn_test.yaml", code: 1},
	{file: "wikimedia-operations-alerts/team-data-platform/java-heap_test.yaml", code: 0},
	{file: "wikimedia-operations-alerts/team-data-platform/kubernetes-resources_test.yaml", code: 0, slow: true},
	// Monitoring mixins, their rules generated with jsonnet (README.md).
	{file: "celery-exporter/tests/tests.yaml", code: 0},
	{file: "etcd/test.yaml", code: 1},
	{file: "grafana-windows-observ-lib/tests/prometheus_alerts_test.yaml", code: 0},
	{file: "ingress-nginx-mixin/tests.yaml", code: 0},
	{file: "kubernetes-autoscaling-mixin/tests/tests.yaml", code: 0, slow: true},
	{file: "kubernetes-mixin/tests/absent_alert-test.yaml", code: 0, slow: true},
	{file: "kubernetes-mixin/tests/apiserver-availability-test.yaml", code: 0, slow: true},
	{file: "kubernetes-mixin/tests/apps_alerts-test.yaml", code: 0, slow: true},
	{file: "kubernetes-mixin/tests/kube_scheduler-test.yaml", code: 0, slow: true},
	{file: "kubernetes-mixin/tests/kubelet-test.yaml", code: 0, slow: true},
	// One expectation changed each, so that promtool fails (README.md).
	{file: "kubernetes-mixin/tests/mutated-apps_alerts-test.yaml", code: 1},
	{file: "kubernetes-mixin/tests/mutated-kube_scheduler-test.yaml", code: 1},
	{file: "kubernetes-mixin/tests/resource_alerts-test.yaml", code: 0, slow: true},
	{file: "kubernetes-mixin/tests/rules-pod-owner-test.yaml", code: 0, slow: true},
	{file: "kubernetes-mixin/tests/tests.yaml", code: 0, slowBoth: true},
	{file: "thanos-receive-controller/tests.yaml", code: 1},
	// openshift/cluster-monitoring-operator's test/rules, against the
	// PrometheusRule objects of its assets/ (README.md): 264 rules, so
	// each group takes a while. workload_cpu_usage.yaml's input series
	// have the name and labels of a recording rule's output, so its
	// groups run exhaustively (as promtool, 1.2-1.9 s).
	{file: "openshift-cluster-monitoring-operator/NodeClockNotSynchronising.yaml", code: 0, slow: true},
	{file: "openshift-cluster-monitoring-operator/NodeClockSkewDetected.yaml", code: 0, slow: true},
	{file: "openshift-cluster-monitoring-operator/OCPBUGS-74673.yaml", code: 0, slow: true},
	{file: "openshift-cluster-monitoring-operator/OCPBUGS-86352.yaml", code: 0, slow: true},
	{file: "openshift-cluster-monitoring-operator/TargetDown.yaml", code: 0, slow: true},
	{file: "openshift-cluster-monitoring-operator/bz1879520.yaml", code: 0, slow: true},
	{file: "openshift-cluster-monitoring-operator/bz1882730.yaml", code: 0, slow: true},
	{file: "openshift-cluster-monitoring-operator/bz1903464.yaml", code: 0, slow: true},
	{file: "openshift-cluster-monitoring-operator/bz1974830.yaml", code: 1, slow: true},
	{file: "openshift-cluster-monitoring-operator/cluster_capacity_cpu.yaml", code: 0, slow: true},
	{file: "openshift-cluster-monitoring-operator/node_role.yaml", code: 0, slow: true},
	{file: "openshift-cluster-monitoring-operator/workload_cpu_usage.yaml", code: 0, slowBoth: true},
	// redhat-appstudio/o11y, 14 of its 87 test files (README.md).
	{file: "redhat-appstudio-o11y/data_plane/cert_manager_alerts_test.yaml", code: 0, slow: true},
	{file: "redhat-appstudio-o11y/data_plane/cluster_capacity_test.yaml", code: 0, slow: true},
	{file: "redhat-appstudio-o11y/data_plane/crashloopbackoff_test.yaml", code: 1},
	{file: "redhat-appstudio-o11y/data_plane/etcd_defrag_test.yaml", code: 0},
	{file: "redhat-appstudio-o11y/data_plane/kueue_alerts_test.yaml", code: 0, slow: true},
	{file: "redhat-appstudio-o11y/data_plane/kyverno_test.yaml", code: 1},
	{file: "redhat-appstudio-o11y/data_plane/node_alerts_test.yaml", code: 1, slow: true},
	{file: "redhat-appstudio-o11y/data_plane/pipeline_deadlock_crashloop_test.yaml", code: 0, slow: true},
	{file: "redhat-appstudio-o11y/data_plane/registry_exporter_alerts_test.yaml", code: 0, slow: true},
	{file: "redhat-appstudio-o11y/konflux-release-data/krd_runner_alerts_test.yaml", code: 0},
	{file: "redhat-appstudio-o11y/recording/caching_availability_recording_rules_test.yaml", code: 1},
	// Its rule_files names a file the project does not have: promtool
	// warns and runs the tests without it.
	{file: "redhat-appstudio-o11y/recording/kubearchive_recording_rules.yaml", code: 1},
	{file: "redhat-appstudio-o11y/recording/prometheus_availability_recording_rules_test.yaml", code: 0},
	{file: "redhat-appstudio-o11y/recording/ux_slo_aggregate_recording_rules_test.yaml", code: 0},
	// giantswarm/prometheus-rules, 10 of the 52 test files its capa
	// provider runs, against its helm chart rendered for capa (README.md).
	// 20 days at 1m under alerts whose team label is templated: 76 s on
	// demand before the prover took templated labels (promtool 63 s).
	{file: "giantswarm-prometheus-rules/kaas/tenet/alerting-rules/certificate.all.rules.test.yml", code: 0, slow: true},
	{file: "giantswarm-prometheus-rules/platform/atlas/alerting-rules/alloy.rules.test.yml", code: 0, slow: true},
	{file: "giantswarm-prometheus-rules/platform/atlas/alerting-rules/kafka.rules.test.yml", code: 0},
	{file: "giantswarm-prometheus-rules/platform/atlas/alerting-rules/kube-state-metrics.rules.test.yml", code: 1, slow: true},
	{file: "giantswarm-prometheus-rules/platform/atlas/alerting-rules/loki.rules.test.yml", code: 0, slow: true},
	{file: "giantswarm-prometheus-rules/platform/atlas/alerting-rules/mimir.rules.test.yml", code: 0, slow: true},
	{file: "giantswarm-prometheus-rules/platform/atlas/recording-rules/network-traffic-analysis.rules.test.yml", code: 0},
	{file: "giantswarm-prometheus-rules/platform/cabbage/alerting-rules/envoy-gateway.rules.test.yml", code: 0, slow: true},
	// Its rule file is not rendered for capa: promtool warns and fails.
	{file: "giantswarm-prometheus-rules/platform/honeybadger/alerting-rules/helm-operations.rules.test.yml", code: 1},
	{file: "giantswarm-prometheus-rules/platform/shield/alerting-rules/cert-manager.rules.test.yml", code: 1},
}

// TestPromtoolReal runs slo test, on demand and exhaustively, on real
// projects' promtool unit-test files and requires promtool's exit code
// and, where it fails, its failure messages.
func TestPromtoolReal(t *testing.T) {
	root := filepath.Join("testdata", "promtool-real")
	listed := map[string]bool{}
	for _, v := range promtoolRealVerdicts {
		listed[v.file] = true
	}
	// Every unit-test file there is in the table.
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, ".yml") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if fileKind(b) == "promtool" && !listed[filepath.ToSlash(rel)] {
			t.Errorf("%s has tests but no recorded promtool verdict", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range promtoolRealVerdicts {
		var want, wantWarn []string
		if v.code != 0 {
			b, err := os.ReadFile(filepath.Join(root, v.file+".promtool"))
			if err != nil {
				t.Fatalf("%s fails in promtool, but its output is not recorded: %v", v.file, err)
			}
			// promtool's warnings on stderr are slo's diagnostics.
			for _, l := range promtoolLines(string(b)) {
				if p, ok := strings.CutPrefix(l, "WARNING: no file match pattern "); ok {
					wantWarn = append(wantWarn, p)
				} else {
					want = append(want, l)
				}
			}
		}
		for _, exhaustive := range []bool{false, true} {
			name := v.file
			if exhaustive {
				name += " --exhaustive"
			}
			t.Run(name, func(t *testing.T) {
				if testing.Short() && (exhaustive && v.slow || v.slowBoth) {
					t.Skip("seconds long; runs without -short")
				}
				t.Parallel()
				run, diags, err := Test(TestOptions{Paths: []string{filepath.Join(root, v.file)}, Exhaustive: exhaustive})
				var msgs []string
				if run != nil {
					for _, r := range run.Results {
						for _, f := range r.Failures {
							msgs = append(msgs, f.Message)
						}
					}
				}
				if got := testExitCode(run, err); got != v.code {
					t.Fatalf("exit code %d, promtool's %d (err %v, diagnostics %v)\n%s", got, v.code, err, diags, strings.Join(msgs, "\n"))
				}
				if v.code != 0 {
					if d := cmp.Diff(want, promtoolLines(strings.Join(msgs, "\n"))); d != "" {
						t.Errorf("failure messages differ from promtool's (-promtool +slo):\n%s", d)
					}
					var warned []string
					for _, d := range diags {
						if d.Code == "promtool/no-rule-file" {
							p, _, _ := strings.Cut(strings.TrimPrefix(d.Message, "rule_files: no file match pattern "), " (")
							warned = append(warned, p)
						}
					}
					if d := cmp.Diff(wantWarn, warned); d != "" {
						t.Errorf("warnings differ from promtool's (-promtool +slo):\n%s", d)
					}
				}
			})
		}
	}
}

// promtoolLines are the lines of promtool's failure text without their
// indentation (promtool indents under FAILED:, slo under the test group),
// its SUCCESS and FAILED: headers and blank lines.
func promtoolLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l == "SUCCESS" || l == "FAILED:" {
			continue
		}
		out = append(out, l)
	}
	return out
}

// TestPromtoolGroupsAreTimed: a promtool file's test groups carry their
// run time, which --verbose and the json and junit reports show (they
// showed 0ms).
func TestPromtoolGroupsAreTimed(t *testing.T) {
	run, _, err := Test(TestOptions{Paths: []string{filepath.Join("testdata", "promtool-real", "etcd", "test.yaml")}, Exhaustive: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Results) == 0 {
		t.Fatal("no results")
	}
	for _, r := range run.Results {
		if r.Duration <= 0 {
			t.Errorf("%s: duration %v", r.Scenario.Name, r.Duration)
		}
	}
}
