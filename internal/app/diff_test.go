package app

import (
	"bytes"
	"context"
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
