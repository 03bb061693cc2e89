package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/pprof"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/slo-compiler/slo/internal/app"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/report"
	"github.com/slo-compiler/slo/internal/scenario"
)

func testCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "test",
		Usage: "prove on the PromQL engine that every alert fires when it should and stays silent when it should",
		Description: "PATH may be a spec file or folder (scenarios are generated from its alerts and SLOs), " +
			"a scenario file under tests/ (version + spec + tests), or a promtool unit-test file (tests and no version).",
		ArgsUsage: "[PATH...]  (default: specs tests)",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output format: " + strings.Join(report.Formats, ", ")},
			&cli.StringFlag{Name: "run", Usage: "only run scenarios whose name matches `REGEX`"},
			&cli.BoolFlag{Name: "exhaustive", Usage: "evaluate every rule at every step, as promtool does (same verdicts, slower)"},
			&cli.BoolFlag{Name: "coverage", Usage: "print which alerts lack a firing or a silent scenario"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "show durations and evaluation counts of passing scenarios"},
			&cli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Usage: "run the scenarios, then rerun those a saved file affects and show which verdicts changed, until Ctrl-C"},
			&cli.IntFlag{Name: "parallel", DefaultText: "the number of CPUs", Usage: "run at most `N` scenarios at once (1: one at a time, each with every CPU; what a scenario's time alone is)"},
			// Hidden, for profiling the simulator: go tool pprof -top FILE.
			&cli.StringFlag{Name: "cpuprofile", Hidden: true, Usage: "write a CPU profile of the run to `FILE`"},
		}, limitFlags()...),
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			format, dformat, err := reportFormats(c, stderr)
			if err != nil {
				return err
			}
			if c.NArg() == 0 && !exists("tests") {
				if err := needSpecs(stderr, "test", "PATH..."); err != nil {
					return err
				}
			}
			lim, err := limitsFrom(c, stderr)
			if err != nil {
				return err
			}
			if f := c.String("cpuprofile"); f != "" {
				stop, err := startCPUProfile(f)
				if err != nil {
					fmt.Fprintf(stderr, "slo: --cpuprofile: %v\n", err)
					return exitCode(exitFailure)
				}
				defer stop()
			}
			if c.IsSet("parallel") && c.Int("parallel") < 1 {
				fmt.Fprintf(stderr, "slo: --parallel: expected a number of scenarios of 1 or more, got %d\n", c.Int("parallel"))
				return exitCode(exitFailure)
			}
			opts := app.TestOptions{Paths: c.Args().Slice(), Exhaustive: c.Bool("exhaustive"), Limits: lim, Parallelism: c.Int("parallel")}
			if r := c.String("run"); r != "" {
				re, err := regexp.Compile(r)
				if err != nil {
					fmt.Fprintf(stderr, "slo: --run: %v\n", err)
					return exitCode(exitFailure)
				}
				opts.Run = re
			}
			if c.Bool("watch") {
				if format != "text" || c.Bool("coverage") {
					fmt.Fprintln(stderr, "slo: --watch prints text for people; it takes neither --format nor --coverage")
					return exitCode(exitFailure)
				}
				return watchCmd(c.Context, opts, c.Bool("verbose"), stdout, stderr)
			}
			// The text format prints each verdict as it comes, in the
			// order of the results, after the diagnostics found before
			// the scenarios run; the other formats are one document.
			printed := 0
			var werr error
			if format == "text" {
				opts.BeforeRun = func(ds diag.List) {
					werr = diag.Write(stderr, dformat, ds)
					printed = len(ds)
				}
				opts.OnResult = func(r *scenario.Result) {
					if err := report.WriteTextResult(stdout, r, c.Bool("verbose")); err != nil && werr == nil {
						werr = err
					}
				}
			}
			run, diags, err := app.Test(opts)
			if werr != nil {
				return werr
			}
			if err := diag.Write(stderr, dformat, diags[printed:]); err != nil {
				return err
			}
			if err != nil {
				fmt.Fprintf(stderr, "slo: %v\n", err)
				return exitCode(exitFailure)
			}
			if run == nil {
				// Malformed specs or scenario files: positioned errors above,
				// a problem in the input like any other (exit 1).
				return exitCode(exitProblems)
			}
			if format == "text" {
				if err := report.WriteTextSummary(stdout, run.Results); err != nil {
					return err
				}
			} else if err := report.Write(stdout, format, run.Results, c.Bool("verbose")); err != nil {
				return err
			}
			if c.Bool("coverage") && run.Coverage != nil {
				for _, u := range run.Uncovered {
					fmt.Fprintf(stderr, "%s: note: %s needs a hand-written scenario: %s\n", u.Pos, u.Alert, u.Why)
				}
				if _, err := report.WriteCoverage(stdout, run.Coverage); err != nil {
					return err
				}
			}
			// Errors that let the scenarios run (names a scenario file uses
			// that the specs lack) fail the run like a failed scenario.
			if report.Summarize(run.Results).Failed > 0 || diags.HasErrors() {
				return exitCode(exitProblems)
			}
			return nil
		},
	}
}

// reportFormats reads --format for commands that report test results, and
// the format their diagnostics use (JUnit has no place for them: text).
func reportFormats(c *cli.Context, stderr io.Writer) (format, diagFormat string, err error) {
	format = c.String("format")
	if !slices.Contains(report.Formats, format) {
		fmt.Fprintf(stderr, "slo: --format: expected one of %s, got %q\n", strings.Join(report.Formats, ", "), format)
		return "", "", exitCode(exitFailure)
	}
	if format == "junit" {
		return format, "text", nil
	}
	return format, format, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// startCPUProfile writes a CPU profile to path until the returned
// function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}
