package amx

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	amconfig "github.com/prometheus/alertmanager/config"
	"go.yaml.in/yaml/v3"
)

func amRoot(t *testing.T, src []byte) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

// TestAlertmanagerSchemaKnowsValidConfigs: the walk over config.Config's
// types finds nothing in the Alertmanager configs of the repository, which
// the loader accepts: no field the loader knows is reported unknown.
func TestAlertmanagerSchemaKnowsValidConfigs(t *testing.T) {
	paths, err := filepath.Glob("../../../*/alertmanager*.yml")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../../../examples/*/*/alertmanager*.yml")
	more2, _ := filepath.Glob("../../app/testdata/compile/*/*/alertmanager*.yml")
	more3, _ := filepath.Glob("../../app/testdata/compile/*/want/alertmanager/alertmanager.yml")
	paths = append(append(append(paths, more...), more2...), more3...)
	if len(paths) < 4 {
		t.Fatalf("found only %v", paths)
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if ps := amSchema.Fields(amRoot(t, src), reflect.TypeFor[amconfig.Config]()); len(ps) > 0 {
			t.Errorf("%s: %+v", p, ps)
		}
	}
}

func TestAlertmanagerProblems(t *testing.T) {
	const route = "route: {receiver: ops}\n"
	for _, tc := range []struct {
		name, src string
		want      []string
	}{{
		name: "unknown fields, mistyped values",
		src:  route + "receivers:\n  - name: ops\n    slak_configs: []\ninhibit_rules: [5, {x: 1}]\n",
		want: []string{
			"4:5 [receivers 0 slak_configs] key=true: field slak_configs not found in type config.Receiver",
			"5:17 [inhibit_rules 0] key=false: cannot unmarshal !!int `5` into common.InhibitRule",
			"5:21 [inhibit_rules 1 x] key=true: field x not found in type common.InhibitRule",
		},
	}, {
		name: "a URL the loader refuses",
		src:  route + "receivers:\n  - name: ops\n    webhook_configs: [{url: 'http://a b'}]\n",
		want: []string{"4:29 [receivers 0 webhook_configs 0 url] key=false: "},
	}, {
		name: "a weekday",
		src:  route + "receivers: [{name: ops}]\ntime_intervals:\n  - name: t\n    time_intervals: [{weekdays: ['monday:fryday']}]\n",
		want: []string{"5:34 [time_intervals 0 time_intervals 0 weekdays 0] key=false: "},
	}, {
		name: "a check across the config: not found here",
		src:  route + "receivers: [{name: ops}, {name: ops}]\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			src := []byte(tc.src)
			_, err := amconfig.Load(tc.src)
			if err == nil {
				t.Fatal("the loader takes the config")
			}
			var got []string
			for _, p := range AlertmanagerProblems(amRoot(t, src), err) {
				got = append(got, fmt.Sprintf("%d:%d %v key=%v: %s", p.Node.Line, p.Node.Column, p.Path, p.AtKey, p.Message))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
