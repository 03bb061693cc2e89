// Command slo compiles declarative SLO and alert specs into Prometheus
// rules and Alertmanager routes, and tests them on the PromQL engine.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path"
	"runtime"
	"slices"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/slo-compiler/slo/internal/app"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/outfile"
	"github.com/slo-compiler/slo/internal/overlay"
	"github.com/slo-compiler/slo/internal/readcache"
	"github.com/slo-compiler/slo/internal/spec"
	"github.com/slo-compiler/slo/internal/target"
)

// Exit codes.
const (
	exitOK       = 0
	exitProblems = 1 // problems in the input, or failed tests
	exitFailure  = 2 // usage errors and tool failures
)

func main() { os.Exit(run(os.Args, os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// exitCode carries an exit code out of a command action.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

var formatFlag = &cli.StringFlag{
	Name:  "format",
	Value: "text",
	Usage: "diagnostics format: " + strings.Join(diag.Formats, ", "),
}

// runContext runs slo with args; cancelling ctx stops slo test --watch.
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	unknown := false
	a := &cli.App{
		Name:      "slo",
		Usage:     "compile SLO and alert specs into Prometheus rules and Alertmanager routes, and test them",
		Writer:    stdout,
		ErrWriter: stderr,
		// The version is printed only by slo version and --version (our own
		// flag): help stays the same for every build.
		HideVersion: true,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "version", Usage: "print the version of slo and exit"},
			&cli.StringFlag{
				Name:    "sloth-plugins",
				EnvVars: []string{"SLO_SLOTH_PLUGINS"},
				Usage:   "run the Sloth SLI plugins (plugin.go files) under `DIR`, as sloth --sli-plugins-path does, for Sloth specs whose SLI is a plugin",
			},
			&cli.StringFlag{
				Name:    "cache",
				EnvVars: []string{readcache.Env},
				Usage:   "keep the read-back cache (which rendered files Prometheus's rule loader already accepted) in `DIR`, or \"off\" (default: slo in the user cache folder)",
			},
		},
		Before: func(c *cli.Context) error {
			app.UseReadCache(c.String("cache"))
			if err := app.UseSlothPlugins(c.String("sloth-plugins")); err != nil {
				fmt.Fprintf(stderr, "slo: --sloth-plugins: %v\n", err)
				return exitCode(exitFailure)
			}
			return nil
		},
		EnableBashCompletion: true,
		ExitErrHandler:       func(*cli.Context, error) {},
		OnUsageError:         usageError,
		CommandNotFound: func(c *cli.Context, cmd string) {
			unknown = true
			var names []string
			for _, c := range c.App.VisibleCommands() {
				names = append(names, c.Names()...)
			}
			if s := spec.Closest(cmd, names); s != "" {
				fmt.Fprintf(stderr, "slo: unknown command %q; did you mean %s? See slo --help\n", cmd, s)
				return
			}
			fmt.Fprintf(stderr, "slo: unknown command %q; see slo --help\n", cmd)
		},
		Action: func(c *cli.Context) error {
			if c.Bool("version") {
				fmt.Fprintln(stdout, buildVersion())
				return nil
			}
			if c.Args().Present() {
				return cli.ShowCommandHelp(c, c.Args().First()) // an unknown command: CommandNotFound
			}
			return cli.ShowAppHelp(c)
		},
		Commands: []*cli.Command{
			initCommand(stdout, stderr),
			{
				Name:      "compile",
				Usage:     "compile specs into DIR/rules/<service>.yml and DIR/alertmanager/alertmanager.yml",
				ArgsUsage: "[PATH...]  (default: specs)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "out", Value: ".", Usage: "output `DIR`"},
					targetFlag,
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
			diffCommand(stdout, stderr),
			reportCommand(stdout, stderr),
			{
				Name:  "version",
				Usage: "print the version of slo: module version, VCS revision, Go version",
				Action: func(c *cli.Context) error {
					fmt.Fprintln(stdout, buildVersion())
					return nil
				},
			},
			backtestCommand(stdout, stderr),
			completionCommand(stdout, stderr),
		},
	}
	a.Metadata = map[string]any{argsKey: args}
	err := a.RunContext(ctx, args)
	var code exitCode
	switch {
	case err == nil:
		if unknown {
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

// usageError reports a usage error, with the flag meant when a flag is
// misspelt.
func usageError(c *cli.Context, err error, _ bool) error {
	msg := err.Error()
	flags := c.App.VisibleFlags()
	sub := c.Command != nil && c.Command.Name != ""
	if sub {
		flags = c.Command.VisibleFlags()
	}
	args, _ := c.App.Metadata[argsKey].([]string)
	if len(args) > 0 {
		args = args[1:]
	}
	if sub {
		// The command's flags follow its name.
		if i := slices.Index(args, c.Command.Name); i >= 0 {
			args = args[i+1:]
		}
	}
	if name, ok := unknownFlag(args, flags); ok {
		var names []string
		for _, f := range flags {
			names = append(names, f.Names()...)
		}
		if s := spec.Closest(name, names); s != "" {
			msg += fmt.Sprintf("; did you mean --%s?", s)
		}
	}
	fmt.Fprintf(c.App.ErrWriter, "slo: %s\n", msg)
	return exitCode(exitFailure)
}

// argsKey holds the command line in the App's Metadata, for usageError:
// the flag package names a flag it does not know only in its error's
// text, so the flag is found again in the arguments.
const argsKey = "args"

// unknownFlag returns the name of the first flag of args that flags does
// not define, read as the flag package reads them: up to "--", a flag
// that is not a boolean taking the next argument as its value unless it
// is written name=value.
func unknownFlag(args []string, flags []cli.Flag) (string, bool) {
	known := map[string]cli.Flag{}
	for _, f := range flags {
		for _, n := range f.Names() {
			known[n] = f
		}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f, ok := known[name]
		switch {
		case !ok && name != "h" && name != "help":
			return name, true
		case ok && !hasValue:
			if _, isBool := f.(*cli.BoolFlag); !isBool {
				i++ // its value
			}
		}
	}
	return "", false
}

// needSpecs stops a command run without PATH in a folder without specs/
// with what to do, rather than a bare "stat specs: no such file".
func needSpecs(stderr io.Writer, cmd, pathHint string) error {
	if _, err := os.Stat(input.DefaultSpecs); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	fmt.Fprintf(stderr, "slo %s: no %s/ folder here; run slo init to start a project, or name the specs: slo %s %s\n", cmd, input.DefaultSpecs, cmd, pathHint)
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
	if c.NArg() == 0 {
		if err := needSpecs(stderr, c.Command.Name, "PATH..."); err != nil {
			return err
		}
	}
	// Only the rendered files are needed: each service's rules are
	// compiled as its file is rendered and dropped as it reads back, and a
	// file to write goes to its temporary file then (see app.Writer),
	// which keeps a large compile's memory down. A compile that fails
	// removes what it staged: nothing is written.
	defer runtime.KeepAlive(gcFloor())
	opts := app.CompileOptions{Targets: c.StringSlice("target"), FilesOnly: true}
	out := c.String("out")
	if write {
		opts.Writer = app.NewWriter(out)
		defer abortOnInterrupt(opts.Writer, stderr)()
	}
	b, diags, err := app.CompileWith(c.Args().Slice(), opts)
	if opts.Writer != nil && (err != nil || b == nil) {
		if aerr := opts.Writer.Abort(); aerr != nil {
			err = errors.Join(err, fmt.Errorf("removing the files staged: %w", aerr))
		}
	}
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
	files, _ := b.Outputs()
	res, err := opts.Writer.Commit(files, b.PruneDirs())
	if err != nil {
		fmt.Fprintf(stderr, "slo: writing output: %v%s\n", err, nothingWritten(err))
		return exitCode(exitFailure)
	}
	// The listing goes out in one write, not one a file: a thousand
	// services are a thousand lines.
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	for _, name := range res.Written {
		fmt.Fprintf(w, "wrote %s\n", joinOut(out, name))
	}
	for _, name := range res.Removed {
		fmt.Fprintf(w, "removed %s (no spec generates it any more)\n", joinOut(out, name))
	}
	if n := len(res.Leftovers); n > 0 {
		fmt.Fprintf(w, "removed %s (.slo-*.tmp) that an interrupted run left in %s\n", plural(n, "temporary file"), leftoverDirs(out, res.Leftovers))
	}
	if !b.Whole {
		fmt.Fprintf(w, "note: a subset of the specs: only its rule files are written; %s and %s depend on every spec and stay as they are, and no stale file is removed (run slo compile without PATH for those)\n",
			joinOut(out, "alertmanager/alertmanager.yml"), joinOut(out, overlay.Dir+"/"))
	}
	if am := b.Output.Alertmanager; am != nil && slices.Contains(res.Written, am.Name) {
		fmt.Fprintln(w, app.RoutingSummary(b.Project, am))
	}
	summary := fmt.Sprintf("%d written, %d unchanged", len(res.Written), len(res.Unchanged))
	if len(res.Removed) > 0 {
		summary += fmt.Sprintf(", %d removed", len(res.Removed))
	}
	fmt.Fprintln(w, summary)
	return nil
}

// abortOnInterrupt removes what w staged, and exits with 130, when the
// process is interrupted (SIGINT, SIGTERM) before stop is called: a
// compile stages its files while it still reads them back, and an
// interrupt then must leave the output folder as it was, as a failed
// compile does. Once w has committed, an interrupt only exits.
func abortOnInterrupt(w interface{ Abort() error }, stderr io.Writer) (stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
			if err := w.Abort(); err != nil {
				fmt.Fprintf(stderr, "slo: interrupted; removing the files staged: %v\n", err)
			} else {
				fmt.Fprintln(stderr, "slo: interrupted")
			}
			os.Exit(130)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
	}
}

// gcFloorBytes is the least garbage the collector lets a compile make
// between two collections, besides its live heap (see gcFloor).
const gcFloorBytes = 8 << 20

// gcFloor returns a block that, kept alive, makes the collector wait for
// gcFloorBytes more garbage between collections; nil when GOGC or
// GOMEMLIMIT is set, which the user's setting then rules alone.
//
// A compile's live heap is small now that each service's rules and file
// go as soon as the file is read back (1,000 SLOs: ~7 MB, what the specs
// decode to), while Prometheus's rule loader allocates ~200 MB reading
// the files back. At the default pace (GOGC=100: collect when the heap
// has doubled) that is a collection every ~7 MB, 43 of them where a heap
// three times as large took 20, at 20-25% more CPU. The block is
// pointer-free and never written: the pacer counts it as live, so a
// collection waits for live + 8 MiB of garbage (20-23 collections), but
// the system never backs its pages. Measured on 1,000 SLOs, cold, 6-8
// runs in turn on a loaded 2-core machine (binaries copied): peak RSS
// 67-77 MiB with it, 62-67 without, 86-92 before the compile stopped
// holding the rules and files; user CPU +5-12% over before with it,
// +20-27% without (4 MiB: +12-14%; 12 MiB: +1-5%, RSS 71-76 MiB).
func gcFloor() []byte {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	return make([]byte, gcFloorBytes)
}

// nothingWritten tells a reader of a write error that the output is as it
// was, unless the roll-back failed too.
func nothingWritten(err error) string {
	if errors.Is(err, outfile.ErrPartial) {
		return ""
	}
	return " (nothing was written)"
}

// targetFlag names the output targets, overriding the project file's.
var targetFlag = &cli.StringSliceFlag{Name: "target", Usage: "output `TARGET`s, comma-separated: " + strings.Join(target.Names(), ", ") + " (default: slo.yaml's targets, else prometheus)"}

// leftoverDirs names the folders below out that held the leftover
// temporary files names (in order, each once), for the line that says
// they were removed.
func leftoverDirs(out string, names []string) string {
	var dirs []string
	for _, name := range names {
		d := joinOut(out, path.Dir(name)+"/")
		if !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	return strings.Join(dirs, ", ")
}

func joinOut(dir, name string) string {
	if dir == "." || dir == "" {
		return name
	}
	return strings.TrimSuffix(dir, "/") + "/" + name
}
