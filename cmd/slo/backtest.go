package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/urfave/cli/v2"

	"github.com/slo-compiler/slo/internal/app"
	"github.com/slo-compiler/slo/internal/backtest"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/input"
)

func backtestCommand(stdout, stderr io.Writer) *cli.Command {
	d := backtest.DefaultLimits
	return &cli.Command{
		Name:      "backtest",
		Usage:     "replay the compiled alerts against a Prometheus server's history: fires, time firing, pages",
		ArgsUsage: "[PATH...]  (default: specs)",
		Description: "Compiles the specs in memory and replays the rules against the history of the Prometheus server at " +
			"--prometheus: recording rules as range queries, the alerting rules through Prometheus's own alert state " +
			"machine, and the firing alerts through the routing tree and inhibitions. Reports per alert and severity " +
			"how often it would have fired, the time firing, the longest episode and the receivers paged; with --base, " +
			"both sides and the change. See docs/backtest.md.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "prometheus", Usage: "`URL` of the Prometheus server (its HTTP API)"},
			&cli.StringFlag{Name: "from", Usage: "start of the window (`TIME`: RFC 3339 or Unix seconds)"},
			&cli.StringFlag{Name: "to", Usage: "end of the window (`TIME`: RFC 3339 or Unix seconds; default: now)"},
			&cli.StringFlag{Name: "last", Value: "30d", Usage: "the window ending at --to, when --from is not given (`DURATION`)"},
			&cli.StringFlag{Name: "base", Usage: "also backtest the project at git revision or folder `REV`, and report the change"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output format: " + strings.Join(backtest.Formats, ", ")},
			&cli.StringFlag{Name: "max-range", Value: model.Duration(d.MaxRange).String(), Usage: "longest window (`DURATION`)"},
			&cli.IntFlag{Name: "max-steps", Value: d.MaxSteps, Usage: "most evaluation steps of one rule group over the window (`N`)"},
			&cli.IntFlag{Name: "max-series", Value: d.MaxSeries, Usage: "most series one query may return (`N`)"},
			&cli.IntFlag{Name: "max-samples", Value: d.MaxSamples, Usage: "most samples fetched from the server in all (`N`)"},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			o, err := backtestOptions(c)
			if err != nil {
				fmt.Fprintf(stderr, "slo backtest: %v\n", err)
				return exitCode(exitFailure)
			}
			format := c.String("format")
			paths := c.Args().Slice()
			if len(paths) == 0 {
				if err := needSpecs(stderr, "backtest", "--prometheus URL PATH"); err != nil {
					return err
				}
				paths = []string{input.DefaultSpecs}
			}
			o.Progress = stderr
			rep := &backtest.Report{Prometheus: o.Prometheus, From: o.From, To: o.To, HeadName: strings.Join(paths, " ")}
			head, code := backtestSide(c, paths, o, stderr)
			if head == nil {
				return exitCode(code)
			}
			rep.Head = head
			if base := c.String("base"); base != "" {
				var basePaths []string
				for _, p := range paths {
					if filepath.IsAbs(p) {
						fmt.Fprintf(stderr, "slo backtest: --base: spec path %s is absolute; name specs relative to the project\n", p)
						return exitCode(exitFailure)
					}
				}
				dir, cleanup, err := backtest.Checkout(base)
				if err != nil {
					fmt.Fprintf(stderr, "slo backtest: %v\n", err)
					return exitCode(exitFailure)
				}
				defer cleanup()
				for _, p := range paths {
					basePaths = append(basePaths, filepath.Join(dir, p))
				}
				rep.BaseName = base
				rep.Base, code = backtestSide(c, basePaths, o, stderr)
				if rep.Base == nil {
					return exitCode(code)
				}
			}
			return rep.Write(stdout, format)
		},
	}
}

// backtestSide compiles one side's specs and backtests them; on failure
// it reports and returns the exit code.
func backtestSide(c *cli.Context, paths []string, o backtest.Options, stderr io.Writer) (*backtest.Result, int) {
	b, diags, err := app.Compile(paths)
	if err != nil {
		fmt.Fprintf(stderr, "slo backtest: %v\n", err)
		return nil, exitFailure
	}
	if diags.HasErrors() || b == nil {
		if werr := diag.Write(stderr, "text", diags); werr != nil {
			fmt.Fprintf(stderr, "slo backtest: %v\n", werr)
		}
		return nil, exitProblems
	}
	var p backtest.Project
	for _, f := range b.Files {
		switch {
		case strings.HasPrefix(f.Name, "rules/"):
			p.Rules = append(p.Rules, backtest.File{Name: f.Name, Data: f.Data})
		case strings.HasPrefix(f.Name, "alertmanager/"):
			p.Alertmanager = f.Data
		}
	}
	res, err := backtest.Run(c.Context, p, o)
	if err != nil {
		fmt.Fprintf(stderr, "slo backtest: %v\n", err)
		return nil, exitFailure
	}
	return res, exitOK
}

// backtestOptions reads the window, the server and the limits.
func backtestOptions(c *cli.Context) (backtest.Options, error) {
	o := backtest.Options{Prometheus: c.String("prometheus")}
	if o.Prometheus == "" {
		return o, fmt.Errorf("--prometheus URL is required: the server whose history to replay")
	}
	if f := c.String("format"); !slices.Contains(backtest.Formats, f) {
		return o, fmt.Errorf("--format: expected one of %s, got %q", strings.Join(backtest.Formats, ", "), f)
	}
	var err error
	o.To = time.Now().UTC().Truncate(time.Minute)
	if s := c.String("to"); s != "" {
		if o.To, err = parseTime(s); err != nil {
			return o, fmt.Errorf("--to: %v", err)
		}
	}
	if s := c.String("from"); s != "" {
		if c.IsSet("last") {
			return o, fmt.Errorf("--from and --last both give the start of the window; give one")
		}
		if o.From, err = parseTime(s); err != nil {
			return o, fmt.Errorf("--from: %v", err)
		}
	} else {
		d, err := model.ParseDuration(c.String("last"))
		if err != nil || d <= 0 {
			return o, fmt.Errorf("--last: expected a positive duration such as 30d, got %q", c.String("last"))
		}
		o.From = o.To.Add(-time.Duration(d))
	}
	if !o.To.After(o.From) {
		return o, fmt.Errorf("--from %s is not before --to %s", o.From.Format(time.RFC3339), o.To.Format(time.RFC3339))
	}
	mr, err := model.ParseDuration(c.String("max-range"))
	if err != nil || mr <= 0 {
		return o, fmt.Errorf("--max-range: expected a positive duration such as 90d, got %q", c.String("max-range"))
	}
	o.Limits = backtest.Limits{MaxRange: time.Duration(mr), MaxSteps: c.Int("max-steps"), MaxSeries: c.Int("max-series"), MaxSamples: c.Int("max-samples")}
	for name, v := range map[string]int{"max-steps": o.Limits.MaxSteps, "max-series": o.Limits.MaxSeries, "max-samples": o.Limits.MaxSamples} {
		if v <= 0 {
			return o, fmt.Errorf("--%s: expected a positive number, got %d", name, v)
		}
	}
	return o, nil
}

// parseTime reads RFC 3339 or Unix seconds.
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.UnixMilli(int64(f * 1000)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("expected an RFC 3339 time such as 2026-11-01T00:00:00Z or Unix seconds, got %q", s)
}
