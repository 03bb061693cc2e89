package app

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/harness"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/scenario"
)

// benchScenarios are generated scenarios of the repository by spec and
// name: the slowest ones alone (the goal is every generated scenario under
// 50 ms; scripts/bench-speed.sh times all of them), the one that was the
// slowest until its history was shortened (BaselineOneOfMany), and, as an
// anchor measured in the same run, a cheap one.
var benchScenarios = []struct{ bench, spec, name string }{
	{"CostIdle", "dubbing/cost.yaml", "CostPerJobHigh: failure mode idle before an anomaly: an idle hour (0/0) and an hour without dubbing_jobs_total (x/0) in the 1w history, then 4x the usual value: fires warning"},
	{"MonthBoundary", "dubbing/cost.yaml", "MonthlyCostProjectionHigh: failure mode month boundary: a counter at a January total of 7500, then a February total of 40000: silent in January, fires critical in February"},
	{"BaselineOneOfMany", "dubbing/job-processing.yaml", "ProcessingTimeHigh: failure mode one of many: stage=bad at 4, two others at 1: fires warning for bad only"},
	{"BaselineIdle", "dubbing/job-processing.yaml", "ProcessingTimeHigh: failure mode idle before an anomaly: an idle hour (0/0) and an hour without dubbing_job_processing_seconds_count (x/0) in the 1w history, then 4x the usual value: fires warning"},
	{"TicketFires", "ml-services/ml-producer.yaml", "TaskPublishSuccessErrorBudgetBurn warning: an error ratio of 0.0055 (1.1x the 3d/6h at 1x threshold) fires after 15m"},
	{"TicketWithin", "ml-services/ml-producer.yaml", "TaskPublishSuccessErrorBudgetBurn: failure mode within budget: an error ratio of 0.0025 (half the 0.005 budget) for 3d25m: no burn alert fires"},
	{"AnchorThreshold", "dubbing/job-processing.yaml", "QueueDepthHigh: failure mode one of many: stage=bad at 400, two others at 50: fires critical for bad only"},
}

// BenchmarkGeneratedScenario runs one generated scenario at a time, on
// demand, as slo test does (the spec set compiled once, outside the loop),
// and reports the scenario's own duration (what slo test prints) as
// ms/scenario beside ns/op, which includes writing its rule file, and the
// process's CPU time per run as cpu-ms/op: on a machine shared with other
// work, wall time says little about the work a change saves, and CPU time
// says nothing about how well it uses idle cores; both are reported.
func BenchmarkGeneratedScenario(b *testing.B) {
	paths, err := input.SpecFiles([]string{"../../specs"})
	if err != nil {
		b.Fatal(err)
	}
	build, diags, err := Compile(paths)
	if err != nil || build == nil || diags.HasErrors() {
		b.Fatalf("compile: %v %v", err, diags)
	}
	for _, bs := range benchScenarios {
		b.Run(bs.bench, func(b *testing.B) {
			f := benchSpecScenarios(b, build, bs.spec)
			opts := harness.Options{Parallelism: 1, Keep: func(_ string, s *scenario.Scenario) bool { return s.Name == bs.name }}
			var total time.Duration
			cpu0 := CPUTime(b)
			for b.Loop() {
				rs, err := harness.Run([]*scenario.File{f}, opts)
				if err != nil || len(rs) != 1 {
					b.Fatalf("%v (%d results, want the one generated scenario %q)", err, len(rs), bs.name)
				}
				if len(rs[0].Failures) > 0 {
					b.Fatalf("%s failed: %v", bs.name, rs[0].Failures)
				}
				total += rs[0].Duration
			}
			cpu := CPUTime(b) - cpu0
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/scenario")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// benchSpecScenarios is the generated scenario file of the spec at path
// (under specs/).
func benchSpecScenarios(b *testing.B, build *Build, path string) *scenario.File {
	b.Helper()
	for i, svc := range build.Project.Services {
		if filepath.ToSlash(svc.Source) != "../../specs/"+path {
			continue
		}
		f, _, over := generatedScenarios(build, i, scenario.Limits{}, nil)
		if f == nil {
			b.Fatalf("%s: no scenarios: %v", path, over)
		}
		return f
	}
	b.Fatalf("no spec %s", path)
	return nil
}
