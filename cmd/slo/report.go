package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/slo-compiler/slo/internal/app"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/htmlreport"
	"github.com/slo-compiler/slo/internal/outfile"
)

// reportCommand is `slo report`: one self-contained HTML page with a
// section per alert and a plot per scenario.
func reportCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "report",
		Usage: "write DIR/index.html: per alert its spec, its rules and a plot of every scenario (series, signal, thresholds, pending and firing, receivers)",
		Description: "PATH may be a spec file or folder or a scenario file, as for slo test; promtool unit-test files are not plotted. " +
			"The page is self-contained (inline SVG, no script) and the same bytes on every run.",
		ArgsUsage: "[PATH...]  (default: specs tests)",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "out", Value: "report", Usage: "output `DIR`; the page is DIR/index.html"},
			formatFlag,
		}, limitFlags()...),
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if err := checkFormat(c, stderr); err != nil {
				return err
			}
			if c.NArg() == 0 && !exists("tests") {
				if err := needSpecs(stderr, "report", "PATH..."); err != nil {
					return err
				}
			}
			lim, err := limitsFrom(c, stderr)
			if err != nil {
				return err
			}
			doc, diags, err := app.Report(app.ReportOptions{Paths: c.Args().Slice(), Limits: lim})
			if werr := diag.Write(stderr, c.String("format"), diags); werr != nil {
				return werr
			}
			if err != nil {
				fmt.Fprintf(stderr, "slo: %v\n", err)
				return exitCode(exitFailure)
			}
			if doc == nil {
				return exitCode(exitProblems)
			}
			var buf bytes.Buffer
			if err := htmlreport.Write(&buf, doc); err != nil {
				fmt.Fprintf(stderr, "slo: %v\n", err)
				return exitCode(exitFailure)
			}
			path := filepath.Join(c.String("out"), "index.html")
			if _, err := outfile.Write([]outfile.File{{Path: path, Data: buf.Bytes()}}); err != nil {
				fmt.Fprintf(stderr, "slo: writing the report: %v%s\n", err, nothingWritten(err))
				return exitCode(exitFailure)
			}
			n := 0
			for _, s := range doc.Sections {
				n += len(s.Scenarios)
			}
			fmt.Fprintf(stdout, "wrote %s (%d sections, %d scenarios)\n", filepath.ToSlash(path), len(doc.Sections), n)
			if diags.HasErrors() {
				return exitCode(exitProblems)
			}
			return nil
		},
	}
}
