package app

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/testfs"
	"github.com/slo-compiler/slo/internal/watch"
)

// TestWatchReruns drives the watch loop's rounds by hand (the file events
// are internal/watch's and cmd/slo's TestWatch's business) and checks what
// each change reruns.
func TestWatchReruns(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"specs/a.yaml": `version: slo/v1
service: a
team: ops
alerts:
  - name: AHigh
    signal: {expr: 'sum(a_depth)'}
    above: {critical: 10}
`,
		"specs/b.yaml": `version: slo/v1
service: b
team: ops
alerts:
  - name: BHigh
    signal: {expr: 'sum(b_depth)'}
    above: {critical: 10}
`,
		"specs/routing.yaml": `version: slo/v1
routing:
  base: ../config/base.yml
  default_receiver: ops
  teams:
    ops: {critical: pager}
`,
		"config/base.yml": `receivers:
  - name: ops
  - name: pager
`,
		"config/other.yml": "unrelated: true\n",
		"tests/a.yaml": `version: slo/v1
spec: [../specs/a.yaml, ../specs/routing.yaml]
tests:
  - name: a pages
    input_series:
      - series: a_depth
        values: 20x10
    alert_rule_test:
      - eval_time: 5m
        alertname: AHigh
        exp_alerts:
          - exp_labels: {service: a, severity: critical, team: ops}
            exp_receivers: [pager]
`,
		"tests/b.yaml": `version: slo/v1
spec: ../specs/b.yaml
tests:
  - name: b fires
    input_series:
      - series: b_depth
        values: 20x10
    alert_rule_test:
      - eval_time: 5m
        alertname: BHigh
        exp_alerts:
          - exp_labels: {service: b, severity: critical, team: ops}
`,
		"tests/all.yaml": `version: slo/v1
spec: ../specs
tests:
  - name: b fires with everything compiled
    input_series:
      - series: b_depth
        values: 20x10
    alert_rule_test:
      - eval_time: 5m
        alertname: BHigh
        exp_alerts:
          - exp_labels: {service: b, severity: critical, team: ops}
            exp_receivers: [pager]
`,
	}
	testfs.Write(t, dir, files)
	t.Chdir(dir)
	w, err := watch.New(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	s := &watchState{roots: DefaultTestPaths, w: w, pending: map[string]bool{}, verdicts: map[string][]lastVerdict{}}
	var got *Round
	keep := func(r *Round) error { got = r; return nil }
	if err := s.round(nil, false, keep); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Run == nil || got.Total.Failed > 0 || got.Total.Passed == 0 {
		t.Fatalf("first round: %+v", got)
	}
	for _, tc := range []struct {
		changed []string
		want    []string // rerun; nil: no round
	}{
		{[]string{"specs/a.yaml"}, []string{"specs/a.yaml", "tests/a.yaml", "tests/all.yaml"}},
		{[]string{"specs/b.yaml"}, []string{"specs/b.yaml", "tests/all.yaml", "tests/b.yaml"}},
		// The routing document changes alertmanager.yml: the scenario
		// files that name it (or its folder) rerun.
		{[]string{"specs/routing.yaml"}, []string{"specs/routing.yaml", "tests/a.yaml", "tests/all.yaml"}},
		{[]string{"config/base.yml"}, []string{"tests/a.yaml", "tests/all.yaml"}},
		{[]string{"tests/b.yaml"}, []string{"tests/b.yaml"}},
		{[]string{"config/other.yml"}, nil},
	} {
		got = nil
		if err := s.round(tc.changed, false, keep); err != nil {
			t.Fatal(err)
		}
		var rerun []string
		if got != nil {
			rerun = got.Rerun
			if got.Run == nil || got.Err != nil || len(got.Diags) > 0 {
				t.Errorf("%v: run %v, err %v, diags %v", tc.changed, got.Run, got.Err, got.Diags)
			}
		}
		if diff := cmp.Diff(tc.want, rerun); diff != "" {
			t.Errorf("%v: rerun (-want +got):\n%s", tc.changed, diff)
		}
	}
}
