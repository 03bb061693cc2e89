package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/slo-compiler/slo/internal/app"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/report"
)

func checkCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "the CI gate: committed output up to date, lints clean, every scenario passing, every alert covered",
		Description: "Compiles the specs in memory and compares the result with the committed rules/, alertmanager/ " +
			"and overlays/ (missing and extra files included), runs the lints, runs every scenario under the specs and " +
			"tests folders, fails when an alert severity lacks a firing or a silent scenario, and checks that the " +
			"dashboards show the specs' thresholds.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output format: " + strings.Join(report.Formats, ", ")},
			&cli.StringSliceFlag{Name: "specs", Value: cli.NewStringSlice("specs"), Usage: "spec `PATH`s"},
			&cli.StringSliceFlag{Name: "tests", Value: cli.NewStringSlice("tests"), Usage: "scenario `PATH`s"},
			&cli.StringFlag{Name: "out", Value: ".", Usage: "`DIR` holding the committed rules/, alertmanager/ and overlays/"},
			targetFlag,
			&cli.StringFlag{Name: "dashboards", Value: "dashboards", Usage: "`DIR` of overlaid Grafana dashboards (empty: skip)"},
		}, limitFlags()...),
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			format, dformat, err := reportFormats(c, stderr)
			if err != nil {
				return err
			}
			if !c.IsSet("specs") {
				if err := needSpecs(stderr, "check", "--specs PATH"); err != nil {
					return err
				}
			}
			lim, err := limitsFrom(c, stderr)
			if err != nil {
				return err
			}
			run, err := app.Check(app.CheckOptions{
				Specs: c.StringSlice("specs"), Tests: c.StringSlice("tests"),
				Out: c.String("out"), Dashboards: c.String("dashboards"),
				Targets: c.StringSlice("target"),
				Limits:  lim,
			})
			if err != nil {
				fmt.Fprintf(stderr, "slo: %v\n", err)
				return exitCode(exitFailure)
			}
			if err := diag.Write(stderr, dformat, run.Diags); err != nil {
				return err
			}
			if format == "text" {
				for _, d := range run.Drift {
					if d.Diff != "" {
						fmt.Fprintln(stderr, d.Diff)
					}
				}
			}
			if run.Test != nil {
				if err := report.Write(stdout, format, run.Test.Results, false); err != nil {
					return err
				}
				if run.MissingCoverage > 0 {
					for _, u := range run.Test.Uncovered {
						fmt.Fprintf(stderr, "%s: note: %s needs a hand-written scenario: %s\n", u.Pos, u.Alert, u.Why)
					}
					fmt.Fprintf(stderr, "slo check: %d alert severities lack a firing or a silent scenario:\n", run.MissingCoverage)
					var missing []report.CoverageRow
					for _, r := range run.Test.Coverage {
						if !r.Firing || !r.Silent {
							missing = append(missing, r)
						}
					}
					if _, err := report.WriteCoverage(stderr, missing); err != nil {
						return err
					}
				}
			}
			if !run.OK() {
				fmt.Fprintln(stderr, "slo check: FAILED")
				return exitCode(exitProblems)
			}
			// JSON and JUnit readers get one document on stdout.
			status := stdout
			if format == "json" || format == "junit" {
				status = stderr
			}
			fmt.Fprintln(status, "slo check: ok")
			return nil
		},
	}
}
