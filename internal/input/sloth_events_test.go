package input

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestSlothEventsShapes: an events SLI whose two queries are sums of one
// counter's rate over Sloth's window imports as a ratio SLI however the
// user spaces and orders the query (as PromQL reads it); a sum that is not
// one (without, offset, another range, other by labels) stays Sloth's own
// error ratio. The same holds for a latency SLI's count minus bucket.
func TestSlothEventsShapes(t *testing.T) {
	const errorRatio = "error_ratio"
	for name, tc := range map[string]struct {
		errorQuery, totalQuery string
		// want is the imported sli, or errorRatio for Sloth's own ratio.
		want string
	}{
		"prefix by": {
			`sum by (route) (rate(http_requests_total{code=~"5.."}[{{.window}}]))`,
			`sum by (route) (rate(http_requests_total[{{.window}}]))`,
			"ratio:\n        bad: http_requests_total{code=~\"5..\"}\n        total: http_requests_total\n        by: [route]\n",
		},
		"postfix by, as Kuadrant writes it": {
			`sum(rate(istio_requests_total{job="a",response_code=~"5.*"}[{{.window}}])) by (request_host)`,
			`sum(rate(istio_requests_total{job="a"}[{{.window}}]) )by (request_host)`,
			"ratio:\n        bad: istio_requests_total{job=\"a\",response_code=~\"5.*\"}\n        total: istio_requests_total{job=\"a\"}\n        by: [request_host]\n",
		},
		"by labels in another order": {
			`sum(rate(x_total{code="500"}[{{.window}}])) by (a, b)`,
			`sum by (b,a) (rate(x_total[{{.window}}]))`,
			"ratio:\n        bad: x_total{code=\"500\"}\n        total: x_total\n        by: [a, b]\n",
		},
		"spaces, newlines and a spaced template": {
			"sum(\n  rate(\n    x_total{code=\"500\"} [ {{ .window }} ]\n  )\n)",
			"(sum (rate (x_total[{{- .window -}}])))",
			"ratio:\n        bad: x_total{code=\"500\"}\n        total: x_total\n",
		},
		"sum without": {
			`sum without (instance) (rate(x_total{code="500"}[{{.window}}]))`,
			`sum without (instance) (rate(x_total[{{.window}}]))`,
			errorRatio,
		},
		"offset": {
			`sum(rate(x_total{code="500"}[{{.window}}] offset 5m))`,
			`sum(rate(x_total[{{.window}}] offset 5m))`,
			errorRatio,
		},
		"@": {
			`sum(rate(x_total{code="500"}[{{.window}}] @ 100))`,
			`sum(rate(x_total[{{.window}}]))`,
			errorRatio,
		},
		"a range that is not the window": {
			`sum(rate(x_total{code="500"}[5m]))`,
			`sum(rate(x_total[5m]))`,
			errorRatio,
		},
		"the window in a label value, not the range": {
			`sum(rate(x_total{code="500",w="{{.window}}"}[5m]))`,
			`sum(rate(x_total{w="{{.window}}"}[5m]))`,
			errorRatio,
		},
		"the window in a label value and the range": {
			`sum(rate(x_total{code="500",w="{{.window}}"}[{{.window}}]))`,
			`sum(rate(x_total{w="{{.window}}"}[{{.window}}]))`,
			errorRatio,
		},
		"latency with the window in a label value": {
			`sum(rate(d_ms_count{w="{{ .window }}"}[{{.window}}])) - sum(rate(d_ms_bucket{le="0.25",w="{{ .window }}"}[{{.window}}]))`,
			`sum(rate(d_ms_count{w="{{ .window }}"}[{{.window}}]))`,
			errorRatio,
		},
		"different by labels": {
			`sum(rate(x_total{code="500"}[{{.window}}])) by (a)`,
			`sum(rate(x_total[{{.window}}])) by (b)`,
			errorRatio,
		},
		"by on one query only": {
			`sum(rate(x_total{code="500"}[{{.window}}])) by (a)`,
			`sum(rate(x_total[{{.window}}]))`,
			errorRatio,
		},
		"increase": {
			`sum(increase(x_total{code="500"}[{{.window}}]))`,
			`sum(increase(x_total[{{.window}}]))`,
			errorRatio,
		},
		"max": {
			`max(rate(x_total{code="500"}[{{.window}}]))`,
			`max(rate(x_total[{{.window}}]))`,
			errorRatio,
		},
		"a sum of two rates": {
			`sum(rate(x_total{code="500"}[{{.window}}])) + sum(rate(y_total[{{.window}}]))`,
			`sum(rate(x_total[{{.window}}]))`,
			errorRatio,
		},
		"latency with postfix by, as Kuadrant writes it": {
			"(\n  sum(rate(d_ms_count{job=\"a\"}[{{.window}}]))by (host)\n  -\n  sum(rate(d_ms_bucket{le=\"250\", job=\"a\" }[{{.window}}]) )by (host)\n)",
			`sum(rate(d_ms_count{job="a"}[{{.window}}]))by (host)`,
			"latency:\n        histogram: d_ms{job=\"a\"}\n        threshold: 250\n        by: [host]\n",
		},
		"latency with on": {
			`sum(rate(d_ms_count[{{.window}}])) - on (host) sum(rate(d_ms_bucket{le="0.25"}[{{.window}}]))`,
			`sum(rate(d_ms_count[{{.window}}]))`,
			errorRatio,
		},
		"latency with group_left": {
			`sum(rate(d_ms_count[{{.window}}])) - ignoring () group_left () sum(rate(d_ms_bucket{le="0.25"}[{{.window}}]))`,
			`sum(rate(d_ms_count[{{.window}}]))`,
			errorRatio,
		},
		"latency with other by labels": {
			`sum(rate(d_ms_count[{{.window}}])) by (host) - sum(rate(d_ms_bucket{le="0.25"}[{{.window}}])) by (path)`,
			`sum(rate(d_ms_count[{{.window}}])) by (host)`,
			errorRatio,
		},
		"a selector without a name": {
			`sum(rate({__name__="x_total",code="500"}[{{.window}}]))`,
			`sum(rate(x_total[{{.window}}]))`,
			errorRatio,
		},
	} {
		t.Run(name, func(t *testing.T) {
			src := fmt.Sprintf(`version: prometheus/v1
service: api
slos:
  - name: avail
    objective: 99.9
    sli:
      events:
        error_query: %s
        total_query: %s
`, block(tc.errorQuery), block(tc.totalQuery))
			res, diags := Translate("a.yml", []byte(src))
			if len(diags) != 0 {
				t.Fatalf("diagnostics: %v", diags)
			}
			data, err := encodeOne("a.yml", res)
			if err != nil {
				t.Fatal(err)
			}
			got := string(data)
			if i := strings.Index(got, "    sli:\n      "); i >= 0 {
				got = got[i+len("    sli:\n      "):]
			}
			if tc.want == errorRatio {
				if !strings.HasPrefix(got, "error_ratio:") {
					t.Errorf("imported as more than Sloth's ratio:\n%s", data)
				}
				return
			}
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("sli:\n%s\nwant it to start:\n%s", got, tc.want)
			}
		})
	}
}

// block is query q as a YAML block scalar at the indent of the test's
// queries.
func block(q string) string {
	return "|-\n          " + strings.ReplaceAll(q, "\n", "\n          ")
}

// TestSlothEventsPositions: the bad and total selectors of an imported
// ratio SLI stand at the line and column of the selectors in the Sloth
// file, so that diagnostics about them point there.
func TestSlothEventsPositions(t *testing.T) {
	src := `version: prometheus/v1
service: api
slos:
  - name: avail
    objective: 99.9
    sli:
      events:
        error_query: |-
          sum(
            rate(http_requests_total{code=~"5.."}[{{ .window }}])
          ) by (route)
        total_query: sum by (route) (rate(  http_requests_total[{{.window}}]))
`
	res, diags := Translate("a.yml", []byte(src))
	if len(diags) != 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	got := map[string]string{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i].Value; n.Kind == yaml.MappingNode && (k == "bad" || k == "total") {
				v := n.Content[i+1]
				got[k] = fmt.Sprintf("%d:%d %s", v.Line, v.Column, v.Value)
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	for _, d := range res.Docs {
		walk(d)
	}
	want := map[string]string{
		"bad":   `10:18 http_requests_total{code=~"5.."}`,
		"total": `12:45 http_requests_total`,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s at %q, want %q", k, got[k], w)
		}
	}
}
