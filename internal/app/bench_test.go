package app_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/slo-compiler/slo/internal/app"
	"github.com/slo-compiler/slo/internal/benchspec"
	"github.com/slo-compiler/slo/internal/par"
	"github.com/slo-compiler/slo/internal/promx"
)

// benchCompile generates n specs (outside the timer) and times the compile
// `slo compile` runs on them (app.CompileWith, FilesOnly): read, decode,
// validate, compile, render and the parse-back checks, everything short of
// writing the files (which slo compile stages as they read back).
//
// Cold, every run starts with an empty read-back cache (a folder of its
// own, see package readcache), as the first compile after a change to
// every file, or to slo, does: every file goes through Prometheus's
// loader, and the cache's index is written. Warm, the cache holds what an
// earlier compile of the same bytes remembered, as a compile after an edit
// of a few specs finds for the others.
func benchCompile(b *testing.B, n int, warm bool) {
	cacheDir := b.TempDir()
	benchCompileIn(b, n, warm, cacheDir)
}

// benchCompileIn is benchCompile with the read-back cache in cacheDir,
// "off" for none.
func benchCompileIn(b *testing.B, n int, warm bool, cacheDir string) {
	app.UseReadCache(cacheDir)
	defer app.UseReadCache("")
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
	run := 0
	cpu := app.CPUTime(b)
	for b.Loop() {
		if !warm && cacheDir != "off" {
			run++
			app.UseReadCache(filepath.Join(cacheDir, strconv.Itoa(run)))
		}
		if _, _, err := app.CompileWith(paths, app.CompileOptions{Targets: []string{"prometheus"}, FilesOnly: true}); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time counts the work of every core, the garbage collector's
	// included, and moves less than wall time when other processes share
	// the machine.
	b.ReportMetric(float64(app.CPUTime(b)-cpu)/1e6/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/SLO")
}

// BenchmarkCompile1000SLOs is the benchmark: 1,000 generated
// services with one ratio SLO each (see internal/benchspec), with a cold
// read-back cache.
func BenchmarkCompile1000SLOs(b *testing.B) { benchCompile(b, 1000, false) }

// BenchmarkCompile1000SLOsWarm is BenchmarkCompile1000SLOs with a warm
// read-back cache: the same 1,000 files compiled before.
func BenchmarkCompile1000SLOsWarm(b *testing.B) { benchCompile(b, 1000, true) }

// BenchmarkCompile1000SLOsNoCache is BenchmarkCompile1000SLOs without a
// read-back cache (--cache off): the cold benchmark less the cache's own
// cost (hashing every file and what the loader read, writing the index).
func BenchmarkCompile1000SLOsNoCache(b *testing.B) { benchCompileIn(b, 1000, false, "off") }

// BenchmarkCompile1SLO is the anchor: one service, one SLO, without a
// read-back cache (a cold one would add creating its folder and index to
// every run, a file system's cost, not the compile's). The ratio of
// BenchmarkCompile1000SLOs to it is the per-SLO scaling, free of the
// machine's speed.
func BenchmarkCompile1SLO(b *testing.B) { benchCompileIn(b, 1, false, "off") }

// BenchmarkReadBack1000SLOs times the read-back alone, on the 1,000 rule
// files BenchmarkCompile1000SLOs renders: Prometheus's rule loader
// (promx.LoadRuleFile: rulefmt's YAML decoding and checks, every
// expression parsed by the PromQL parser) on all cores, as Compile runs
// it. It is the share of the compile that is the loaders' own work, which
// the read-back keeps whatever slo does around it.
func BenchmarkReadBack1000SLOs(b *testing.B) {
	dir := b.TempDir()
	if _, err := benchspec.Write(dir, 1000); err != nil {
		b.Fatal(err)
	}
	build, diags, err := app.Compile([]string{dir})
	if err != nil || build == nil || len(diags) > 0 {
		b.Fatalf("the generated specs do not compile cleanly: %v\n%v", err, diags)
	}
	files := build.Files
	if len(files) != 1000 {
		b.Fatalf("got %d files, want 1000", len(files))
	}
	failed := make([][]error, len(files))
	b.ReportAllocs()
	cpu := app.CPUTime(b)
	for b.Loop() {
		par.Each(len(files), func(i int) { _, failed[i] = promx.LoadRuleFile(files[i].Data) })
	}
	b.ReportMetric(float64(app.CPUTime(b)-cpu)/1e6/float64(b.N), "cpu-ms/op")
	for i, errs := range failed {
		if len(errs) > 0 {
			b.Fatalf("%s does not read back: %v", files[i].Name, errs)
		}
	}
}
