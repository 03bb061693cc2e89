package diff

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/model"
)

const rulesBase = `groups:
  - name: jobs
    rules:
      - record: job:queue_depth:value
        expr: sum(queue_depth)
      - alert: QueueDepthHigh
        expr: job:queue_depth:value > 200
        for: 5m
        labels: {severity: critical}
      - alert: WorkerDown
        expr: sum(up{job="worker"}) < 1
        for: 1m
        labels: {severity: critical}
      - alert: DatabaseDown
        expr: sum(up{job="db"}) < 1
        for: 1m
        labels: {severity: critical}
`

func TestWatchList(t *testing.T) {
	side := func(rules string, inhibits bool) *Side {
		db := &model.Alert{Name: "DatabaseDown"}
		if inhibits {
			db.Inhibits = &model.Inhibits{Alerts: []string{"WorkerDown"}}
		}
		return &Side{
			Project: &model.Project{Services: []*model.Service{{Name: "jobs", Alerts: []*model.Alert{db}}}},
			Files:   map[string][]byte{"rules/jobs.yml": []byte(rules)},
		}
	}
	replace := func(old, new string) string { return strings.Replace(rulesBase, old, new, 1) }
	for name, tc := range map[string]struct {
		head     string
		inhibits bool
		want     []string
	}{
		"nothing changed": {rulesBase, false, nil},
		"an alert's for":  {replace("for: 1m\n        labels: {severity: critical}\n      - alert: DatabaseDown", "for: 3m\n        labels: {severity: critical}\n      - alert: DatabaseDown"), false, []string{"WorkerDown"}},
		// The alert rule is the same; the record it reads is not.
		"a recording rule it reads": {replace("sum(queue_depth)", "max(queue_depth)"), false, []string{"QueueDepthHigh"}},
		// DatabaseDown mutes WorkerDown: whether WorkerDown is muted
		// depends on DatabaseDown's state, so both are watched.
		"an inhibition": {replace("for: 1m\n        labels: {severity: critical}\n      - alert: DatabaseDown", "for: 3m\n        labels: {severity: critical}\n      - alert: DatabaseDown"), true, []string{"DatabaseDown", "WorkerDown"}},
	} {
		t.Run(name, func(t *testing.T) {
			got := slices.Sorted(maps.Keys(watchList(side(rulesBase, tc.inhibits), side(tc.head, tc.inhibits))))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
