// Command slo compiles declarative SLO and alert specs into Prometheus
// rules and Alertmanager routes, and tests them on the PromQL engine.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/slo-compiler/slo/internal/app"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/outfile"
	"github.com/slo-compiler/slo/internal/overlay"
)

// Exit codes.
const (
	exitOK       = 0
	exitProblems = 1 // problems in the input, or failed tests
	exitFailure  = 2 // usage errors and tool failures
)

func main() { os.Exit(run(os.Args, os.Stdout, os.Stderr)) }

// exitCode carries an exit code out of a command action.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

var formatFlag = &cli.StringFlag{
	Name:  "format",
	Value: "text",
	Usage: "diagnostics format: " + strings.Join(diag.Formats, ", "),
}

func run(args []string, stdout, stderr io.Writer) int {
	a := &cli.App{
		Name:      "slo",
		Usage:     "compile SLO and alert specs into Prometheus rules and Alertmanager routes, and test them",
		Writer:    stdout,
		ErrWriter: stderr,
		// No version in output: generated files and help stay byte-stable.
		HideVersion:    true,
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   usageError,
		CommandNotFound: func(c *cli.Context, cmd string) {
			fmt.Fprintf(stderr, "slo: unknown command %q; see slo --help\n", cmd)
		},
		Commands: []*cli.Command{
			{
				Name:      "compile",
				Usage:     "compile specs into DIR/rules/<service>.yml and DIR/alertmanager/alertmanager.yml",
				ArgsUsage: "[PATH...]  (default: specs)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "out", Value: ".", Usage: "output `DIR`"},
					formatFlag,
				},
				OnUsageError: usageError,
				Action: func(c *cli.Context) error {
					return compileCmd(c, stdout, stderr, true)
				},
			},
			testCommand(stdout, stderr),
			checkCommand(stdout, stderr),
			{
				Name:         "validate",
				Usage:        "check specs and everything compile checks, without writing",
				ArgsUsage:    "[PATH...]  (default: specs)",
				Flags:        []cli.Flag{formatFlag},
				OnUsageError: usageError,
				Action: func(c *cli.Context) error {
					return compileCmd(c, stdout, stderr, false)
				},
			},
			overlayCommand(stdout, stderr),
			importCommand(stdout, stderr),
		},
	}
	err := a.Run(args)
	var code exitCode
	switch {
	case err == nil:
		if a.Command("") == nil && len(args) > 1 && !slices.Contains([]string{"-h", "--help", "help"}, args[1]) && a.Command(args[1]) == nil {
			return exitFailure
		}
		return exitOK
	case errors.As(err, &code):
		return int(code)
	default:
		fmt.Fprintf(stderr, "slo: %v\n", err)
		return exitFailure
	}
}

func usageError(c *cli.Context, err error, _ bool) error {
	fmt.Fprintf(c.App.ErrWriter, "slo: %v\n", err)
	return exitCode(exitFailure)
}

func checkFormat(c *cli.Context, stderr io.Writer) error {
	if f := c.String("format"); !slices.Contains(diag.Formats, f) {
		fmt.Fprintf(stderr, "slo: --format: expected one of %s, got %q\n", strings.Join(diag.Formats, ", "), f)
		return exitCode(exitFailure)
	}
	return nil
}

func compileCmd(c *cli.Context, stdout, stderr io.Writer, write bool) error {
	if err := checkFormat(c, stderr); err != nil {
		return err
	}
	b, diags, err := app.Compile(c.Args().Slice())
	if werr := diag.Write(stderr, c.String("format"), diags); werr != nil {
		return werr
	}
	if err != nil {
		fmt.Fprintf(stderr, "slo: %v\n", err)
		return exitCode(exitFailure)
	}
	if b == nil {
		return exitCode(exitProblems)
	}
	if !write {
		files, _ := b.Outputs()
		fmt.Fprintf(stdout, "ok: %d services, %d files would be written\n", len(b.Project.Services), len(files))
		return nil
	}
	out := c.String("out")
	files, _ := b.Outputs()
	res, err := app.Write(out, files, b.Whole)
	if err != nil {
		fmt.Fprintf(stderr, "slo: writing output: %v%s\n", err, nothingWritten(err))
		return exitCode(exitFailure)
	}
	for _, name := range res.Written {
		fmt.Fprintf(stdout, "wrote %s\n", joinOut(out, name))
	}
	for _, name := range res.Removed {
		fmt.Fprintf(stdout, "removed %s (no spec generates it any more)\n", joinOut(out, name))
	}
	if !b.Whole {
		fmt.Fprintf(stdout, "note: a subset of the specs: only its rule files are written; %s and %s depend on every spec and stay as they are, and no stale file is removed (run slo compile without PATH for those)\n",
			joinOut(out, "alertmanager/alertmanager.yml"), joinOut(out, overlay.Dir+"/"))
	}
	summary := fmt.Sprintf("%d written, %d unchanged", len(res.Written), len(res.Unchanged))
	if len(res.Removed) > 0 {
		summary += fmt.Sprintf(", %d removed", len(res.Removed))
	}
	fmt.Fprintln(stdout, summary)
	return nil
}

// nothingWritten tells a reader of a write error that the output is as it
// was, unless the roll-back failed too.
func nothingWritten(err error) string {
	if errors.Is(err, outfile.ErrPartial) {
		return ""
	}
	return " (nothing was written)"
}

func joinOut(dir, name string) string {
	if dir == "." || dir == "" {
		return name
	}
	return strings.TrimSuffix(dir, "/") + "/" + name
}
