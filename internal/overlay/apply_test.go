package overlay_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/overlay"
)

var specPos = diag.Pos{File: "specs/a.yaml", Line: 9, Col: 12}

func plan(ref overlay.Ref) *overlay.Dashboard {
	return &overlay.Dashboard{UID: "d", Panels: []*overlay.Panel{{
		Ref:     ref,
		Marks:   []overlay.Mark{{Value: 10, Severity: model.Critical}},
		Sources: []overlay.Source{{Spec: "specs/a.yaml", Service: "a", Alert: "X", Pos: specPos}},
	}}}
}

// TestApplyProblems checks the diagnostics of Apply, rendered as a user
// sees them.
func TestApplyProblems(t *testing.T) {
	for name, tc := range map[string]struct {
		src  string
		ref  overlay.Ref
		want []string
	}{
		"not found": {
			src:  `{"uid": "d", "panels": [{"id": 1, "type": "stat", "title": "A"}], "schemaVersion": 39, "annotations": {}, "templating": {}}`,
			ref:  overlay.Ref{Title: "B"},
			want: []string{`specs/a.yaml:9:12: error: a alert X: dashboard d (d.json) has no panel with title "B"; did you mean "A"? [overlay/panel-not-found]`},
		},
		"ambiguous title": {
			src:  "{\"uid\": \"d\", \"panels\": [\n  {\"id\": 1, \"type\": \"stat\", \"title\": \"A\"},\n  {\"id\": 2, \"type\": \"stat\", \"title\": \"A\"}\n], \"schemaVersion\": 39, \"annotations\": {}, \"templating\": {}}",
			ref:  overlay.Ref{Title: "A"},
			want: []string{`specs/a.yaml:9:12: error: a alert X: 2 panels of dashboard d match title "A": id 1 "A" at d.json:2:3, id 2 "A" at d.json:3:3; name one by id [overlay/panel-ambiguous]`},
		},
		"metric inside a string literal does not match": {
			src:  `{"uid": "d", "panels": [{"id": 1, "type": "stat", "targets": [{"expr": "up{job=\"queue_depth\"}"}]}], "schemaVersion": 39, "annotations": {}, "templating": {}}`,
			ref:  overlay.Ref{Metric: "queue_depth"},
			want: []string{`specs/a.yaml:9:12: error: a alert X: dashboard d (d.json) has no panel with metric queue_depth [overlay/panel-not-found]`},
		},
		"not JSON": {
			src:  "{\"uid\": \"d\",\n  \"panels\": [}",
			ref:  overlay.Ref{ID: 1},
			want: []string{`d.json:2:14: error: d.json is not valid JSON: unexpected '}' [overlay/json]`},
		},
		"a panel type without thresholds": {
			src:  `{"uid": "d", "panels": [{"id": 1, "type": "text", "title": "Notes"}], "schemaVersion": 39, "annotations": {}, "templating": {}}`,
			ref:  overlay.Ref{ID: 1},
			want: []string{`d.json:1:25: warning: panel id 1 is a "text" panel, which does not show thresholds, so a alert X (specs/a.yaml:9:12) is not shown [overlay/panel-type]`},
		},
		"broken steps elsewhere are warnings": {
			src: `{"uid": "d", "panels": [{"id": 1, "type": "stat", "fieldConfig": {"defaults": {"thresholds": {"mode": "relative", "steps": [{"color": "red", "value": 5}, {"color": "green", "value": 3}, {"color": "green", "value": 1}]}}}}, {"id": 2, "type": "stat"}], "schemaVersion": 39, "annotations": {}, "templating": {}}`,
			ref: overlay.Ref{ID: 2},
			want: []string{
				`d.json:1:94: warning: panels[0]: thresholds: mode must be one of absolute, percentage, got "relative" [overlay/thresholds]`,
				`d.json:1:187: warning: panels[0]: thresholds: steps must ascend, but steps[2].value 1 is not above 3 [overlay/thresholds]`,
			},
		},
		"a stat that colours nothing": {
			src:  `{"uid": "d", "panels": [{"id": 1, "type": "stat", "options": {"colorMode": "none", "graphMode": "none"}}], "schemaVersion": 39, "annotations": {}, "templating": {}}`,
			ref:  overlay.Ref{ID: 1},
			want: []string{`d.json:1:76: warning: panel id 1: options.colorMode is "none" and options.graphMode "none", which colour nothing, so the thresholds of a alert X (specs/a.yaml:9:12) are in the panel but not shown; set colorMode to "value" or "background" [overlay/thresholds-hidden]`},
		},
		"a stat without colour still colours its sparkline": {
			// Grafana's BigValueLayout draws the sparkline in the value's
			// colour whatever the colorMode; graphMode is "area" unless set.
			src:  `{"uid": "d", "panels": [{"id": 1, "type": "stat", "options": {"colorMode": "none"}}, {"id": 2, "type": "stat", "options": {"colorMode": "none", "graphMode": "area"}}], "schemaVersion": 39, "annotations": {}, "templating": {}}`,
			ref:  overlay.Ref{ID: 1},
			want: nil,
		},
		"a bar gauge coloured by a palette": {
			src:  `{"uid": "d", "panels": [{"id": 1, "type": "bargauge", "fieldConfig": {"defaults": {"color": {"mode": "continuous-GrYlRd"}}}}], "schemaVersion": 39, "annotations": {}, "templating": {}}`,
			ref:  overlay.Ref{ID: 1},
			want: []string{`d.json:1:102: warning: panel id 1: fieldConfig.defaults.color.mode is "continuous-GrYlRd", which colours the bars instead of the thresholds, so the thresholds of a alert X (specs/a.yaml:9:12) are in the panel but not shown; set it to "thresholds" [overlay/thresholds-hidden]`},
		},
		"a gauge draws its threshold markers only in colour mode thresholds": {
			// Grafana's getFormattedThresholds gives the marker ring one
			// band in the value's colour in any other mode.
			src:  `{"uid": "d", "panels": [{"id": 1, "type": "gauge", "options": {"showThresholdMarkers": true}, "fieldConfig": {"defaults": {"color": {"mode": "fixed"}}}}], "schemaVersion": 39, "annotations": {}, "templating": {}}`,
			ref:  overlay.Ref{ID: 1},
			want: []string{`d.json:1:142: warning: panel id 1: fieldConfig.defaults.color.mode is "fixed", which colours the gauge instead of the thresholds, so the thresholds of a alert X (specs/a.yaml:9:12) are in the panel but not shown; set it to "thresholds" [overlay/thresholds-hidden]`},
		},
		"a gauge without markers is still coloured by the thresholds": {
			src:  `{"uid": "d", "panels": [{"id": 1, "type": "gauge", "options": {"showThresholdMarkers": false}, "fieldConfig": {"defaults": {"color": {"mode": "thresholds"}}}}], "schemaVersion": 39, "annotations": {}, "templating": {}}`,
			ref:  overlay.Ref{ID: 1},
			want: nil,
		},
		"a table that colours no cell": {
			src:  `{"uid": "d", "panels": [{"id": 1, "type": "table", "fieldConfig": {"defaults": {"custom": {"cellOptions": {"type": "auto"}}}}}], "schemaVersion": 39, "annotations": {}, "templating": {}}`,
			ref:  overlay.Ref{ID: 1},
			want: []string{`d.json:1:116: warning: panel id 1: no cell of the table is coloured by these thresholds (neither fieldConfig.defaults.custom.cellOptions.type nor an override without thresholds of its own colours cells), so the thresholds of a alert X (specs/a.yaml:9:12) are in the panel but not shown; set cellOptions.type to "color-text", "color-background" or "gauge" [overlay/thresholds-hidden]`},
		},
		"a table that colours one column by an override": {
			src:  `{"uid": "d", "panels": [{"id": 1, "type": "table", "fieldConfig": {"defaults": {}, "overrides": [{"matcher": {"id": "byName", "options": "Used"}, "properties": [{"id": "custom.cellOptions", "value": {"type": "gauge"}}]}]}}], "schemaVersion": 39, "annotations": {}, "templating": {}}`,
			ref:  overlay.Ref{ID: 1},
			want: nil,
		},
		"an override with thresholds of its own": {
			src: `{"uid": "d", "panels": [{"id": 1, "type": "table", "fieldConfig": {"defaults": {}, "overrides": [{"matcher": {"id": "byName", "options": "TTL"}, "properties": [{"id": "custom.cellOptions", "value": {"type": "color-background"}}, {"id": "thresholds", "value": {"mode": "absolute", "steps": [{"color": "red", "value": null}]}}]}]}}], "schemaVersion": 39, "annotations": {}, "templating": {}}`,
			ref: overlay.Ref{ID: 1},
			want: []string{
				`d.json:1:25: warning: panel id 1: no cell of the table is coloured by these thresholds (neither fieldConfig.defaults.custom.cellOptions.type nor an override without thresholds of its own colours cells), so the thresholds of a alert X (specs/a.yaml:9:12) are in the panel but not shown; set cellOptions.type to "color-text", "color-background" or "gauge" [overlay/thresholds-hidden]`,
				`d.json:1:230: warning: panel id 1: fieldConfig.overrides[0] (byName "TTL") sets thresholds of its own, which Grafana shows for the fields it matches, so the thresholds of a alert X (specs/a.yaml:9:12) are in the panel but not shown; take them out of the override, or name another panel [overlay/thresholds-hidden]`,
			},
		},
		"what Grafana repairs elsewhere is not reported": {
			// Grafana takes a missing mode as absolute and the first step
			// as from minus infinity (kube-prometheus's and dotdc's
			// dashboards have both).
			src:  `{"uid": "d", "panels": [{"id": 1, "type": "stat", "fieldConfig": {"defaults": {"thresholds": {"steps": [{"color": "green", "value": 0}, {"color": "red", "value": 80}]}}}}, {"id": 2, "type": "stat"}, {"id": 3, "type": "stat", "fieldConfig": {"defaults": {"thresholds": {"mode": null, "steps": [{"color": "green", "value": null}]}}}}, {"id": 4, "type": "stat", "fieldConfig": {"defaults": {"thresholds": {"mode": "", "steps": [{"color": "green", "value": null}]}}}}], "schemaVersion": 39, "annotations": {}, "templating": {}}`,
			ref:  overlay.Ref{ID: 2},
			want: nil,
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, diags, err := overlay.Apply("d.json", []byte(tc.src), plan(tc.ref))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range diags.Sorted() {
				if d.Code == "overlay/schema" {
					continue // the SDK's findings on these sketches of panels
				}
				got = append(got, d.String())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestApplyKeepsCRLF: in a dashboard whose lines end with CR LF (saved on
// Windows, or checked out with core.autocrlf), the lines the overlay adds
// end with CR LF too; they ended with a bare LF, which left the file with
// two kinds of line end. In a file that already has both, the added lines
// end as the line they go into does (what the first line ends with says
// nothing about the panel's lines).
func TestApplyKeepsCRLF(t *testing.T) {
	lines := []string{
		`{`,
		`  "uid": "d",`,
		`  "panels": [`,
		`    {`,
		`      "id": 1,`,
		`      "type": "timeseries",`,
		`      "fieldConfig": {`,
		`        "defaults": {`,
		`          "unit": "short"`,
		`        }`,
		`      }`,
		`    }`,
		`  ]`,
		`}`,
		``,
	}
	for name, tc := range map[string]struct {
		src  string
		crlf bool // the added lines end with CR LF
	}{
		"CR LF throughout":              {strings.Join(lines, "\r\n"), true},
		"the first line LF, then CR LF": {lines[0] + "\n" + strings.Join(lines[1:], "\r\n"), true},
		"CR LF only before the panel":   {strings.Join(lines[:4], "\r\n") + "\r\n" + strings.Join(lines[4:], "\n"), false},
	} {
		t.Run(name, func(t *testing.T) {
			out, _, err := overlay.Apply("d.json", []byte(tc.src), plan(overlay.Ref{ID: 1}))
			if err != nil {
				t.Fatal(err)
			}
			ends := func(s string) (crlf, lf int) {
				crlf = strings.Count(s, "\r\n")
				return crlf, strings.Count(s, "\n") - crlf
			}
			crlf0, lf0 := ends(tc.src)
			crlf1, lf1 := ends(string(out))
			added, other := crlf1-crlf0, lf1-lf0
			if !tc.crlf {
				added, other = other, added
			}
			if added == 0 || other != 0 {
				t.Errorf("CR LF %d -> %d, bare LF %d -> %d; want only added lines ending with CR LF=%v:\n%q", crlf0, crlf1, lf0, lf1, tc.crlf, out)
			}
			nl := "\n"
			if tc.crlf {
				nl = "\r\n"
			}
			if want := "\"unit\": \"short\"," + nl + "          \"thresholds\": {" + nl + "            \"mode\": \"absolute\"," + nl; !strings.Contains(string(out), want) {
				t.Errorf("the thresholds are not appended after unit, one member a line:\n%s", out)
			}
			if !json.Valid(out) {
				t.Errorf("not JSON:\n%s", out)
			}
		})
	}
}

// FuzzApply: whatever the input, Apply does not panic; when it returns text,
// the text is JSON whenever the input was, and a second Apply keeps it.
func FuzzApply(f *testing.F) {
	f.Add(`{"uid": "d", "panels": [{"id": 1, "type": "stat", "title": "A"}]}`)
	f.Add("{\n  \"panels\": [\n    {\"id\": 1, \"type\": \"timeseries\", \"fieldConfig\": {\"defaults\": {}}}\n  ]\n}")
	f.Add(`{"panels":[{"type":"row","panels":[{"id":1,"type":"gauge","fieldConfig":{"defaults":{"custom":null}}}]}]}`)
	f.Add(`{"rows":[{"panels":[{"id":1,"type":"timeseries","fieldConfig":{"defaults":{"thresholds":{"mode":"absolute","steps":[]}}}}]}]}`)
	d := plan(overlay.Ref{ID: 1})
	f.Fuzz(func(t *testing.T, src string) {
		out, _, err := overlay.Apply("d.json", []byte(src), d)
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		if out == nil {
			return
		}
		if json.Valid([]byte(src)) && !json.Valid(out) {
			t.Fatalf("invalid JSON out of valid JSON:\n%s", out)
		}
		again, _, err := overlay.Apply("d.json", out, d)
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(out) {
			t.Fatalf("second Apply changes the text:\n%s", cmp.Diff(string(out), string(again)))
		}
	})
}
