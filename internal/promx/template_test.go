package promx

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/template"
)

// prometheusParseTest is what rulefmt does with an alert template when it
// loads a rule file (testTemplateParsing), through the exported API.
func prometheusParseTest(alert, text string) error {
	// ParseTest only parses: the data rulefmt passes is never read, and
	// building it would import the engine's sample type.
	return template.NewTemplateExpander(context.Background(), templateDefs+text, "__alert_"+alert, nil, 0, nil, nil, nil).ParseTest()
}

var templateCases = []struct {
	alert, text string
	ok          bool
}{
	{"A", "plain text", true},
	{"A", "}} { plain {", true},
	{"A", "{{ $value | humanizePercentage }}", true},
	{"A", "{{ $labels.instance }} is at {{ $value | humanize }}", true},
	{"A", "{{ with query \"up\" }}{{ . | first | value }}{{ end }}", true},
	{"A", `{{ printf "%.2f" $value }} {{ len $labels }} {{ if eq $value 1.0 }}one{{ else }}other{{ end }}`, true},
	{"A", "{{ $externalLabels.cluster }} {{ $externalURL }}", true},
	{"A", "{{ range $k, $v := $labels }}{{ $k }}={{ $v }} {{ end }}", true},
	{"A", "{{ define \"x\" }}x{{ end }}{{ template \"x\" }}", true},
	{"A", "{{ urlquery \"a b\" | html | js }} {{ not true }} {{ and 1 0 }} {{ or 1 0 }}", true},
	{"A", "{{ toUpper \"a\" }} {{ reReplaceAll \"a\" \"b\" \"c\" }} {{ humanizeDuration 3 }} {{ tableLink \"up\" }}", true},
	{"A", "{{ $value | nosuchfunc }}", false},
	{"A", "{{ if }}", false},
	{"A", "{{ $undefined }}", false},
	{"A", "{{ end }}", false},
	{"A", "{{ break }}", false},
	{"A", "{{ .Labels", false},
	{"A", "{{ range $labels }}", false},
	// The template's own name: a define of it is a second definition.
	{"A", "{{ define \"__alert_A\" }}x{{ end }}", false},
	{"B", "{{ define \"__alert_A\" }}x{{ end }}", true},
}

func TestTemplateParsesAsPrometheus(t *testing.T) {
	for _, c := range templateCases {
		want := prometheusParseTest(c.alert, c.text)
		if (want == nil) != c.ok {
			t.Fatalf("%s %q: Prometheus says %v, the case expects ok=%v; fix the case", c.alert, c.text, want, c.ok)
		}
		if got := templateParses(c.alert, c.text); got != c.ok {
			t.Errorf("templateParses(%q, %q) = %v, want %v (Prometheus: %v)", c.alert, c.text, got, c.ok, want)
		}
		got := CheckTemplate(c.alert, c.text)
		if (got == nil) != c.ok {
			t.Errorf("CheckTemplate(%q, %q) = %v, want ok=%v", c.alert, c.text, got, c.ok)
		}
	}
}

// Every function Prometheus's templates define is known to the fast path,
// so no template Prometheus accepts falls back to the slow one.
func TestTemplateFuncsCoverPrometheus(t *testing.T) {
	funcs := templateFuncs()
	for _, name := range []string{"humanize", "humanizePercentage", "query", "first", "label", "value", "toUpper", "printf", "eq", "len"} {
		if funcs[name] == nil {
			t.Errorf("templateFuncs lacks %q", name)
		}
	}
	for name := range funcs {
		if err := prometheusParseTest("A", "{{ "+name+" }}"); err != nil && strings.Contains(err.Error(), "not defined") {
			t.Errorf("templateFuncs holds %q, which Prometheus does not define: %v", name, err)
		}
	}
}

// A rule file the fast read-back accepts is one rulefmt.Parse accepts, and
// one it refuses is refused with rulefmt's own errors: labels and
// annotations are checked by validRule, not by rulefmt's Rule.Validate.
func TestLoadRuleFileLabelsAndAnnotations(t *testing.T) {
	rule := func(body string) []byte {
		return []byte("groups:\n  - name: g\n    rules:\n" + body)
	}
	cases := []struct {
		name string
		file []byte
		ok   bool
	}{
		{"templated annotation", rule("      - alert: A\n        expr: up == 0\n        annotations:\n          summary: '{{ $value | humanize }}'\n"), true},
		{"templated label", rule("      - alert: A\n        expr: up == 0\n        labels:\n          who: '{{ $labels.job }}'\n"), true},
		{"bad template in annotation", rule("      - alert: A\n        expr: up == 0\n        annotations:\n          summary: '{{ nosuch }}'\n"), false},
		{"bad template in label", rule("      - alert: A\n        expr: up == 0\n        labels:\n          who: '{{ if }}'\n"), false},
		{"__name__ label", rule("      - record: r\n        expr: up\n        labels:\n          __name__: x\n"), false},
		{"bad label name", rule("      - record: r\n        expr: up\n        labels:\n          a-b: x\n"), false},
		{"bad annotation name", rule("      - alert: A\n        expr: up\n        annotations:\n          a-b: x\n"), false},
		{"annotations on a record", rule("      - record: r\n        expr: up\n        annotations:\n          a: x\n"), false},
		{"template in a record's label is not parsed", rule("      - record: r\n        expr: up\n        labels:\n          a: '{{ if }}'\n"), true},
		{"unknown field in a rule", rule("      - record: r\n        expr: up\n        bogus: 1\n"), false},
		{"unknown field in a group", []byte("groups:\n  - name: g\n    bogus: 1\n    rules:\n      - record: r\n        expr: up\n"), false},
		{"unknown top field", []byte("groups: []\nbogus: 1\n"), false},
		{"empty file", []byte(""), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs := LoadRuleFile(c.file)
			_, want := rulefmt.Parse(c.file, false, model.LegacyValidation, promqlParser, nil)
			if (len(want) == 0) != c.ok {
				t.Fatalf("rulefmt.Parse says %v, the case expects ok=%v; fix the case", want, c.ok)
			}
			if (len(errs) == 0) != c.ok {
				t.Errorf("LoadRuleFile errors %v, want ok=%v", errs, c.ok)
			}
		})
	}
}
