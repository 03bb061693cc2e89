// Command bench-scenario writes the 30-day SLO benchmark scenario in
// promtool's format: with-budget/slo_test.yml includes the 30-day
// traffic-weighted budget rule, without-budget/slo_test.yml leaves it out
// (promtool's 10,000-sample query limit rejects it).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/slo-compiler/slo/internal/simulate"
)

func main() {
	out := flag.String("out", "", "folder to write into")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: bench-scenario -out DIR")
		os.Exit(2)
	}
	for name, sc := range map[string]simulate.ThirtyDaySLO{
		"with-budget":    {BudgetRule: true},
		"without-budget": {},
	} {
		p, err := sc.Write(filepath.Join(*out, name))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(p)
	}
}
