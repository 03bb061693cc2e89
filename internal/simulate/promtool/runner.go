// Package promtool runs Prometheus rule unit tests written in the format
// of `promtool test rules`, through the simulator (package simulate), and
// writes promtool's report: verdicts and failure messages as promtool
// prints them. It is the one place where failures become promtool's text.
package promtool

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/grafana/regexp"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v2"

	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/simulate"
)

// Options configure a run.
type Options struct {
	simulate.Options
	// Run, if set, only runs test groups whose name matches one of these
	// regular expressions (promtool's --run).
	Run []string
	// Limits, when set, are checked on each test group before anything is
	// loaded; a group over one fails with a message naming the limit's
	// flag, and is not run.
	Limits *scenario.Limits
	// Parallelism bounds how many test groups are evaluated at once;
	// zero means GOMAXPROCS. Results keep the input order regardless.
	Parallelism int
}

func (o Options) runRegexp() (*regexp.Regexp, error) {
	if o.Run == nil {
		return nil, nil
	}
	return regexp.Compile(strings.Join(o.Run, "|"))
}

func (o Options) parallelism() int {
	if o.Parallelism > 0 {
		return o.Parallelism
	}
	return runtime.GOMAXPROCS(0)
}

// FileResult is the outcome of one unit-test file.
type FileResult struct {
	File string
	// Warnings are the lines promtool prints as warnings (rule file
	// patterns that match nothing).
	Warnings []string
	// Unmatched are the indexes in the file's rule_files of the patterns
	// that match no file, one per warning: promtool runs the tests
	// without them.
	Unmatched []int
	// Failures of the file itself (it cannot be read or has a malformed
	// header); the file's groups are not run then.
	Failures []simulate.Failure
	// Groups holds one entry per test group that was run, in file order.
	Groups []GroupResult
}

// GroupResult is the outcome of one test group (one entry of `tests`).
type GroupResult struct {
	// Name is the group's name, or promtool's "unnamed#<index>".
	Name string
	// Index is the group's place in the file's tests, from 0.
	Index    int
	Failures []simulate.Failure
	Stats    simulate.Stats
	// Duration is the group's wall-clock run time, from the start of its
	// evaluation (a group waiting for a free worker is not timed).
	Duration time.Duration
}

// Passed reports whether every test in the file passed.
func (r *FileResult) Passed() bool { return len(r.Errors()) == 0 }

// Errors are promtool's failure messages for the file, in the order
// promtool prints them. The file passed if there are none.
func (r *FileResult) Errors() []string {
	out := Messages(r.Failures)
	for _, g := range r.Groups {
		out = append(out, g.Errors()...)
	}
	return out
}

// Errors are promtool's failure messages for the group.
func (g GroupResult) Errors() []string { return Messages(g.Failures) }

// RunFiles runs several unit-test files concurrently and returns their
// results in the order of paths.
func RunFiles(paths []string, opts Options) ([]*FileResult, error) {
	if _, err := opts.runRegexp(); err != nil {
		return nil, err
	}
	sem := make(chan struct{}, opts.parallelism())
	out := make([]*FileResult, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], _ = runFile(p, opts, sem)
		}()
	}
	wg.Wait()
	return out, nil
}

// RunFile runs one unit-test file. The error is only for invalid options;
// problems with the file are failures in the result, as in promtool.
func RunFile(path string, opts Options) (*FileResult, error) {
	return runFile(path, opts, make(chan struct{}, opts.parallelism()))
}

func runFile(path string, opts Options, sem chan struct{}) (*FileResult, error) {
	run, err := opts.runRegexp()
	if err != nil {
		return nil, err
	}
	res := &FileResult{File: path}
	fail := func(err error) (*FileResult, error) {
		res.Failures = []simulate.Failure{{Kind: simulate.Load, Err: err}}
		return res, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fail(err)
	}
	var utf unitTestFile
	if err := yaml.UnmarshalStrict(b, &utf); err != nil {
		return fail(err)
	}
	warnings, unmatched, err := resolveAndGlobFilepaths(filepath.Dir(path), &utf)
	res.Warnings, res.Unmatched = warnings, unmatched
	if err != nil {
		return fail(err)
	}
	if utf.EvaluationInterval == 0 {
		utf.EvaluationInterval = model.Duration(time.Minute)
	}
	groupOrder := make(map[string]int)
	for i, gn := range utf.GroupEvalOrder {
		if _, ok := groupOrder[gn]; ok {
			return fail(&RepeatedGroupError{Name: gn, Index: i})
		}
		groupOrder[gn] = i
	}

	type job struct {
		name     string
		index    int
		in       simulate.Input
		limitErr string
	}
	var jobs []job
	for i := range utf.Tests {
		t := &utf.Tests[i]
		if run != nil && !run.MatchString(t.TestGroupName) {
			continue
		}
		name := t.TestGroupName
		if name == "" {
			name = fmt.Sprintf("unnamed#%d", i)
		}
		if t.Interval == 0 {
			t.Interval = utf.EvaluationInterval
		}
		// promtool appends an input sample only when an evaluation
		// reaches its time, so samples after the last eval_time are never
		// seen; cut them before the limits count them and the loader
		// expands them (`0x10000000` for an eval_time of 50m).
		if iv := time.Duration(t.Interval); iv > 0 {
			n := int(t.maxEvalTime()/iv) + 1
			for k := range t.InputSeries {
				t.InputSeries[k].Values = scenario.CutSlots(t.InputSeries[k].Values, n)
			}
		}
		j := job{name: name, index: i, in: utf.input(i)}
		j.in.GroupOrder = groupOrder
		if opts.Limits != nil {
			j.limitErr = groupLimits(t, time.Duration(utf.EvaluationInterval), *opts.Limits)
		}
		jobs = append(jobs, j)
	}
	res.Groups = make([]GroupResult, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			start := time.Now()
			g := GroupResult{Name: j.name, Index: j.index}
			defer func() { res.Groups[i].Duration = time.Since(start) }()
			if j.limitErr != "" {
				g.Failures = []simulate.Failure{{Kind: simulate.Limit, Group: j.in.Name, Err: limitError(j.limitErr)}}
				res.Groups[i] = g
				return
			}
			out, err := simulate.Observe(j.in, opts.Options)
			if err != nil {
				g.Failures = []simulate.Failure{{Kind: simulate.Load, Group: j.in.Name, Err: err}}
			} else {
				g.Failures, g.Stats = out.Failures, out.Stats
			}
			res.Groups[i] = g
		}()
	}
	wg.Wait()
	return res, nil
}

// RepeatedGroupError is a name group_eval_order gives twice; Index is its
// second place in the list, from 0.
type RepeatedGroupError struct {
	Name  string
	Index int
}

func (e *RepeatedGroupError) Error() string {
	return "group name repeated in evaluation order: " + e.Name
}

// limitError is a limit's message.
type limitError string

func (e limitError) Error() string { return string(e) }
