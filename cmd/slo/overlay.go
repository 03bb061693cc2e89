package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/overlay"
)

// overlayCommand is `slo overlay`: it writes the thresholds of the specs'
// alerts and SLOs into the Grafana dashboards whose panels they name.
func overlayCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "overlay",
		Usage:     "write the alert and SLO thresholds of the specs into the Grafana dashboards that show them",
		ArgsUsage: "[SPEC PATH...]  (default: specs)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dashboards", Value: "dashboards", Usage: "`DIR` of Grafana dashboard JSON files"},
			&cli.StringFlag{Name: "out", Usage: "output `DIR` (default: the --dashboards folder)"},
			formatFlag,
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			return overlayCmd(c, stdout, stderr)
		},
	}
}

func overlayCmd(c *cli.Context, stdout, stderr io.Writer) error {
	if err := checkFormat(c, stderr); err != nil {
		return err
	}
	if c.NArg() == 0 {
		if err := needSpecs(stderr, "overlay", "PATH..."); err != nil {
			return err
		}
	}
	dir := c.String("dashboards")
	out := c.String("out")
	if out == "" {
		out = dir
	}
	p, diags, err := input.Load(c.Args().Slice())
	var files []overlay.File
	if err == nil && p != nil {
		plan, ds := overlay.Plan(p)
		diags = append(diags, ds...)
		var fs []overlay.File
		fs, ds, err = overlay.Dashboards(dir, plan)
		diags = append(diags, ds...)
		if !diags.HasErrors() {
			files = fs
		}
	}
	if werr := diag.Write(stderr, c.String("format"), diags); werr != nil {
		return werr
	}
	if err != nil {
		fmt.Fprintf(stderr, "slo: %v\n", err)
		return exitCode(exitFailure)
	}
	if files == nil {
		return exitCode(exitProblems)
	}
	// Into its own folder, only changed dashboards are written; into another
	// folder, every dashboard, so that it holds the complete set.
	var write []overlay.File
	for _, f := range files {
		if f.Changed() || filepath.Clean(out) != filepath.Clean(dir) {
			write = append(write, f)
		}
	}
	written, err := overlay.Write(dir, out, write)
	if err != nil {
		fmt.Fprintf(stderr, "slo: writing dashboards: %v%s\n", err, nothingWritten(err))
		return exitCode(exitFailure)
	}
	for _, name := range written {
		fmt.Fprintf(stdout, "wrote %s\n", filepath.ToSlash(name))
	}
	if len(written) == 0 {
		fmt.Fprintf(stdout, "ok: all %d dashboards already show the specs' thresholds\n", len(files))
	}
	return nil
}
