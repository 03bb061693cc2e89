package overlay

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestUnexpectedFieldsAtTheirKeys: every field the SDK's strict model
// refuses is reported at its key, found from the SDK's Go types (its
// plugins' for options, custom field config and queries), not from the
// SDK's message.
// Grafana's export fields (__inputs, __elements, __requires) are not
// reported: they are Grafana's, though the SDK's model lacks them.
func TestUnexpectedFieldsAtTheirKeys(t *testing.T) {
	src := `{"uid": "a", "title": "t", "schemaVersion": 39,
"annotations": {"list": []}, "templating": {"list": []},
"x-top": 1, "__inputs": [{"name": "DS_PROMETHEUS", "type": "datasource"}], "__elements": {}, "__requires": [],
"panels": [{"type": "timeseries", "id": 1, "gridPos": {"h": 1, "w": 1, "x": 0, "y": 0},
  "someP": 1,
  "options": {"fooOpt": 1, "tooltip": {"mode": "single", "sort": "none"},
    "legend": {"showLegend": true, "displayMode": "list", "placement": "bottom", "calcs": [], "legX": 1}},
  "fieldConfig": {"defaults": {"custom": {"barCustom": 1}}, "overrides": []},
  "targets": [{"refId": "A", "expr": "x", "datasource": {"type": "prometheus", "uid": "p"}, "bazT": 1}]}]}
`
	var got []string
	for _, d := range Validate("d.json", []byte(src)) {
		if strings.Contains(d.Message, "unexpected field") {
			got = append(got, d.Pos.String()+" "+d.Message)
		}
	}
	want := []string{
		"d.json:5:3 the Grafana SDK's dashboard model refuses panels[0]: unexpected field 'someP'",
		"d.json:8:43 the Grafana SDK's dashboard model refuses panels[0].fieldConfig.defaults.custom: unexpected field 'barCustom'",
		"d.json:6:15 the Grafana SDK's dashboard model refuses panels[0].options: unexpected field 'fooOpt'",
		"d.json:7:95 the Grafana SDK's dashboard model refuses panels[0].options.legend: unexpected field 'legX'",
		"d.json:9:93 the Grafana SDK's dashboard model refuses panels[0].targets[0]: unexpected field 'bazT'",
		"d.json:3:1 the Grafana SDK's dashboard model refuses the dashboard: unexpected field 'x-top'",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
