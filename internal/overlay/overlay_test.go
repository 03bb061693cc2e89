package overlay_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/golden"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/overlay"
)

func ptr(f float64) *float64 { return &f }

func TestMerge(t *testing.T) {
	for name, tc := range map[string]struct {
		marks []overlay.Mark
		want  []overlay.Step
	}{
		"above": {
			marks: []overlay.Mark{{Value: 200, Severity: model.Critical}, {Value: 100, Severity: model.Warning}},
			want:  []overlay.Step{{Color: "green"}, {Color: "orange", Value: ptr(100)}, {Color: "red", Value: ptr(200)}},
		},
		"below inverts: red at the bottom": {
			marks: []overlay.Mark{{Value: 0.95, Severity: model.Critical, Below: true}, {Value: 0.99, Severity: model.Warning, Below: true}},
			want:  []overlay.Step{{Color: "red"}, {Color: "orange", Value: ptr(0.95)}, {Color: "green", Value: ptr(0.99)}},
		},
		"info is blue": {
			marks: []overlay.Mark{{Value: 3, Severity: model.Info}, {Value: 5, Severity: model.Warning}},
			want:  []overlay.Step{{Color: "green"}, {Color: "blue", Value: ptr(3)}, {Color: "orange", Value: ptr(5)}},
		},
		"above and below share a panel": {
			marks: []overlay.Mark{{Value: 90, Severity: model.Warning}, {Value: 50, Severity: model.Warning, Below: true}},
			want:  []overlay.Step{{Color: "orange"}, {Color: "green", Value: ptr(50)}, {Color: "orange", Value: ptr(90)}},
		},
		"the most severe wins where alerts overlap": {
			marks: []overlay.Mark{{Value: 100, Severity: model.Warning}, {Value: 80, Severity: model.Critical}, {Value: 100, Severity: model.Info}},
			want:  []overlay.Step{{Color: "green"}, {Color: "red", Value: ptr(80)}},
		},
		"status: red at 0, green from 1": {
			marks: []overlay.Mark{{Value: 1, Severity: model.Critical, Below: true}},
			want:  []overlay.Step{{Color: "red"}, {Color: "green", Value: ptr(1)}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			got := overlay.Merge(tc.marks)
			if diff := cmp.Diff(overlay.Thresholds{Mode: "absolute", Steps: tc.want}, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			// Order of the marks does not matter.
			rev := make([]overlay.Mark, len(tc.marks))
			for i, m := range tc.marks {
				rev[len(tc.marks)-1-i] = m
			}
			if diff := cmp.Diff(got, overlay.Merge(rev)); diff != "" {
				t.Errorf("reversed marks merge differently (-want +got)\n%s", diff)
			}
		})
	}
}

// TestApplyGolden overlays the specs of each testdata/apply case on its
// dashboards: want/ holds the overlaid dashboards, the overlay files and the
// diagnostics. Applying a second time must change nothing.
func TestApplyGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/apply/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			chdir(t, dir)
			c := overlayCase(t)
			plan, files := c.plan, c.files
			for _, d := range plan {
				golden.Check(t, filepath.Join("want", overlay.FileName(d)), overlay.Render(d))
			}
			for _, f := range files {
				golden.Check(t, filepath.Join("want", f.Path), f.New)
				again, _, err := overlay.Apply(f.Path, f.New, dashboardOf(plan, f.UID))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(again, f.New) {
					t.Errorf("%s: a second overlay changes the dashboard again:\n%s", f.Path, cmp.Diff(string(f.New), string(again)))
				}
			}
		})
	}
}

// overlaid is a test case's specs overlaid on its dashboards.
type overlaid struct {
	project *model.Project
	plan    []*overlay.Dashboard
	files   []overlay.File
	diags   diag.List
	text    string // diags as slo prints them
}

// overlayCase overlays specs/ on dashboards/ of the working directory, as
// slo overlay does, and checks the diagnostics against want/diagnostics.txt.
func overlayCase(t *testing.T) overlaid {
	t.Helper()
	p, diags, err := input.Load([]string{"specs"})
	if err != nil || p == nil {
		t.Fatalf("load: %v %v", err, diags)
	}
	plan, ds := overlay.Plan(p)
	diags = append(diags, ds...)
	files, ds, err := overlay.Dashboards("dashboards", plan)
	if err != nil {
		t.Fatal(err)
	}
	diags = append(diags, ds...)
	var text bytes.Buffer
	if err := diag.Write(&text, "text", diags); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "want/diagnostics.txt", text.Bytes())
	return overlaid{p, plan, files, diags, text.String()}
}

func dashboardOf(plan []*overlay.Dashboard, uid string) *overlay.Dashboard {
	for _, d := range plan {
		if d.UID == uid {
			return d
		}
	}
	return &overlay.Dashboard{UID: uid}
}

// chdir makes dir the working directory for the test, so that paths in
// diagnostics are relative and the goldens do not depend on the checkout.
func chdir(t testing.TB, dir string) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) })
}

// TestOnlyThresholdsChange checks that the overlaid hand-made dashboard,
// with thresholds and thresholdsStyle taken out again (and the objects that
// only existed to hold them), is the input: nothing else was touched. That
// the untouched text keeps its bytes is shown by the golden's diff.
func TestOnlyThresholdsChange(t *testing.T) {
	read := func(path string) any {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	in := read("testdata/apply/handmade/dashboards/handmade.json")
	out := read("testdata/apply/handmade/want/dashboards/handmade.json")
	strip(in)
	strip(out)
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("the overlay changed more than thresholds (-in +out):\n%s", diff)
	}
}

// strip removes fieldConfig.defaults.thresholds and
// custom.thresholdsStyle from every panel, and objects left empty by that.
func strip(v any) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			strip(e)
		}
	case map[string]any:
		for _, e := range v {
			strip(e)
		}
		delete(v, "thresholds")
		delete(v, "thresholdsStyle")
		for _, k := range []string{"custom", "defaults", "fieldConfig"} {
			if m, ok := v[k].(map[string]any); ok && len(m) == 0 {
				delete(v, k)
			}
		}
	}
}

// TestCheck: the gate reports a dashboard that does not show the specs'
// thresholds, and passes one that does.
func TestCheck(t *testing.T) {
	chdir(t, "testdata/apply/layouts")
	p, diags, err := input.Load([]string{"specs"})
	if err != nil || p == nil {
		t.Fatalf("load: %v %v", err, diags)
	}
	for dir, want := range map[string][]string{
		"dashboards": {
			"dashboards/minified.json: error: dashboards/minified.json does not show the thresholds of the specs; run slo overlay and commit the result [overlay/stale]",
			"dashboards/oldrows.json: error: dashboards/oldrows.json does not show the thresholds of the specs; run slo overlay and commit the result [overlay/stale]",
			"dashboards/tabs.json: error: dashboards/tabs.json does not show the thresholds of the specs; run slo overlay and commit the result [overlay/stale]",
		},
		"want/dashboards": nil,
	} {
		t.Run(dir, func(t *testing.T) {
			diags, err := overlay.Check(p, dir)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range diags.Sorted() {
				if d.Severity == diag.Error {
					got = append(got, d.String())
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
