package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/slo-compiler/slo/internal/app"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/outfile"
	"github.com/slo-compiler/slo/internal/scaffold"
)

func initCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "init",
		Usage: "start a project: a spec, routing with a base Alertmanager config, a scenario, a dashboard and the CI workflow, compiled",
		Description: "Writes the starter files into DIR (default: the current folder), then compiles them as slo compile and " +
			"slo overlay would, so that slo check passes at once. It never overwrites: if any file it would write exists, " +
			"it writes nothing and names them.",
		ArgsUsage:    "[DIR]",
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				fmt.Fprintf(stderr, "slo init: one DIR at most, got %d arguments\n", c.NArg())
				return exitCode(exitFailure)
			}
			dir := "."
			if c.NArg() == 1 {
				dir = c.Args().First()
			}
			return initCmd(dir, stdout, stderr)
		},
	}
}

func initCmd(dir string, stdout, stderr io.Writer) error {
	files := scaffold.Files()
	names := append([]string{}, scaffold.Generated...)
	for _, f := range files {
		names = append(names, f.Name)
	}
	var exist []string
	for _, name := range names {
		_, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name)))
		switch {
		case err == nil:
			exist = append(exist, joinOut(dir, name))
		case !errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(stderr, "slo init: %v\n", err)
			return exitCode(exitFailure)
		}
	}
	if len(exist) > 0 {
		fmt.Fprintf(stderr, "slo init: these files exist already, and slo init never overwrites: %s; nothing was written\n", strings.Join(exist, ", "))
		return exitCode(exitProblems)
	}
	var outs []outfile.File
	for _, f := range files {
		outs = append(outs, outfile.File{Path: filepath.Join(dir, filepath.FromSlash(f.Name)), Data: f.Data})
	}
	if _, err := outfile.Write(outs); err != nil {
		fmt.Fprintf(stderr, "slo init: %v%s\n", err, nothingWritten(err))
		return exitCode(exitFailure)
	}
	for _, f := range files {
		fmt.Fprintf(stdout, "created %s\n", joinOut(dir, f.Name))
	}
	written, err := compileIn(dir, stderr)
	if err != nil {
		return err
	}
	for _, name := range written {
		fmt.Fprintf(stdout, "wrote %s\n", joinOut(dir, name))
	}
	fmt.Fprintln(stdout, "\nNext:")
	if filepath.Clean(dir) != "." {
		fmt.Fprintf(stdout, "  cd %s\n", dir)
	}
	fmt.Fprint(stdout, `  slo check                    the gate CI runs (.github/workflows/slo-check.yml); it passes now
  slo test --watch             then edit specs/checkout.yaml: each save reruns what it affects
  slo compile && slo overlay   after a change; commit the specs with rules/, alertmanager/, overlays/ and dashboards/
`)
	return nil
}

// compileIn compiles the specs of the project in dir, as slo compile run
// there does: the generated files name their specs relative to the
// project (specs/checkout.yaml), so the compile runs inside it.
func compileIn(dir string, stderr io.Writer) ([]string, error) {
	back, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(stderr, "slo init: %v\n", err)
		return nil, exitCode(exitFailure)
	}
	if err := os.Chdir(dir); err != nil {
		fmt.Fprintf(stderr, "slo init: %v\n", err)
		return nil, exitCode(exitFailure)
	}
	defer os.Chdir(back)
	b, diags, err := app.Compile(nil)
	if werr := diag.Write(stderr, "text", diags); werr != nil {
		return nil, werr
	}
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "slo init: compiling the starter specs: %v\n", err)
		return nil, exitCode(exitFailure)
	case b == nil:
		return nil, exitCode(exitProblems)
	}
	// Nothing is pruned: slo init removes no file.
	res, err := app.Write(".", b.Files, false)
	if err != nil {
		fmt.Fprintf(stderr, "slo init: writing the compiled output: %v%s\n", err, nothingWritten(err))
		return nil, exitCode(exitFailure)
	}
	return res.Written, nil
}
