package input

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const pluginExample = "testdata/sloth/plugin-getting-started.yml"

// TestSlothPluginExample runs Sloth's own getting-started SLI plugin on
// Sloth's plugin-getting-started.yml: the SLI's error_ratio is the query
// the plugin returns for the example's options, as Sloth's generated rules
// hold it (examples/_gen, with {{.window}} for 5m and without the
// parentheses Sloth's generator adds).
func TestSlothPluginExample(t *testing.T) {
	p, err := LoadSlothPlugins("testdata/sloth/plugins")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"getting_started_availability"}, p.IDs()); diff != "" {
		t.Fatalf("plugin IDs (-want +got):\n%s", diff)
	}
	UseSlothPlugins(p)
	defer UseSlothPlugins(nil)
	src, err := os.ReadFile(pluginExample)
	if err != nil {
		t.Fatal(err)
	}
	res, diags := Translate(pluginExample, src)
	if diags.HasErrors() {
		t.Fatalf("%v", diags)
	}
	data, err := encodeOne(pluginExample, res)
	if err != nil {
		t.Fatal(err)
	}
	want := `    sli:
      error_ratio: |-
        sum(rate(http_request_duration_seconds_count{ f1="v1",f2="v2",job="myservice",code=~"(5..|429)" }[{{.window}}]))
        /
        sum(rate(http_request_duration_seconds_count{ f1="v1",f2="v2",job="myservice" }[{{.window}}]))
`
	if !strings.Contains(string(data), want) {
		t.Errorf("the import does not hold the plugin's query:\n%s\nwant it to contain:\n%s", data, want)
	}
}

// TestSlothPluginErrors: what a plugin returns as an error, a plugin ID
// slo did not load, and no plugins at all are positioned errors at the
// plugin's id; plugin folders Sloth would refuse are errors of the load.
func TestSlothPluginErrors(t *testing.T) {
	p, err := LoadSlothPlugins("testdata/sloth/plugins")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(pluginExample)
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	for _, tt := range []struct {
		name    string
		plugins *SlothPlugins
		src     string
		want    string
	}{
		{"no plugins", nil, text, `plugin-getting-started.yml:14:13: error: slos[0].sli.plugin.id: Sloth SLI plugin "getting_started_availability" is Go code that Sloth runs to make the SLI's error ratio query; slo was given no plugins: give --sloth-plugins DIR`},
		{"another ID", p, strings.Replace(text, `id: "getting_started_availability"`, `id: "latency"`, 1), `plugin-getting-started.yml:14:13: error: slos[0].sli.plugin.id: Sloth SLI plugin "latency" is Go code that Sloth runs to make the SLI's error ratio query; --sloth-plugins loaded no plugin with this ID (it has "getting_started_availability")`},
		{"a folder of no SLI plugins", &SlothPlugins{}, text, `Sloth SLI plugin "getting_started_availability" is Go code that Sloth runs to make the SLI's error ratio query; --sloth-plugins loaded no SLI plugins.`},
		{"the plugin's error", p, strings.Replace(text, `job: "myservice"`, `service: "myservice"`, 1), `plugin-getting-started.yml:14:13: error: slos[0].sli.plugin: Sloth SLI plugin "getting_started_availability" (testdata/sloth/plugins/getting-started/availability/plugin.go) failed: job options is required [input/plugin]`},
		{"an id that is no string", p, strings.Replace(text, `id: "getting_started_availability"`, `id: [a]`, 1), `plugin-getting-started.yml:14:13: error: slos[0].sli.plugin.id: expected a string, got a list`},
		{"an option that is no string", p, strings.Replace(text, `job: "myservice"`, `job: {name: myservice}`, 1), `error: slos[0].sli.plugin.options.job: expected a string, got a mapping`},
		{"labels the plugin requires", p, strings.Replace(text, `  tier: "2"`, ``, 1), `failed: invalid labels: "tier" label is required [input/plugin]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			UseSlothPlugins(tt.plugins)
			defer UseSlothPlugins(nil)
			_, diags := Translate(pluginExample, []byte(tt.src))
			var got []string
			for _, d := range diags.Sorted() {
				if d.Severity.String() == "error" {
					got = append(got, d.String())
				}
			}
			if len(got) != 1 || !strings.Contains(got[0], tt.want) {
				t.Errorf("errors:\n%s\nwant one containing:\n%s", strings.Join(got, "\n"), tt.want)
			}
		})
	}

	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, body := range files {
			path := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	plugin := func(pkg, version, id string) string {
		return "package " + pkg + "\n\nimport \"context\"\n\nconst (\n\tSLIPluginVersion = \"" + version + "\"\n\tSLIPluginID = \"" + id + "\"\n)\n\n" +
			"func SLIPlugin(ctx context.Context, meta, labels, options map[string]string) (string, error) {\n\treturn \"x\", nil\n}\n"
	}
	for _, tt := range []struct {
		name  string
		files map[string]string
		ids   []string
		err   string
	}{
		{"Sloth's discovery", map[string]string{
			"a/plugin.go":         plugin("a", "prometheus/v1", "one"),
			"b/c/myplugin.go":     plugin("c", "prometheus/v1", "two"),
			"..hidden/plugin.go":  plugin("h", "prometheus/v1", "hidden"),
			"d/other.go":          plugin("d", "prometheus/v1", "other"),
			"slo/plugin.go":       "package slo\n\nconst SLOPluginVersion = \"prometheus/v1\"\n",
			"e/plugin.go.orig.go": plugin("e", "prometheus/v1", "orig"),
		}, []string{"one", "two"}, ""},
		{"one ID twice", map[string]string{"a/plugin.go": plugin("a", "prometheus/v1", "one"), "b/plugin.go": plugin("b", "prometheus/v1", "one")}, nil, `Sloth SLI plugin "one" is in`},
		{"another version", map[string]string{"a/plugin.go": plugin("a", "prometheus/v2", "one")}, nil, `SLIPluginVersion prometheus/v2; Sloth v0.16's SLI plugins are "prometheus/v1"`},
		{"not Go", map[string]string{"a/plugin.go": "package a\n\nfunc {"}, nil, "evaluating its source"},
		{"another signature", map[string]string{"a/plugin.go": "package a\n\nconst (\n\tSLIPluginVersion = \"prometheus/v1\"\n\tSLIPluginID = \"x\"\n)\n\nfunc SLIPlugin() string { return \"\" }\n"}, nil, "SLIPlugin is not a func"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := LoadSlothPlugins(write(t, tt.files))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.ids, p.IDs()); diff != "" {
				t.Errorf("plugin IDs (-want +got):\n%s", diff)
			}
		})
	}
}

// A plugin whose SLIPlugin never returns is an error after callTimeout,
// not a hung slo. (It blocks rather than spins, so that the goroutine
// left behind costs the rest of the test run no CPU.)
func TestSlothPluginThatLoops(t *testing.T) {
	dir := t.TempDir()
	src := "package a\n\nimport \"context\"\n\nconst (\n\tSLIPluginVersion = \"prometheus/v1\"\n\tSLIPluginID = \"loop\"\n)\n\n" +
		"func SLIPlugin(ctx context.Context, meta, labels, options map[string]string) (string, error) {\n\tselect {}\n}\n"
	if err := os.MkdirAll(filepath.Join(dir, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a", "plugin.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadSlothPlugins(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func(d time.Duration) { callTimeout = d }(callTimeout)
	callTimeout = 200 * time.Millisecond
	_, err = p.byID["loop"].run("svc", "slo", 99.9, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "did not return within 200ms") {
		t.Fatalf("err %v, want a timeout", err)
	}
}

// TestSlothPluginPackageClause loads plugins whose package clause is not
// alone on its line: the package name is read as Go reads it, so a comment
// after the name, or a clause after a leading comment, does not hide it.
func TestSlothPluginPackageClause(t *testing.T) {
	const body = `
const (
	SLIPluginVersion = "prometheus/v1"
	SLIPluginID      = "x"
)

func SLIPlugin(ctx context.Context, meta, labels, options map[string]string) (string, error) {
	return "up", nil
}
`
	for name, clause := range map[string]string{
		"trailing comment": "package availability // Sloth SLI plugin\n\nimport \"context\"\n",
		"block comment":    "/* plugin */ package availability\n\nimport \"context\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			pl, err := loadSlothPlugin(clause + body)
			if err != nil {
				t.Fatal(err)
			}
			if pl.ID != "x" {
				t.Fatalf("ID %q, want x", pl.ID)
			}
		})
	}
}
