package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/slo-compiler/slo/internal/app"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/diff"
)

func diffCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "what a change does to the alerts: changed settings, and changed behaviour on the scenarios of both sides",
		ArgsUsage: "[BASE] [HEAD]  (default: the merge base with main, and the working tree)",
		Description: "Each side is a folder holding a project (its specs/ and tests/) or a git revision, read with git " +
			"archive without touching the working tree. Both sides are compiled; per alert and SLO, slo diff reports " +
			"the changed thresholds per severity, for, keep_firing_for, burn windows, objective, receivers, " +
			"inhibitions and panels, then runs the scenarios of both sides on both sides' rules and says, a sentence " +
			"each, where an alert now fires later, earlier, not at all, or reaches other receivers. " +
			"Exit 0: no change; 1: something changed; 2: a side does not compile, or a usage or tool failure.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output format: " + strings.Join(diff.Formats, ", ")},
			&cli.BoolFlag{Name: "spec-only", Usage: "compare the settings only, without running the scenarios"},
			&cli.StringFlag{Name: "plots", Usage: "write a plot (SVG) of each scenario whose behaviour changed, base and head on the same axes, and an index.html, to `DIR`; the report links each behaviour to its plots"},
		}, limitFlags()...),
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if f := c.String("format"); !slices.Contains(diff.Formats, f) {
				fmt.Fprintf(stderr, "slo: --format: expected one of %s, got %q\n", strings.Join(diff.Formats, ", "), f)
				return exitCode(exitFailure)
			}
			if c.NArg() > 2 {
				fmt.Fprintf(stderr, "slo diff: expected at most two sides, BASE and HEAD, got %d arguments\n", c.NArg())
				return exitCode(exitFailure)
			}
			if c.String("plots") != "" && c.Bool("spec-only") {
				fmt.Fprintln(stderr, "slo diff: --plots draws the scenarios, which --spec-only does not run: give one of them")
				return exitCode(exitFailure)
			}
			lim, err := limitsFrom(c, stderr)
			if err != nil {
				return err
			}
			r, diags, err := app.Diff(c.Context, app.DiffOptions{
				Base: c.Args().Get(0), Head: c.Args().Get(1),
				Limits: lim, NoBehaviour: c.Bool("spec-only"), Plots: c.String("plots"),
			})
			if werr := diag.Write(stderr, "text", diags); werr != nil {
				return werr
			}
			if err != nil {
				fmt.Fprintf(stderr, "slo diff: %v\n", err)
				if errors.Is(err, app.ErrSideProblems) {
					fmt.Fprintln(stderr, "slo diff: fix the specs of that side (slo validate) before comparing")
				}
				return exitCode(exitFailure)
			}
			if err := diff.Write(stdout, c.String("format"), r); err != nil {
				return err
			}
			if r.Changed {
				return exitCode(exitProblems)
			}
			return nil
		},
	}
}
