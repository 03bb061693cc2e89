package diff

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/model"
)

func texts(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Text)
	}
	return out
}

func queueAlert() *model.Alert {
	return &model.Alert{
		Name:      "QueueDepthHigh",
		Signal:    &model.ExprSignal{Expr: "sum(queue_depth)"},
		Direction: model.Above,
		Levels: []model.Level{
			{Severity: model.Critical, Threshold: 200, For: 5 * time.Minute},
			{Severity: model.Warning, Threshold: 100, For: 5 * time.Minute},
		},
		Panel: &model.Panel{Dashboard: "jobs", Title: "Queue depth"},
	}
}

func TestCompareAlert(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(a *model.Alert)
		want []string
	}{
		"nothing": {func(*model.Alert) {}, nil},
		"threshold, for and keep_firing_for per severity": {
			func(a *model.Alert) {
				a.Levels[0].Threshold = 300
				a.Levels[1].For = 10 * time.Minute
				a.Levels[1].KeepFiringFor = 2 * time.Minute
			},
			[]string{"critical threshold: 200 → 300", "warning for: 5m → 10m", "warning keep_firing_for: 0s → 2m"},
		},
		"a level removed, another added": {
			func(a *model.Alert) {
				a.Levels = []model.Level{a.Levels[0], {Severity: model.Info, Threshold: 50, For: time.Minute}}
			},
			[]string{"warning level removed (was above 100 for 5m)", "info level added: above 50 for 1m"},
		},
		"inhibits, panel, direction": {
			func(a *model.Alert) {
				a.Direction = model.Below
				a.Inhibits = &model.Inhibits{Alerts: []string{"JobSlow"}, Severities: []model.Severity{model.Warning}, Equal: []string{"stage"}}
				a.Panel = &model.Panel{Dashboard: "jobs", ID: 4}
			},
			[]string{
				"direction: above → below",
				"inhibits: (none) → JobSlow (warning) where stage match",
				`panel: dashboard jobs, title "Queue depth" → dashboard jobs, id 4`,
			},
		},
		"signal": {
			func(a *model.Alert) { a.Signal = &model.ExprSignal{Expr: "max(queue_depth)"} },
			[]string{"signal: expr (as before) → expr (changed)"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			h := queueAlert()
			tc.edit(h)
			if diff := cmp.Diff(tc.want, texts(compareAlert(queueAlert(), h))); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func apiSLO() *model.SLO {
	return &model.SLO{
		Name: "availability", Objective: 0.999, Period: 30 * 24 * time.Hour,
		Alerting: model.SLOAlerting{
			Name: "ApiAvailabilityErrorBudgetBurn",
			Page: &model.BurnAlert{Severity: model.Critical, For: 2 * time.Minute, Windows: []model.BurnWindow{
				{Long: time.Hour, Short: 5 * time.Minute, Factor: 14.4},
				{Long: 6 * time.Hour, Short: 30 * time.Minute, Factor: 6},
			}},
			Ticket: &model.BurnAlert{Severity: model.Warning, For: 15 * time.Minute, Windows: []model.BurnWindow{
				{Long: 24 * time.Hour, Short: 2 * time.Hour, Factor: 3},
			}},
		},
	}
}

func TestCompareSLO(t *testing.T) {
	h := apiSLO()
	h.Objective = 0.995
	h.Alerting.Page.Windows[0].Factor = 10
	h.Alerting.Page.For = 4 * time.Minute
	h.Alerting.Ticket = nil
	want := []string{
		"objective: 99.9% → 99.5%",
		"page windows: 14.4x over 1h/5m, 6x over 6h/30m → 10x over 1h/5m, 6x over 6h/30m",
		"page for: 2m → 4m",
		"ticket alert removed (was warning on 3x over 1d/2h, for 15m)",
	}
	if diff := cmp.Diff(want, texts(compareSLO(apiSLO(), h))); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestCompareRouting(t *testing.T) {
	base := &model.Routing{
		DefaultReceiver: "ops",
		GroupBy:         []string{"alertname"},
		Teams: []model.TeamRoute{
			{Team: "jobs", Severities: []model.SeverityRoute{{Severity: model.Critical, Route: model.Route{Receiver: "pager"}}}},
			{Team: "web", Route: model.Route{Receiver: "web-chat"}},
		},
	}
	head := &model.Routing{
		DefaultReceiver: "ops",
		GroupBy:         []string{"alertname", "service"},
		Teams: []model.TeamRoute{
			{Team: "jobs", Severities: []model.SeverityRoute{{Severity: model.Critical, Route: model.Route{Receiver: "oncall", RepeatInterval: time.Hour}}}},
		},
	}
	want := []string{
		"group_by: alertname → alertname, service",
		"team jobs critical: pager → oncall (repeat 1h)",
		"team web removed (was web-chat)",
	}
	if diff := cmp.Diff(want, texts(compareRouting(base, head))); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if got := compareRouting(base, base); len(got) != 0 {
		t.Errorf("the same routing on both sides: got changes %v", texts(got))
	}
}

func TestCompareDashboards(t *testing.T) {
	project := func(a *model.Alert) *model.Project {
		return &model.Project{Services: []*model.Service{{Name: "jobs", Alerts: []*model.Alert{a}}}}
	}
	h := queueAlert()
	h.Levels[0].Threshold = 300
	want := []string{`dashboard jobs, panel title "Queue depth": critical > 200, warning > 100 → critical > 300, warning > 100`}
	if diff := cmp.Diff(want, texts(compareDashboards(project(queueAlert()), project(h)))); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestSentence(t *testing.T) {
	fired := func(pending, at, resolved time.Duration, recv ...string) Outcome {
		o := Outcome{Fired: true, pendingAt: pending, firedAt: at, Receivers: recv}
		if resolved > 0 {
			o.resolved, o.resolvedAt = true, resolved
		}
		return o
	}
	m := time.Minute
	for name, tc := range map[string]struct {
		ctx  string
		b, h Outcome
		want string
	}{
		"no change":          {"at 330", fired(5*m, 10*m, 0, "pager"), fired(5*m, 10*m, 0, "pager"), ""},
		"silent on both":     {"at 330", Outcome{}, Outcome{}, ""},
		"now silent":         {"at 330", fired(5*m, 10*m, 0, "pager"), Outcome{}, "QueueDepthHigh critical: fired after 5m at 330, now stays silent at 330"},
		"now fires":          {"at 330", Outcome{}, fired(5*m, 15*m, 0), "QueueDepthHigh critical: stayed silent at 330, now fires after 10m at 330"},
		"named once":         {`in "a backlog"`, fired(5*m, 10*m, 0), Outcome{}, `QueueDepthHigh critical: fired after 5m, now stays silent in "a backlog"`},
		"no context":         {"", fired(5*m, 10*m, 0), Outcome{}, "QueueDepthHigh critical: fired after 5m, now stays silent"},
		"later":              {"on a 14.4x burn", fired(5*m, 7*m, 0), fired(5*m, 11*m, 0), "QueueDepthHigh critical: now fires 4m later on a 14.4x burn"},
		"earlier":            {"at 330", fired(5*m, 15*m, 0), fired(5*m, 10*m, 0), "QueueDepthHigh critical: now fires 5m earlier at 330"},
		"receivers":          {"at 330", fired(5*m, 10*m, 0, "pager"), fired(5*m, 10*m, 0, "oncall", "log"), "QueueDepthHigh critical: reached pager at 330, now reaches oncall, log"},
		"inhibited":          {"at 330", fired(5*m, 10*m, 0, "chat"), Outcome{Fired: true, pendingAt: 5 * m, firedAt: 10 * m, Inhibited: true}, "QueueDepthHigh critical: reached chat at 330, now reaches nobody (inhibited)"},
		"resolves later":     {"at 330", fired(5*m, 10*m, 20*m), fired(5*m, 10*m, 25*m), "QueueDepthHigh critical: now resolves 5m later at 330"},
		"later and resolves": {"at 330", fired(5*m, 10*m, 20*m), fired(5*m, 12*m, 0), "QueueDepthHigh critical: now fires 2m later at 330; resolved, now keeps firing to the scenario's end"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := sentence("QueueDepthHigh critical", tc.ctx, tc.b, tc.h); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestBehaviourText(t *testing.T) {
	x := Behaviour{generic: "A critical: now fires 2m later", first: "A critical: now fires 2m later at 330",
		Scenarios: []string{"s1"}, values: []string{"at 330"}}
	if got, want := x.text(), "A critical: now fires 2m later at 330"; got != want {
		t.Errorf("one scenario: got %q, want %q", got, want)
	}
	x.Scenarios = []string{"s1", "s2", "s3", "s4"}
	x.values = []string{"at 330", "at 400"}
	x.named = []string{"one", "two", "three"}
	if got, want := x.text(), `A critical: now fires 2m later (at 330, at 400; in 3 other scenarios such as "one", "two")`; got != want {
		t.Errorf("grouped: got  %q\nwant %q", got, want)
	}
}
