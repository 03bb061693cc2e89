package compile

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/model"
)

// TestRoutingTeamSettings: a team's time intervals reach every route of the
// team that gives none (Alertmanager would not pass them down), an empty
// list opts out, and a route without a receiver names the team's.
func TestRoutingTeamSettings(t *testing.T) {
	office := []string{"office-hours"}
	r := &model.Routing{
		DefaultReceiver: "ops",
		Teams: []model.TeamRoute{{
			Team:   "checkout",
			Route:  model.Route{Receiver: "checkout-email", ActiveTimeIntervals: office, MuteTimeIntervals: []string{"holidays"}},
			Routes: []model.LabelRoute{{Matchers: []string{`category="business"`}, Route: model.Route{Receiver: "business-email", ActiveTimeIntervals: []string{}}}},
			Severities: []model.SeverityRoute{
				{Severity: model.Critical, Route: model.Route{Receiver: "checkout-pager", MuteTimeIntervals: []string{"nights"}}},
				{Severity: model.Warning},
			},
		}},
	}
	am := Routing(r, nil)
	want := Route{
		Receiver: "ops",
		Routes: []Route{{
			Receiver: "checkout-email", Matchers: []string{`team="checkout"`},
			ActiveTimeIntervals: office, MuteTimeIntervals: []string{"holidays"},
			Routes: []Route{
				{Receiver: "business-email", Matchers: []string{`category="business"`}, ActiveTimeIntervals: []string{}, MuteTimeIntervals: []string{"holidays"}},
				{Receiver: "checkout-pager", Matchers: []string{`severity="critical"`}, ActiveTimeIntervals: office, MuteTimeIntervals: []string{"nights"}},
				{Receiver: "checkout-email", Matchers: []string{`severity="warning"`}, ActiveTimeIntervals: office, MuteTimeIntervals: []string{"holidays"}},
			},
		}},
	}
	if diff := cmp.Diff(want, am.Route); diff != "" {
		t.Errorf("route (-want +got):\n%s", diff)
	}
	if am.Merge {
		t.Errorf("merged without a base route")
	}
	if diff := cmp.Diff([]string{"business-email", "checkout-email", "checkout-pager", "ops"}, am.Receivers); diff != "" {
		t.Errorf("receivers (-want +got):\n%s", diff)
	}
}

// TestRoutingMergeMatchers: merged into a base route, the subtree matches
// the services that have alerts and their alert names, and goes where
// position says.
func TestRoutingMergeMatchers(t *testing.T) {
	services := []*model.Service{
		{Name: "payments", Alerts: []*model.Alert{{Name: "PaymentsDown", Signal: &model.ExprSignal{}}}},
		{Name: "docs"},
		{Name: "checkout", SLOs: []*model.SLO{{Alerting: model.SLOAlerting{Name: "CheckoutAvailabilityErrorBudgetBurn", Page: &model.BurnAlert{}}}, {Alerting: model.SLOAlerting{Name: "QuietErrorBudgetBurn"}}}},
	}
	r := &model.Routing{
		BaseRoute: &model.BaseRoute{Receiver: "ops", Children: []string{"deadmansswitch", "ops"}, Matchers: [][]string{{`alertname="Watchdog"`}, nil}, Continue: []bool{false, false}},
		Position:  model.Position{Where: "after", Receiver: "deadmansswitch"},
	}
	am := Routing(r, services)
	if !am.Merge || am.At != 1 {
		t.Errorf("Merge %v at %d, want merged at 1", am.Merge, am.At)
	}
	want := []string{`service=~"checkout|payments"`, `alertname=~"CheckoutAvailabilityErrorBudgetBurn|PaymentsDown"`}
	if diff := cmp.Diff(want, am.Route.Matchers); diff != "" {
		t.Errorf("matchers (-want +got):\n%s", diff)
	}
}
