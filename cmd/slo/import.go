package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/slo-compiler/slo/internal/app"
	"github.com/slo-compiler/slo/internal/diag"
)

func importCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "turn Sloth, OpenSLO and Pyrra specs into slo/v1 specs in DIR",
		Description: "Each FILE (or every *.yaml and *.yml file of a folder) becomes DIR/<name>.yaml. " +
			"Files that name one service make one spec, named after the first, with the SLOs of all of them. " +
			"Nothing is written when any input has an error or any output file exists (unless --force).",
		ArgsUsage: "FILE...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Value: "specs", Usage: "output `DIR`"},
			&cli.BoolFlag{Name: "force", Usage: "replace output files that exist"},
			formatFlag,
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if err := checkFormat(c, stderr); err != nil {
				return err
			}
			if c.NArg() == 0 {
				fmt.Fprintln(stderr, "slo: import: name the files to import")
				return exitCode(exitFailure)
			}
			files, diags, err := app.Import(app.ImportOptions{Paths: c.Args().Slice(), Out: c.String("out"), Force: c.Bool("force")})
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
			res, err := app.WriteImported(files, c.Bool("force"))
			if err != nil {
				fmt.Fprintf(stderr, "slo: import: %v%s\n", err, nothingWritten(err))
				return exitCode(exitFailure)
			}
			written := map[string]bool{}
			for _, p := range res.Written {
				written[p] = true
			}
			for _, f := range files {
				state := "unchanged"
				if written[f.Path] {
					state = "wrote"
				}
				fmt.Fprintf(stdout, "%s %s (from %s, %s)\n", state, f.Path, strings.Join(f.From, ", "), strings.Join(f.Formats, ", "))
			}
			return nil
		},
	}
}
