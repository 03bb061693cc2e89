// Command gen-bench-specs writes the deterministic spec files the compile
// benchmark runs on (see internal/benchspec):
//
//	go run ./scripts/gen-bench-specs -n 1000 -out DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/slo-compiler/slo/internal/benchspec"
)

func main() {
	n := flag.Int("n", 1000, "number of spec files (one service, one SLO each)")
	out := flag.String("out", "", "output `DIR` (created if missing)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gen-bench-specs [-n N] -out DIR")
		os.Exit(2)
	}
	if _, err := benchspec.Write(*out, *n); err != nil {
		fmt.Fprintln(os.Stderr, "gen-bench-specs:", err)
		os.Exit(1)
	}
}
