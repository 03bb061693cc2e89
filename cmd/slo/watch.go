package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/slo-compiler/slo/internal/app"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/report"
	"github.com/slo-compiler/slo/internal/scenario"
)

// watchCmd is slo test --watch: it prints the first run as slo test does,
// then, for each save, what was rerun and which verdicts changed. Ctrl-C
// (or SIGTERM) stops it, after the round in progress; it then exits 0. A
// second Ctrl-C stops it at once.
func watchCmd(ctx context.Context, opts app.TestOptions, verbose bool, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first Ctrl-C the loop ends with the round in progress; a
	// second one kills slo at once, as it would without --watch.
	go func() { <-ctx.Done(); stop() }()
	watched := opts.Paths
	if len(watched) == 0 {
		watched = app.DefaultTestPaths
	}
	err := app.Watch(ctx, app.WatchOptions{Test: opts}, func(r *app.Round) error {
		return printRound(r, strings.Join(watched, ", "), verbose, stdout, stderr)
	})
	if err != nil {
		fmt.Fprintf(stderr, "slo: %v\n", err)
		return exitCode(exitFailure)
	}
	fmt.Fprintln(stdout, "stopped watching")
	return nil
}

func printRound(r *app.Round, watched string, verbose bool, stdout, stderr io.Writer) error {
	if !r.First {
		fmt.Fprintf(stdout, "\nchanged: %s\n", strings.Join(r.Changed, ", "))
	}
	if err := diag.Write(stderr, "text", r.Diags); err != nil {
		return err
	}
	switch {
	case r.Err != nil:
		fmt.Fprintf(stderr, "slo: %v\n", r.Err)
		fmt.Fprintf(stdout, "watching %s; fix the problem above and save\n", watched)
		return nil
	case r.Run == nil && len(r.Rerun) > 0:
		fmt.Fprintf(stdout, "not run: the errors above must be fixed first; the verdicts stay as they were; watching %s\n", watched)
		return nil
	case r.First:
		if err := report.Write(stdout, "text", r.Run.Results, verbose); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "watching %s: saving a file reruns the scenarios it affects (Ctrl-C stops)\n", watched)
		return nil
	}
	var now struct{ failing, passing, added, gone int }
	for _, c := range r.Changes {
		switch {
		case c.Now == nil:
			now.gone++
			fmt.Fprintf(stdout, "gone %s: %s (was %s)\n", c.File, c.Name, c.Was)
		case c.Was == "":
			now.added++
			fmt.Fprintf(stdout, "%s %s: %s: new, %s\n", status(c.Now), c.File, c.Name, passFail(c.Now))
			printFailures(stdout, c.Now)
		default:
			if c.Now.Passed() {
				now.passing++
			} else {
				now.failing++
			}
			fmt.Fprintf(stdout, "%s %s: %s: was %s, now %s\n", status(c.Now), c.File, c.Name, c.Was, passFail(c.Now))
			printFailures(stdout, c.Now)
		}
	}
	for _, res := range r.StillFailing {
		fmt.Fprintf(stdout, "FAIL %s: %s: still failing\n", res.File, res.Scenario.Name)
		printFailures(stdout, res)
	}
	ran := 0
	if r.Run != nil {
		ran = len(r.Run.Results)
	}
	changes := "no verdict changed"
	if len(r.Changes) > 0 {
		changes = fmt.Sprintf("%d now failing, %d now passing, %d new, %d gone", now.failing, now.passing, now.added, now.gone)
	}
	fmt.Fprintf(stdout, "reran %d scenarios of %s in %.1fs: %s; in all %d passed, %d failed\n",
		ran, plural(len(r.Rerun), "file"), r.Elapsed.Seconds(), changes, r.Total.Passed, r.Total.Failed)
	return nil
}

func status(res *scenario.Result) string {
	if res.Passed() {
		return "ok  "
	}
	return "FAIL"
}

func passFail(res *scenario.Result) string {
	if res.Passed() {
		return "PASS"
	}
	return "FAIL"
}

func printFailures(w io.Writer, res *scenario.Result) {
	for _, f := range res.Failures {
		fmt.Fprintf(w, "    %s: %s\n", f.Pos, strings.ReplaceAll(strings.TrimRight(f.Message, "\n"), "\n", "\n      "))
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
