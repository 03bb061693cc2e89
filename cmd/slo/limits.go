package main

import (
	"fmt"
	"io"
	"time"

	"github.com/prometheus/common/model"
	"github.com/urfave/cli/v2"

	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
)

// limitFlags raise (or lower) the limits every scenario is checked against
// before it runs; slo test and slo check share them.
func limitFlags() []cli.Flag {
	d := scenario.DefaultLimits
	return []cli.Flag{
		&cli.StringFlag{Name: scenario.FlagMaxLength, Value: promx.FormatDuration(d.MaxLength), Usage: "longest scenario, from time zero to its last sample, eval time or range end (`DURATION`)"},
		&cli.IntFlag{Name: scenario.FlagMaxSteps, Value: d.MaxSteps, Usage: "most rule evaluation steps of one scenario (`N`)"},
		&cli.IntFlag{Name: scenario.FlagMaxSamples, Value: d.MaxSamples, Usage: "most samples of one input series (`N`)"},
		&cli.IntFlag{Name: scenario.FlagMaxTotalSamples, Value: d.MaxTotalSamples, Usage: "most samples of all input series of one scenario (`N`)"},
		&cli.StringFlag{Name: scenario.FlagMinInterval, Value: promx.FormatDuration(d.MinInterval), Usage: "shortest time between input samples (`DURATION`)"},
	}
}

// limitsFrom reads the limit flags.
func limitsFrom(c *cli.Context, stderr io.Writer) (scenario.Limits, error) {
	lim := scenario.Limits{
		MaxSteps:        c.Int(scenario.FlagMaxSteps),
		MaxSamples:      c.Int(scenario.FlagMaxSamples),
		MaxTotalSamples: c.Int(scenario.FlagMaxTotalSamples),
	}
	for _, f := range []struct {
		name string
		dst  *time.Duration
	}{{scenario.FlagMaxLength, &lim.MaxLength}, {scenario.FlagMinInterval, &lim.MinInterval}} {
		d, err := model.ParseDuration(c.String(f.name))
		if err != nil || d <= 0 {
			fmt.Fprintf(stderr, "slo: --%s: expected a positive duration such as 30d, got %q\n", f.name, c.String(f.name))
			return lim, exitCode(exitFailure)
		}
		*f.dst = time.Duration(d)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{scenario.FlagMaxSteps, lim.MaxSteps}, {scenario.FlagMaxSamples, lim.MaxSamples}, {scenario.FlagMaxTotalSamples, lim.MaxTotalSamples}} {
		if f.v <= 0 {
			fmt.Fprintf(stderr, "slo: --%s: expected a positive number, got %d\n", f.name, f.v)
			return lim, exitCode(exitFailure)
		}
	}
	return lim, nil
}
