package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realProject is a whole real project's Pyrra objectives, rhobs/configuration's
// 109, an environment a folder (see its README).
var realProject = filepath.Join(inputTestdata, "pyrra-rhobs-project")

// TestRealPyrraProject: slo test of each environment of a real project
// nobody here wrote reads every objective without an error, and every
// scenario it generates passes on the rules it compiles; each objective's
// alert is shown firing, at each of its severities, and staying silent.
// Under -short (make test) two environments run: the largest, and a small
// one whose two objectives the large ones lack; make test-all runs all
// seven.
func TestRealPyrraProject(t *testing.T) {
	envs, err := os.ReadDir(realProject)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range envs {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) != 7 {
		t.Fatalf("%d environments in %s, want the 7 of its README", len(dirs), realProject)
	}
	if testing.Short() {
		dirs = []string{"mst-production", "rhelemeter-production"}
	}
	objectives := 0
	for _, env := range dirs {
		t.Run(env, func(t *testing.T) {
			dir := filepath.Join(realProject, env)
			files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no objectives in %s: %v", dir, err)
			}
			objectives += len(files)
			res, diags, err := Test(TestOptions{Paths: []string{dir}})
			if err != nil || res == nil || diags.HasErrors() {
				t.Fatalf("%v\n%s", err, diagText(diags))
			}
			if len(res.Uncovered) > 0 {
				t.Errorf("alerts no scenario covers: %v", res.Uncovered)
			}
			// Per objective file, which severities of its alert a passing
			// scenario shows firing and which staying silent.
			type shown struct{ firing, silent map[string]bool }
			byFile := map[string]*shown{}
			for _, r := range res.Results {
				if len(r.Failures) > 0 {
					t.Errorf("%s: %s: failed: %v", r.Scenario.Pos, r.Scenario.Name, r.Failures)
					continue
				}
				s := byFile[r.Scenario.Pos.File]
				if s == nil {
					s = &shown{firing: map[string]bool{}, silent: map[string]bool{}}
					byFile[r.Scenario.Pos.File] = s
				}
				for _, c := range r.Scenario.Covers {
					if c.Firing {
						s.firing[c.Alert+" "+c.Severity] = true
					} else {
						s.silent[c.Alert+" "+c.Severity] = true
					}
				}
			}
			for _, f := range files {
				s := byFile[f]
				if s == nil {
					t.Errorf("%s: no scenario", f)
					continue
				}
				if len(s.firing) == 0 {
					t.Errorf("%s: no scenario shows its alert firing", f)
				}
				for alert := range s.firing {
					if !s.silent[alert] {
						t.Errorf("%s: %s is shown firing but never staying silent", f, alert)
					}
				}
				if src, err := os.ReadFile(f); err == nil && !strings.Contains(string(src), "kind: ServiceLevelObjective") {
					t.Errorf("%s: not a Pyrra objective", f)
				}
			}
		})
	}
	if !testing.Short() && objectives != 109 {
		t.Errorf("%d objectives, want the project's 109", objectives)
	}
}
