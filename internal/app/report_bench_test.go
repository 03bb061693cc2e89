package app

import (
	"testing"
)

// BenchmarkReport builds the report of one shipped spec (the document,
// without drawing): what slo report costs per scenario.
func BenchmarkReport(b *testing.B) {
	for b.Loop() {
		if _, _, err := Report(ReportOptions{Paths: []string{"../../specs/dubbing/job-processing.yaml"}}); err != nil {
			b.Fatal(err)
		}
	}
}
