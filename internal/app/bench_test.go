package app_test

import (
	"testing"

	"github.com/slo-compiler/slo/internal/app"
	"github.com/slo-compiler/slo/internal/benchspec"
)

// benchCompile generates n specs (outside the timer) and times app.Compile
// on them: read, decode, validate, compile, render and the parse-back
// checks, everything `slo compile` does short of writing the files.
func benchCompile(b *testing.B, n int) {
	dir := b.TempDir()
	if _, err := benchspec.Write(dir, n); err != nil {
		b.Fatal(err)
	}
	paths := []string{dir}
	// One untimed run checks that the specs compile cleanly.
	build, diags, err := app.Compile(paths)
	if err != nil {
		b.Fatal(err)
	}
	if build == nil || len(diags) > 0 {
		b.Fatalf("the generated specs do not compile cleanly:\n%v", diags)
	}
	if len(build.Files) != n {
		b.Fatalf("got %d files, want %d", len(build.Files), n)
	}
	b.ReportAllocs()
	cpu := cpuTime(b)
	for b.Loop() {
		if _, _, err := app.Compile(paths); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time counts the work of every core, the garbage collector's
	// included, and moves less than wall time when other processes share
	// the machine.
	b.ReportMetric(float64(cpuTime(b)-cpu)/1e6/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/SLO")
}

// BenchmarkCompile1000SLOs is the benchmark: 1,000 generated
// services with one ratio SLO each (see internal/benchspec).
func BenchmarkCompile1000SLOs(b *testing.B) { benchCompile(b, 1000) }

// BenchmarkCompile1SLO is the anchor: one service, one SLO. The ratio of
// the two is the per-SLO scaling, free of the machine's speed.
func BenchmarkCompile1SLO(b *testing.B) { benchCompile(b, 1) }
