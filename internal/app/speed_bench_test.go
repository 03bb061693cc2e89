package app

import "testing"

// BenchmarkTestRepository runs every scenario of the repository on demand
// (slo test without arguments, in process): the figure behind the goal of
// `slo test` under 5 s; scripts/bench-speed.sh times the CLI.
func BenchmarkTestRepository(b *testing.B) {
	for b.Loop() {
		run, diags, err := Test(TestOptions{Paths: repoPaths})
		if err != nil || run == nil {
			b.Fatalf("%v %v", err, diags)
		}
		for _, r := range run.Results {
			if len(r.Failures) > 0 {
				b.Fatalf("%s: %s failed: %v", r.File, r.Scenario.Name, r.Failures)
			}
		}
	}
}
