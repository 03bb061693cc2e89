package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestDiffRepository runs the scripts in testdata/repo on a copy of this
// repository's project (specs/, tests/, config/, dashboards/): slo diff on
// the shipped specs. It runs every scenario a change touches on both
// sides, so it is left out of -short runs; make heavy runs it.
func TestDiffRepository(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the repository's scenarios on both sides (make heavy runs it)")
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/repo",
		Setup: func(env *testscript.Env) error {
			for _, dir := range []string{"specs", "tests", "config", "dashboards"} {
				if err := os.CopyFS(filepath.Join(env.WorkDir, dir), os.DirFS(filepath.Join("..", "..", dir))); err != nil {
					return err
				}
			}
			passGOGC(env)
			return nil
		},
	})
}
