package harness

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/scenario"
)

const replayRules = `groups:
  - name: q
    interval: 1m
    rules:
      - record: q:depth:value
        expr: sum(queue_depth)
      - alert: Deep
        expr: q:depth:value > 100
        for: 2m
        labels: {severity: warning}
      - alert: Deep
        expr: q:depth:value > 200
        for: 2m
        labels: {severity: critical}
`

const replayAM = `route:
  receiver: chat
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
receivers:
  - name: chat
  - name: pager
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname]
`

// TestReplay: a queue at 50, then 150 (warning), then 250 (critical,
// which inhibits the warning). Pending for 2m, then firing; each firing
// run routed at its start.
func TestReplay(t *testing.T) {
	f := &scenario.File{
		Name:         "t",
		RuleFiles:    []scenario.RuleFile{{Name: "rules/q.yml", Data: []byte(replayRules)}},
		Alertmanager: []byte(replayAM),
	}
	s := &scenario.Scenario{
		Name:     "ramp",
		Interval: time.Minute,
		Series:   []scenario.Series{{Series: "queue_depth", Values: "50x4 150x5 250x10"}},
		Ranges:   []scenario.AlertRange{{Kind: scenario.FiresWithin, Alertname: "Deep", To: 18 * time.Minute}},
	}
	tl, err := Replay(f, s, []string{"q:depth:value"})
	if err != nil {
		t.Fatal(err)
	}
	m := time.Minute
	if tl.End != 18*m || tl.Step != m {
		t.Errorf("end %s step %s, want 18m 1m", tl.End, tl.Step)
	}
	if len(tl.Signals) != 1 || len(tl.Signals[0]) != 1 || len(tl.Signals[0][0].Values) != 19 {
		t.Fatalf("signal: %+v", tl.Signals)
	}
	if v := tl.Signals[0][0].Values; v[0] != 50 || v[5] != 150 || v[18] != 250 {
		t.Errorf("signal values %v", v)
	}
	if len(tl.Inputs) != 1 || len(tl.Inputs[0]) != 1 {
		t.Errorf("inputs: %+v", tl.Inputs)
	}
	type ep struct {
		Sev      string
		Firing   bool
		From, To time.Duration
		Routes   []Route
	}
	var got []ep
	for _, e := range tl.Episodes {
		got = append(got, ep{e.Labels["severity"], e.Firing, e.From, e.To, e.Routes})
	}
	crit := `Deep{severity="critical"}`
	want := []ep{
		{"warning", false, 5 * m, 7 * m, nil},
		// Routed to chat when it starts firing; inhibited once the
		// critical fires.
		{"warning", true, 7 * m, 19 * m, []Route{{At: 7 * m, Receivers: []string{"chat"}}, {At: 13 * m, Inhibited: true, InhibitedBy: []string{crit}}}},
		{"critical", false, 11 * m, 13 * m, nil},
		{"critical", true, 13 * m, 19 * m, []Route{{At: 13 * m, Receivers: []string{"pager"}}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("episodes (-want +got)\n%s", diff)
	}
}
