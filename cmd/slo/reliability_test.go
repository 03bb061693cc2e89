package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/testfs"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/outfile"
)

// replaceByFolder puts a folder (holding a file, so that nothing can
// remove it by accident) where the file name is.
func replaceByFolder(t *testing.T, name string) {
	t.Helper()
	os.Remove(name)
	if err := os.MkdirAll(filepath.Join(name, "keep"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// failOn returns an operation on paths that fails for paths ending in
// suffix and otherwise calls real.
func failOn(suffix string, real func(string) error) func(string) error {
	return func(path string) error {
		if strings.HasSuffix(filepath.ToSlash(path), suffix) {
			return fmt.Errorf("injected failure on %s", filepath.ToSlash(path))
		}
		return real(path)
	}
}

func renameFailingOn(suffix string) func(oldpath, newpath string) error {
	return func(oldpath, newpath string) error {
		return failOn(suffix, func(string) error { return os.Rename(oldpath, newpath) })(newpath)
	}
}

var (
	apiSpec = `version: slo/v1
service: api
team: platform
alerts:
  - name: DiskFull
    signal: {expr: 'max by (instance) (disk_used_ratio)'}
    above: {critical: 0.9}
    panel: {dashboard: shop, title: Disk}
`
	apiSpecChanged = strings.ReplaceAll(apiSpec, "0.9}", "0.95}")
	dbSpec         = `version: slo/v1
service: db
team: platform
alerts:
  - name: DbDiskFull
    signal: {expr: 'max by (instance) (db_disk_used_ratio)'}
    above: {critical: 0.8}
    panel: {dashboard: db, title: Disk}
`
	routingSpec = `version: slo/v1
routing:
  default_receiver: ops
  teams:
    platform: {critical: ops}
`
	routingWithBase = `version: slo/v1
routing:
  base: ../config/alertmanager.base.yml
  default_receiver: ops
  teams:
    platform: {critical: ops}
`
	baseConfig = `time_intervals:
  - name: office-hours
    time_intervals:
      - weekdays: ['monday:friday']
receivers:
  - name: ops
`
	dashboard = func(uid string) string {
		return `{
  "uid": "` + uid + `",
  "title": "` + uid + `",
  "schemaVersion": 39,
  "annotations": {"list": []},
  "templating": {"list": []},
  "panels": [
    {
      "id": 1,
      "type": "timeseries",
      "title": "Disk",
      "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
      "targets": [{"refId": "A", "expr": "disk_used_ratio"}]
    }
  ]
}
`
	}
	project = map[string]string{
		"specs/api.yaml":     apiSpec,
		"specs/db.yaml":      dbSpec,
		"specs/routing.yaml": routingSpec,
		"dashboards/db.json": dashboard("db"), "dashboards/shop.json": dashboard("shop"),
	}
)

func with(base map[string]string, changes map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for k, v := range changes {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

// leaveTemps leaves what a compile killed while it wrote leaves: temporary
// files in rules/ (one a whole generated file, one empty) and overlays/,
// beside files of other names and in a folder compile does not write.
func leaveTemps(t *testing.T) {
	t.Helper()
	api, err := os.ReadFile("rules/api.yml")
	if err != nil {
		t.Fatal(err)
	}
	testfs.Write(t, ".", map[string]string{
		"rules/.slo-123.tmp":    string(api),
		"rules/.slo-45.tmp":     "",
		"overlays/.slo-6.tmp":   "{}\n",
		"rules/.slo-x.tmp":      "hand-written, not a temporary file of slo\n",
		"rules/notes.slo-7.tmp": "hand-written\n",
		"specs/.slo-8.tmp":      "not an output folder\n",
	})
}

// TestReliability runs slo on a project where writing must fail (a folder
// standing where an output file must go, a read-only folder, a rename or a
// stale file's removal that fails), or where a secret must not show, and
// checks the exit code, the exact output, and that every file and folder
// below the project is byte-identical before and after (only the files in
// changed may differ, for the runs that succeed).
func TestReliability(t *testing.T) {
	for _, tc := range []struct {
		name string
		// files are the project; prepare runs slo on it first (it must
		// succeed), then edit changes it, then the tree is hashed.
		files   map[string]string
		prepare [][]string
		edit    func(t *testing.T)
		// faults makes the nth rename or removal fail.
		rename, remove string
		// asRoot: skip when running as root, which ignores permissions.
		needsNonRoot bool

		args           []string
		code           int
		stdout, stderr string
		changed        []string
	}{{
		name:    "compile: folder where the second output file must go",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			testfs.Write(t, ".", map[string]string{"specs/api.yaml": apiSpecChanged})
			replaceByFolder(t, "rules/db.yml")
		},
		args:   []string{"compile"},
		code:   exitFailure,
		stderr: "slo: writing output: rules/db.yml: a folder stands where the file must go (nothing was written)\n",
	}, {
		name:  "compile: a failed first write creates no folder",
		files: project,
		edit: func(t *testing.T) {
			replaceByFolder(t, "alertmanager/alertmanager.yml")
		},
		args:   []string{"compile"},
		code:   exitFailure,
		stderr: "slo: writing output: alertmanager/alertmanager.yml: a folder stands where the file must go (nothing was written)\n",
	}, {
		name:  "compile --out: a file where the output folder must go",
		files: with(project, map[string]string{"build/overlays": "not a folder\n"}),
		args:  []string{"compile", "--out", "build"},
		code:  exitFailure,
		// The rule files and alertmanager.yml come first: not one lands.
		stderr: "slo: writing output: build/overlays: a file stands where a folder must go (nothing was written)\n",
	}, {
		name:    "compile: the rename of the second changed file fails",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			testfs.Write(t, ".", map[string]string{"specs/api.yaml": apiSpecChanged, "specs/db.yaml": strings.ReplaceAll(dbSpec, "0.8}", "0.85}")})
		},
		rename: "rules/db.yml",
		args:   []string{"compile"},
		code:   exitFailure,
		stderr: "slo: writing output: injected failure on rules/db.yml (nothing was written)\n",
	}, {
		name:         "compile: a read-only output folder",
		needsNonRoot: true,
		files:        project,
		prepare:      [][]string{{"compile"}},
		edit: func(t *testing.T) {
			testfs.Write(t, ".", map[string]string{"specs/api.yaml": apiSpecChanged})
			if err := os.Chmod("rules", 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod("rules", 0o755) })
		},
		args:   []string{"compile"},
		code:   exitFailure,
		stderr: "slo: writing output: rules: cannot create a file there: permission denied (nothing was written)\n",
	}, {
		name:    "compile: the removal of a stale file fails",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			os.Remove("specs/db.yaml")
			testfs.Write(t, ".", map[string]string{"specs/api.yaml": apiSpecChanged})
		},
		remove: "overlays/db.json",
		args:   []string{"compile"},
		code:   exitFailure,
		stderr: "slo: writing output: injected failure on overlays/db.json (nothing was written)\n",
	}, {
		name:    "compile: the stale files are removed once everything is written",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			os.Remove("specs/db.yaml")
		},
		args:    []string{"compile"},
		code:    exitOK,
		stdout:  "removed rules/db.yml (no spec generates it any more)\nremoved overlays/db.json (no spec generates it any more)\n0 written, 3 unchanged, 2 removed\n",
		changed: []string{"rules/db.yml", "overlays/db.json"},
	}, {
		name:    "compile of one spec: the other specs' files stay",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			testfs.Write(t, ".", map[string]string{"specs/api.yaml": apiSpecChanged})
		},
		args: []string{"compile", "specs/api.yaml"},
		code: exitOK,
		stdout: "wrote rules/api.yml\n" +
			"note: a subset of the specs: only its rule files are written; alertmanager/alertmanager.yml and overlays/ depend on every spec and stay as they are, and no stale file is removed (run slo compile without PATH for those)\n" +
			"1 written, 0 unchanged\n",
		changed: []string{"rules/api.yml"},
	}, {
		// A compile killed (SIGKILL) while it wrote leaves temporary files
		// that no roll-back removed: the next compile removes those in the
		// folders it writes, and nothing else.
		name:    "compile: an interrupted run's temporary files are removed",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit:    leaveTemps,
		args:    []string{"compile"},
		code:    exitOK,
		stdout:  "removed 3 temporary files (.slo-*.tmp) that an interrupted run left in overlays/, rules/\n0 written, 5 unchanged\n",
		changed: []string{"rules/.slo-123.tmp", "rules/.slo-45.tmp", "overlays/.slo-6.tmp"},
	}, {
		name:    "compile of one spec: an interrupted run's temporary files in rules/ are removed",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit:    leaveTemps,
		args:    []string{"compile", "specs/api.yaml"},
		code:    exitOK,
		stdout: "removed 2 temporary files (.slo-*.tmp) that an interrupted run left in rules/\n" +
			"note: a subset of the specs: only its rule files are written; alertmanager/alertmanager.yml and overlays/ depend on every spec and stay as they are, and no stale file is removed (run slo compile without PATH for those)\n" +
			"0 written, 1 unchanged\n",
		changed: []string{"rules/.slo-123.tmp", "rules/.slo-45.tmp"},
	}, {
		name:    "compile: a failed write leaves an interrupted run's temporary files too",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			leaveTemps(t)
			testfs.Write(t, ".", map[string]string{"specs/api.yaml": apiSpecChanged})
		},
		rename: "rules/api.yml",
		args:   []string{"compile"},
		code:   exitFailure,
		stderr: "slo: writing output: injected failure on rules/api.yml (nothing was written)\n",
	}, {
		name:    "overlay --out: folder where the second dashboard must go",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			replaceByFolder(t, "build/shop.json")
		},
		args:   []string{"overlay", "--out", "build"},
		code:   exitFailure,
		stderr: "slo: writing dashboards: build/shop.json: a folder stands where the file must go (nothing was written)\n",
	}, {
		name:   "overlay --out: a failed write creates no folder",
		files:  project,
		rename: "deep/out/shop.json",
		args:   []string{"overlay", "--out", "deep/out"},
		code:   exitFailure,
		stderr: "slo: writing dashboards: injected failure on deep/out/shop.json (nothing was written)\n",
	}, {
		name:   "overlay: the rename of the second dashboard fails",
		files:  project,
		rename: "dashboards/shop.json",
		args:   []string{"overlay"},
		code:   exitFailure,
		stderr: "slo: writing dashboards: injected failure on dashboards/shop.json (nothing was written)\n",
	}, {
		name: "secret: an invalid api_url carrying a token",
		files: with(project, map[string]string{"specs/routing.yaml": routingWithBase, "config/alertmanager.base.yml": `receivers:
  - name: ops
    slack_configs: [{api_url: 'https://hooks.slack.com/services/T0/B0/xoxb-4711-TOKEN%zz', channel: '#ops'}]
`}),
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "config/alertmanager.base.yml:3:31: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: parse \"<secret>\": invalid URL escape \"%zz\" [alertmanager/invalid]\n",
	}, {
		name: "secret: a slack_api_url with a token",
		files: with(project, map[string]string{"specs/routing.yaml": routingWithBase, "config/alertmanager.base.yml": `global:
  slack_api_url: 'https://hooks.slack.com:xoxb-4711-TOKEN/services/T0'
receivers: [{name: ops}]
`}),
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "config/alertmanager.base.yml:2:18: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: parse \"<secret>\": invalid port \"<secret>\" after host [alertmanager/invalid]\n",
	}, {
		name: "secret: a URL with user:password",
		files: with(project, map[string]string{"specs/routing.yaml": routingWithBase, "config/alertmanager.base.yml": `receivers:
  - name: ops
    webhook_configs:
      - url: http://example.com/hook
        http_config: {proxy_url: 'http://admin:hunter22@proxy example:3128'}
`}),
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "config/alertmanager.base.yml:5:34: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: parse \"<secret>\": invalid character \" \" in host name [alertmanager/invalid]\n",
	}, {
		name: "secret: a base that is not an Alertmanager config quotes no URL",
		files: with(project, map[string]string{"specs/routing.yaml": routingWithBase, "config/alertmanager.base.yml": `receivers: 'https://admin:hunter22@hooks.example.com/x'
`}),
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "config/alertmanager.base.yml:1:12: error: receivers: expected a list of receivers, got a string [spec/base]\n",
	}, {
		name:    "yaml: a tab in the indentation",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			testfs.Write(t, ".", map[string]string{"specs/api.yaml": strings.Replace(apiSpecChanged, "  - name", "\t- name", 1)})
		},
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "specs/api.yaml:5:1: error: invalid YAML: found character that cannot start any token; YAML does not allow tabs in indentation, indent with spaces [spec/yaml]\n",
	}, {
		// yaml.v3 says line 2 (the line before the "[", counted from 0).
		name:    "yaml: an unclosed flow sequence",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			testfs.Write(t, ".", map[string]string{"specs/api.yaml": strings.Replace(apiSpecChanged, "team: platform", "team: [platform", 1)})
		},
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "specs/api.yaml:4:7: error: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence at line 3 column 7 [spec/yaml]\n",
	}, {
		// yaml.v3 says line 4 (where the list starts, counted from 0).
		name:    "yaml: a key dedented out of its list item",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			testfs.Write(t, ".", map[string]string{"specs/api.yaml": strings.Replace(apiSpecChanged, "    above:", "   above:", 1)})
		},
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "specs/api.yaml:7:4: error: invalid YAML: did not find expected '-' indicator while parsing a block collection at line 5 column 3 [spec/yaml]\n",
	}, {
		name:    "yaml: an unclosed quote, at the quote",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			testfs.Write(t, ".", map[string]string{"specs/api.yaml": strings.Replace(apiSpecChanged, "title: Disk}", "title: \"Disk}", 1)})
		},
		args:   []string{"validate"},
		code:   exitProblems,
		stderr: "specs/api.yaml:8:37: error: invalid YAML: found unexpected end of stream while scanning a quoted scalar that starts here [spec/yaml]\n",
	}, {
		name:    "yaml: an unknown alias",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			testfs.Write(t, ".", map[string]string{"specs/api.yaml": strings.Replace(apiSpecChanged, "team: platform", "team: *platform", 1)})
		},
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "specs/api.yaml:3:7: error: invalid YAML: unknown anchor 'platform' referenced [spec/yaml]\n",
	}, {
		name:    "yaml: a byte that is not UTF-8",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			testfs.Write(t, ".", map[string]string{"specs/api.yaml": strings.Replace(apiSpecChanged, "title: Disk", "title: Dïsk\xff", 1)})
		},
		args:   []string{"check"},
		code:   exitProblems,
		stderr: "specs/api.yaml:8:41: error: invalid YAML: invalid leading UTF-8 octet (byte 0xff); the file must be UTF-8 text [spec/yaml]\nslo check: FAILED\n",
	}, {
		name:    "yaml: CRLF and a byte-order mark",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			crlf := "\ufeff" + strings.ReplaceAll(strings.Replace(apiSpecChanged, "service: api", "service: api: x", 1), "\n", "\r\n")
			testfs.Write(t, ".", map[string]string{"specs/api.yaml": crlf})
		},
		args:   []string{"test", "specs/api.yaml"},
		code:   exitProblems,
		stderr: "specs/api.yaml:2:13: error: invalid YAML: mapping values are not allowed in this context [spec/yaml]\n",
	}, {
		// The position was the "|" before lines kept their "\r".
		name:    "promql: an error in a block scalar of a CRLF file",
		files:   project,
		prepare: [][]string{{"compile"}},
		edit: func(t *testing.T) {
			block := strings.Replace(apiSpecChanged, "signal: {expr: 'max by (instance) (disk_used_ratio)'}", "signal:\n      expr: |\n        max by (instance) (\n          disk_used_ratio +\n        )", 1)
			testfs.Write(t, ".", map[string]string{"specs/api.yaml": strings.ReplaceAll(block, "\n", "\r\n")})
		},
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "specs/api.yaml:10:9: error: signal.expr: unexpected \")\" in aggregation [promql/syntax]\n",
	}, {
		name:   "routing: a time interval without a base config",
		files:  with(project, map[string]string{"specs/routing.yaml": strings.Replace(routingSpec, "{critical: ops}", "{critical: {receiver: ops, mute_time_intervals: [nights]}}", 1)}),
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "specs/routing.yaml:5:63: error: routing.teams.platform.critical.mute_time_intervals[0]: time interval \"nights\" is not defined; time intervals are defined in the base Alertmanager config (routing.base), and there is none [routing/unknown-time-interval]\n",
	}, {
		name: "routing: a time interval the base config does not define",
		files: with(project, map[string]string{
			"specs/routing.yaml":           strings.Replace(routingWithBase, "{critical: ops}", "{critical: {receiver: ops, active_time_intervals: [office-hour]}}", 1),
			"config/alertmanager.base.yml": baseConfig,
		}),
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "specs/routing.yaml:6:65: error: routing.teams.platform.critical.active_time_intervals[0]: time interval \"office-hour\" is not defined in config/alertmanager.base.yml; did you mean \"office-hours\"? [routing/unknown-time-interval]\n",
	}, {
		name: "base: a YAML syntax error, in the base config",
		files: with(project, map[string]string{
			"specs/routing.yaml":           routingWithBase,
			"config/alertmanager.base.yml": strings.Replace(baseConfig, "  - name: ops", "  - name: ops\n\t- name: x", 1),
		}),
		args:   []string{"validate"},
		code:   exitProblems,
		stderr: "config/alertmanager.base.yml:7:1: error: invalid YAML: found a tab character that violates indentation while scanning a plain scalar at line 6 column 11 [spec/base]\n",
	}, {
		// The loader names line 14 of the compiled file, in two lines.
		name: "base: two unknown fields, at their lines of the base config",
		files: with(project, map[string]string{
			"specs/routing.yaml":           routingWithBase,
			"config/alertmanager.base.yml": strings.Replace(baseConfig, "  - name: ops", "  - name: ops\n    slak_configs: []\n    emial_configs: []", 1),
		}),
		args: []string{"compile"},
		code: exitProblems,
		stderr: "config/alertmanager.base.yml:7:5: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: field slak_configs not found in type config.Receiver [alertmanager/invalid]\n" +
			"config/alertmanager.base.yml:8:5: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: field emial_configs not found in type config.Receiver [alertmanager/invalid]\n",
	}, {
		// The loader names no line and does not quote the whole value.
		name: "base: a weekday Alertmanager does not know",
		files: with(project, map[string]string{
			"specs/routing.yaml":           routingWithBase,
			"config/alertmanager.base.yml": strings.Replace(baseConfig, "monday:friday", "monday:fryday", 1),
		}),
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "config/alertmanager.base.yml:4:20: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: fryday is not a valid weekday [alertmanager/invalid]\n",
	}, {
		// The loader names no line and quotes nothing.
		name: "base: an e-mail receiver without to",
		files: with(project, map[string]string{
			"specs/routing.yaml":           routingWithBase,
			"config/alertmanager.base.yml": strings.Replace(baseConfig, "  - name: ops", "  - name: ops\n    email_configs:\n      - from: am@example.com", 1),
		}),
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "config/alertmanager.base.yml:8:9: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: missing to address in email config [alertmanager/invalid]\n",
	}, {
		// Both on one line of the compiled file, in flow style.
		name: "base: two problems on one line",
		files: with(project, map[string]string{
			"specs/routing.yaml":           routingWithBase,
			"config/alertmanager.base.yml": baseConfig + "inhibit_rules: [5, {x: 1}]\n",
		}),
		args: []string{"compile"},
		code: exitProblems,
		stderr: "config/alertmanager.base.yml:7:17: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: cannot unmarshal !!int `5` into common.InhibitRule [alertmanager/invalid]\n" +
			"config/alertmanager.base.yml:7:21: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: field x not found in type common.InhibitRule [alertmanager/invalid]\n",
	}, {
		name: "base: inhibit_rules not a list",
		files: with(project, map[string]string{
			"specs/routing.yaml":           routingWithBase,
			"config/alertmanager.base.yml": baseConfig + "inhibit_rules: {x: 1}\n",
		}),
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "config/alertmanager.base.yml:7:1: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: cannot unmarshal !!map into []common.InhibitRule [alertmanager/invalid]\n",
	}, {
		name: "base: a receiver defined twice, at the second",
		files: with(project, map[string]string{
			"specs/routing.yaml":           routingWithBase,
			"config/alertmanager.base.yml": baseConfig + "  - name: ops\n",
		}),
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "config/alertmanager.base.yml:7:11: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: notification config name \"ops\" is not unique [alertmanager/invalid]\n",
	}, {
		// Two services of one team make a group of one name: each rule
		// file alone is fine, Mimir's namespace of the team is not. The
		// group that repeats the name is the SLO's, placed at its entry.
		name: "target mimir: a group name repeated in a team namespace, at the SLO that repeats it",
		files: map[string]string{
			"slo.yaml": "targets: [prometheus, mimir]\nmimir: {namespace_by: team}\n",
			"specs/shop-slo-checkout.yaml": `version: slo/v1
service: shop-slo-checkout
team: platform
alerts:
  - name: QueueDepthHigh
    signal: {expr: 'sum by (stage) (queue_depth)'}
    above: {critical: 200}
`,
			"specs/shop.yaml": `version: slo/v1
service: shop
team: platform
slos:
  - name: checkout-alerts
    objective: 99.9
    sli:
      ratio:
        bad: http_requests_total{code=~"5.."}
        total: http_requests_total
`,
		},
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "specs/shop.yaml:5:5: error: the compiled mimir/platform.yaml is refused by the mimir target's loader: groupname: \"shop-slo-checkout-alerts\" is repeated in the same file [target/invalid]\n",
	}, {
		// The cortex target's Alertmanager file holds the same config as
		// alertmanager/alertmanager.yml: its refusal is placed in the base
		// config as that one's is, and said once.
		name: "target cortex: a refused Alertmanager config, at its line of the base config, once",
		files: with(project, map[string]string{
			"slo.yaml":                     "targets: [cortex]\n",
			"specs/routing.yaml":           routingWithBase,
			"config/alertmanager.base.yml": strings.Replace(baseConfig, "monday:friday", "monday:fryday", 1),
		}),
		args:   []string{"compile"},
		code:   exitProblems,
		stderr: "config/alertmanager.base.yml:4:20: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: fryday is not a valid weekday [alertmanager/invalid]\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.needsNonRoot && os.Geteuid() == 0 {
				t.Skip("running as root: permissions do not stop writes")
			}
			dir := t.TempDir()
			t.Chdir(dir)
			testfs.Write(t, ".", tc.files)
			for _, args := range tc.prepare {
				var out, errb bytes.Buffer
				if code := run(append([]string{"slo"}, args...), &out, &errb); code != 0 {
					t.Fatalf("slo %s: exit %d\n%s%s", strings.Join(args, " "), code, &out, &errb)
				}
			}
			if tc.edit != nil {
				tc.edit(t)
			}
			before := testfs.Tree(t, ".")
			var ren func(string, string) error
			var rem func(string) error
			if tc.rename != "" {
				ren = renameFailingOn(tc.rename)
			}
			if tc.remove != "" {
				rem = failOn(tc.remove, os.Remove)
			}
			restore := outfile.InjectFaults(ren, rem)
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"slo"}, tc.args...), &stdout, &stderr)
			restore()
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if diff := cmp.Diff(tc.stdout, stdout.String()); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.stderr, stderr.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			for _, secret := range []string{"xoxb-4711-TOKEN", "hunter22", "admin:"} {
				if strings.Contains(stdout.String()+stderr.String(), secret) {
					t.Errorf("the output shows the secret %q", secret)
				}
			}
			after := testfs.Tree(t, ".")
			for _, name := range tc.changed {
				if before[name] == after[name] {
					t.Errorf("%s did not change", name)
				}
				delete(before, name)
				delete(after, name)
			}
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("the project changed (-before +after):\n%s", diff)
			}
		})
	}
}
