package input

import (
	"fmt"
	"testing"
)

// TestMergeServiceFields: two Sloth files of one service merge when their
// service fields are the same as the spec reads them, whatever their key
// order, YAML style, aliases and comments; a field that differs, or is
// given in one file only, is an input/service-conflict at the later file.
func TestMergeServiceFields(t *testing.T) {
	const first = `labels: {tier: "1", owner: checkout} # the team's`
	for name, tc := range map[string]struct {
		later string
		// conflict is the position of the error, or "" for none.
		conflict string
	}{
		"the same": {first, ""},
		"keys in another order, block style, comments": {"labels:\n  # who\n  owner: 'checkout'\n  tier: \"1\"", ""},
		"an alias":                    {"labels: {owner: *name, tier: '1'}", ""},
		"a number for a string label": {"labels: {owner: checkout, tier: 1}", ""},
		"another value":               {`labels: {owner: checkout, tier: "2"}`, "b.yml:3:9"},
		"one more label":              {`labels: {owner: checkout, tier: "1", x: y}`, "b.yml:3:9"},
		"not given":                   {"", "b.yml:2:10"},
	} {
		t.Run(name, func(t *testing.T) {
			doc := func(extra, slo string) string {
				return fmt.Sprintf("version: prometheus/v1\nservice: &name checkout\n%s\nslos:\n  - name: %s\n    objective: 99.9\n    sli: {raw: {error_ratio_query: 'sum(rate(x[{{.window}}]))'}}\n    alerting: {page_alert: {disable: true}, ticket_alert: {disable: true}}\n", extra, slo)
			}
			var in []Translated
			for _, f := range []struct{ path, src string }{{"a.yml", doc(first, "a")}, {"b.yml", doc(tc.later, "b")}} {
				res, ds := Translate(f.path, []byte(f.src))
				if ds.HasErrors() {
					t.Fatalf("%s: %v", f.path, ds)
				}
				in = append(in, Translated{Path: f.path, Result: res})
			}
			merged, diags := Merge(in)
			var got string
			for _, d := range diags {
				if d.Code == "input/service-conflict" {
					got = d.Pos.String()
					break
				}
			}
			if got != tc.conflict {
				t.Errorf("service-conflict at %q, want %q; diagnostics: %v", got, tc.conflict, diags)
			}
			if tc.conflict == "" && len(merged) != 1 {
				t.Errorf("%d specs, want 1", len(merged))
			}
		})
	}
}
