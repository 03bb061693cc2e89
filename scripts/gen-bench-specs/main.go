// Command gen-bench-specs writes the deterministic spec files the compile
// benchmarks run on (see internal/benchspec): n services with one SLO each,
// in slo's format or, with -format sloth, the same SLOs in Sloth's
// prometheus/v1 format; or, with -alerts, files of threshold alerts.
//
//	go run ./scripts/gen-bench-specs -n 1000 -out DIR
//	go run ./scripts/gen-bench-specs -n 1000 -format sloth -out DIR
//	go run ./scripts/gen-bench-specs -n 40 -alerts 1000 -out DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/slo-compiler/slo/internal/benchspec"
)

func main() {
	n := flag.Int("n", 1000, "number of spec files")
	out := flag.String("out", "", "output `DIR` (created if missing)")
	format := flag.String("format", "slo", "spec format: slo or sloth")
	alerts := flag.Int("alerts", 0, "write `N` threshold alerts per file instead of one SLO (slo format only)")
	flag.Parse()
	var write func() ([]string, error)
	switch {
	case *alerts > 0 && *format == "slo":
		write = func() ([]string, error) { return benchspec.WriteAlerts(*out, *n, *alerts) }
	case *alerts == 0 && *format == "slo":
		write = func() ([]string, error) { return benchspec.Write(*out, *n) }
	case *alerts == 0 && *format == "sloth":
		write = func() ([]string, error) { return benchspec.WriteSloth(*out, *n) }
	}
	if *out == "" || flag.NArg() > 0 || write == nil {
		fmt.Fprintln(os.Stderr, "usage: gen-bench-specs [-n N] [-format slo|sloth | -alerts N] -out DIR")
		os.Exit(2)
	}
	if _, err := write(); err != nil {
		fmt.Fprintln(os.Stderr, "gen-bench-specs:", err)
		os.Exit(1)
	}
}
