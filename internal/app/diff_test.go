package app

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/diff"
	"github.com/slo-compiler/slo/internal/golden"
)

// TestDiffFolders compares two folders: an SLO's page waits longer, a
// warning threshold goes up, an alert is added and one removed. The report in
// every format is a golden.
func TestDiffFolders(t *testing.T) {
	r, diags, err := Diff(context.Background(), DiffOptions{Base: "testdata/diff/base", Head: "testdata/diff/head"})
	if err != nil || len(diags) > 0 {
		t.Fatalf("Diff: %v %v", err, diags)
	}
	if !r.Changed {
		t.Fatal("Changed is false; the sides differ")
	}
	// What the fixture changed, independent of how the report words it:
	// alerts in head's order, then the removed one; spec fields with the
	// values the two spec files hold; behaviour only where rules changed.
	type change struct{ Alert, Status, Field, Base, Head string }
	var got []change
	behaves := map[string]bool{}
	for _, a := range r.Alerts {
		for _, c := range a.Changes {
			if a.Status != "changed" {
				c = diff.Change{} // an added or removed alert's one line
			}
			got = append(got, change{a.Alert, a.Status, c.Field, c.Base, c.Head})
		}
		behaves[a.Alert] = len(a.Behaviour) > 0
	}
	want := []change{
		{"LatencyHigh", "changed", "threshold", "1", "1.5"},
		{"ErrorsLogged", "added", "", "", ""},
		{"AvailabilityErrorBudgetBurn", "changed", "for", "2m", "6m"},
		{"CacheCold", "removed", "", "", ""},
	}
	if !slices.Equal(got, want) {
		t.Errorf("spec changes:\n got %v\nwant %v", got, want)
	}
	if wantB := map[string]bool{"LatencyHigh": true, "ErrorsLogged": false, "AvailabilityErrorBudgetBurn": true, "CacheCold": false}; !maps.Equal(behaves, wantB) {
		t.Errorf("alerts with behaviour changes %v, want %v", behaves, wantB)
	}
	for format, file := range map[string]string{"text": "want.txt", "markdown": "want.md", "json": "want.json"} {
		var b bytes.Buffer
		if err := diff.Write(&b, format, r); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "testdata/diff/"+file, b.Bytes())
	}
}

// TestDiffSame finds no change between a folder and itself, having run
// its scenarios on both sides.
func TestDiffSame(t *testing.T) {
	r, _, err := Diff(context.Background(), DiffOptions{Base: "testdata/diff/head", Head: "testdata/diff/head"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Changed || len(r.Alerts) > 0 || r.Scenarios == 0 {
		t.Errorf("a folder against itself: changed %v, %d alerts, %d scenarios run; want no change after running its scenarios", r.Changed, len(r.Alerts), r.Scenarios)
	}
}

// TestDiffPlots draws the scenarios whose behaviour changed: one plot per
// such scenario, each with base's and head's thresholds, linked from the
// behaviours in every format; the same bytes on a second run. It runs
// without the race detector (NORACE): TestDiffPlotsSmall runs the same
// workers under it on a smaller fixture.
func TestDiffPlots(t *testing.T) {
	draw := func(dir string) *diff.Report {
		t.Helper()
		r, diags, err := Diff(context.Background(), DiffOptions{Base: "testdata/diff/base", Head: "testdata/diff/head", Plots: dir})
		if err != nil || len(diags) > 0 {
			t.Fatalf("Diff: %v %v", err, diags)
		}
		return r
	}
	dir := filepath.Join(t.TempDir(), "plots")
	r := draw(dir)
	distinct := checkLatencyPlots(t, r, dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}

	// Each format links the plots.
	for _, format := range diff.Formats {
		var b bytes.Buffer
		if err := diff.Write(&b, format, r); err != nil {
			t.Fatal(err)
		}
		for _, p := range distinct {
			if !strings.Contains(b.String(), p) {
				t.Errorf("%s output does not link %s", format, p)
			}
		}
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/diff/plots-index.html", index)

	// A second run draws the same bytes. It runs every scenario on both
	// sides again, so -short runs (make unit-norace) stop here; make
	// heavy-app runs the whole test.
	if testing.Short() {
		return
	}
	again := filepath.Join(t.TempDir(), "plots")
	draw(again)
	for _, e := range entries {
		a, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		b, err := os.ReadFile(filepath.Join(again, e.Name()))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs on a second run (%v)", e.Name(), err)
		}
	}
}

// TestDiffPlotsSmall draws the plots of a change to one threshold alert
// (LatencyHigh's warning from 1 to 1.5, no SLO): the comparison's and the
// plots' workers under the race detector in make test, where TestDiffPlots,
// whose fixture's SLO scenarios take 16 s under it, runs without.
func TestDiffPlotsSmall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plots")
	r, diags, err := Diff(context.Background(), DiffOptions{Base: "testdata/diff/small/base", Head: "testdata/diff/small/head", Plots: dir})
	if err != nil || len(diags) > 0 {
		t.Fatalf("Diff: %v %v", err, diags)
	}
	if len(r.Alerts) != 1 || r.Alerts[0].Alert != "LatencyHigh" {
		t.Fatalf("changed alerts %v, want LatencyHigh alone", r.Alerts)
	}
	checkLatencyPlots(t, r, dir)
}

// checkLatencyPlots checks the plots Diff drew into dir for r, where
// LatencyHigh's warning went from 1 to 1.5: one plot per scenario a
// behaviour names and no other, and two of LatencyHigh (at 1.35 and at
// 1.1), each showing both thresholds told apart by side, with base's
// warning firing and head's silent. It returns the plots' paths, sorted.
func checkLatencyPlots(t *testing.T, r *diff.Report, dir string) []string {
	t.Helper()
	plotOf := map[string]string{}
	for _, a := range r.Alerts {
		for _, x := range a.Behaviour {
			if len(x.Plots) != len(x.Scenarios) {
				t.Fatalf("%s: %d plots for %d scenarios", x.Text, len(x.Plots), len(x.Scenarios))
			}
			for i, s := range x.Scenarios {
				plotOf[s] = x.Plots[i]
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var svgs []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".svg") {
			svgs = append(svgs, filepath.ToSlash(filepath.Join(dir, e.Name())))
		}
	}
	distinct := slices.Compact(slices.Sorted(maps.Values(plotOf)))
	if len(plotOf) == 0 || !slices.Equal(svgs, distinct) {
		t.Fatalf("plot files %q, want one per changed scenario: %q", svgs, distinct)
	}
	latency := 0
	for _, a := range r.Alerts {
		if a.Alert != "LatencyHigh" {
			continue
		}
		for _, x := range a.Behaviour {
			for _, p := range x.Plots {
				svg, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				latency++
				for _, want := range []string{">base warning: &gt; 1<", ">head warning: &gt; 1.5<", ">base: ", ">head: ", "base warning firing"} {
					if !bytes.Contains(svg, []byte(want)) {
						t.Errorf("%s: no %q", p, want)
					}
				}
				if bytes.Contains(svg, []byte("head warning firing")) {
					t.Errorf("%s: head's warning fires; it stays silent at 1.35 and 1.1", p)
				}
			}
		}
	}
	if latency != 2 {
		t.Errorf("%d plots of LatencyHigh, want 2 (at 1.35 and at 1.1)", latency)
	}
	return distinct
}
