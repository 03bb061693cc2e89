package overlay_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/overlay"
)

// TestShippedDashboards keeps dashboards/ in step with specs/: the overlay
// of the shipped specs changes no shipped dashboard and reports nothing,
// and every dashboard passes the Grafana SDK's strict model and the step
// checks.
func TestShippedDashboards(t *testing.T) {
	chdir(t, "../..")
	p, diags, err := input.Load([]string{"specs"})
	if err != nil || p == nil {
		t.Fatalf("load specs: %v %v", err, diags)
	}
	stale, diags, err := overlay.Stale(p, "dashboards")
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) > 0 {
		t.Errorf("overlay of the shipped specs reports:\n%v", diags)
	}
	if len(stale) > 0 {
		t.Errorf("stale dashboards %v: run `go run ./cmd/slo overlay` and commit the result", stale)
	}
	paths, _ := filepath.Glob("dashboards/*.json")
	if len(paths) != 8 {
		t.Errorf("dashboards/ holds %d dashboards, want the 8 of the seed documents", len(paths))
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if ds := overlay.Validate(path, data); len(ds) > 0 {
			t.Errorf("%s:\n%v", path, ds)
		}
	}
}

// noPanel lists the shipped alerts that show on no panel, with the reason.
var noPanel = map[string]string{
	"dubbing-api/ApiDown": "added for hard outages, beyond the seed document; its dashboards have no panel of the API's up state",
}

// TestShippedPanelsShowAlertThresholds reads, for every alert and SLO of the
// shipped specs, the steps of the panel it names straight from the
// dashboard JSON, and compares them with steps worked out here from the
// alert's own thresholds, independently of overlay.Merge. Alerts with a
// threshold and SLOs must all name a panel.
func TestShippedPanelsShowAlertThresholds(t *testing.T) {
	chdir(t, "../..")
	p, diags, err := input.Load([]string{"specs"})
	if err != nil || p == nil {
		t.Fatalf("load specs: %v %v", err, diags)
	}
	colour := map[model.Severity]string{model.Critical: "red", model.Warning: "orange", model.Info: "blue"}
	n := 0
	for _, svc := range p.Services {
		for _, s := range svc.SLOs {
			name := svc.Name + "/" + s.Name
			if s.Panel == nil {
				t.Errorf("SLO %s names no panel", name)
				continue
			}
			want := []step{{"red", nil}, {"green", ptr(s.Objective)}}
			checkPanel(t, name, s.Panel, want)
			n++
		}
		for _, a := range svc.Alerts {
			name := svc.Name + "/" + a.Name
			var want []step
			switch {
			case a.Direction == model.Above:
				want = []step{{"green", nil}}
				for i := len(a.Levels) - 1; i >= 0; i-- { // least severe, lowest, first
					want = append(want, step{colour[a.Levels[i].Severity], ptr(a.Levels[i].Threshold)})
				}
			case a.Direction == model.Below:
				want = []step{{colour[a.Levels[0].Severity], nil}}
				for i := range a.Levels { // most severe, lowest, first
					next := "green"
					if i+1 < len(a.Levels) {
						next = colour[a.Levels[i+1].Severity]
					}
					want = append(want, step{next, ptr(a.Levels[i].Threshold)})
				}
			default:
				if _, ok := a.Signal.(*model.StatusSignal); !ok {
					if a.Panel != nil {
						t.Errorf("condition alert %s names a panel it cannot show", name)
					}
					continue
				}
				st := a.Signal.(*model.StatusSignal)
				want = []step{{colour[a.Levels[0].Severity], nil}, {"green", ptr(1)}}
				if len(st.UpValues) > 0 {
					// Consecutive up values: green from the first, red
					// again from one past the last.
					lo, hi := slices.Min(st.UpValues), slices.Max(st.UpValues)
					want = []step{{colour[a.Levels[0].Severity], nil}, {"green", ptr(lo)}, {colour[a.Levels[0].Severity], ptr(hi + 1)}}
				}
			}
			if a.Panel == nil {
				if why, ok := noPanel[name]; ok {
					t.Logf("alert %s names no panel: %s", name, why)
					continue
				}
				t.Errorf("alert %s has a threshold but names no panel", name)
				continue
			}
			checkPanel(t, name, a.Panel, want)
			n++
		}
	}
	if n < 25 {
		t.Errorf("only %d alerts and SLOs checked", n)
	}
}

type step struct {
	Color string   `json:"color"`
	Value *float64 `json:"value"`
}

type jsonPanel struct {
	Type        string      `json:"type"`
	Title       string      `json:"title"`
	Panels      []jsonPanel `json:"panels"`
	FieldConfig struct {
		Defaults struct {
			Thresholds struct {
				Mode  string `json:"mode"`
				Steps []step `json:"steps"`
			} `json:"thresholds"`
			Custom struct {
				ThresholdsStyle struct {
					Mode string `json:"mode"`
				} `json:"thresholdsStyle"`
			} `json:"custom"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
}

func checkPanel(t *testing.T, name string, ref *model.Panel, want []step) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("dashboards", ref.Dashboard+".json"))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	var d struct {
		UID    string      `json:"uid"`
		Panels []jsonPanel `json:"panels"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	var all []jsonPanel
	for _, p := range d.Panels {
		all = append(all, p)
		all = append(all, p.Panels...) // collapsed rows
	}
	i := slices.IndexFunc(all, func(p jsonPanel) bool { return p.Title == ref.Title && p.Type != "row" })
	if d.UID != ref.Dashboard || i < 0 {
		t.Errorf("%s: dashboard %s has no panel %q", name, ref.Dashboard, ref.Title)
		return
	}
	got := all[i].FieldConfig.Defaults
	if got.Thresholds.Mode != "absolute" {
		t.Errorf("%s: panel %q: thresholds mode %q", name, ref.Title, got.Thresholds.Mode)
	}
	if diff := cmp.Diff(want, got.Thresholds.Steps); diff != "" {
		t.Errorf("%s: panel %q steps (-want +got):\n%s", name, ref.Title, diff)
	}
	if all[i].Type == "timeseries" && got.Custom.ThresholdsStyle.Mode != overlay.ThresholdsStyle {
		t.Errorf("%s: panel %q thresholdsStyle %q, want %q", name, ref.Title, got.Custom.ThresholdsStyle.Mode, overlay.ThresholdsStyle)
	}
}

// TestShippedStatePanels pins the panels of the two state gauges by hand,
// not by the formula the overlay and the test above share: the connection
// state (0 disconnected, 1 connected, 2 connecting) is green on 1 only, the
// circuit breaker (0 closed, 1 open, 2 half-open) on 0 only.
func TestShippedStatePanels(t *testing.T) {
	chdir(t, "../..")
	checkPanel(t, "MlProducerDisconnected", &model.Panel{Dashboard: "ml-producer-monitoring", Title: "Connection Status"},
		[]step{{"red", nil}, {"green", ptr(1)}, {"red", ptr(2)}})
	checkPanel(t, "MlProducerCircuitBreakerOpen", &model.Panel{Dashboard: "ml-producer-monitoring", Title: "Circuit Breaker Status"},
		[]step{{"orange", nil}, {"green", ptr(0)}, {"orange", ptr(1)}})
}
