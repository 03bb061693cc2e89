package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/report"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/watch"
)

// WatchOptions configure slo test --watch.
type WatchOptions struct {
	// Test are the options of each run; its Paths are the files and folders
	// watched (default: DefaultTestPaths that exist). Keep is not used.
	Test TestOptions
	// Quiet is how long a save's events are waited for (0: watch.DefaultQuiet).
	Quiet time.Duration
}

// Round is one run of the watch loop: the first runs every scenario, each
// later one the scenarios that the files changed since the last good run
// can affect.
type Round struct {
	First bool
	// Changed are the files that changed, were created or were removed.
	Changed []string
	// Rerun are the test files (spec, scenario and promtool files) whose
	// scenarios ran.
	Rerun []string
	// Run is nil when a spec or scenario file has errors (in Diags): the
	// changes are kept for the next round, and the verdicts stay as they were.
	Run   *TestRun
	Diags diag.List
	// Err is a failure of the tool in this round; the loop goes on.
	Err error
	// Changes are the scenarios whose verdict changed, that are new or that
	// are gone, in the order of the results; StillFailing the ones rerun
	// that failed before and fail again.
	Changes      []VerdictChange
	StillFailing []*scenario.Result
	// Total counts the latest verdict of every scenario watched.
	Total report.Summary
	// Elapsed is the time from the batch of changes to the verdicts.
	Elapsed time.Duration
}

// VerdictChange is a scenario whose verdict is not what it was.
type VerdictChange struct {
	File, Name string
	// Was is "PASS", "FAIL", or "" for a new scenario.
	Was string
	// Now is the new result, nil for a scenario that is gone.
	Now *scenario.Result
}

// Watch runs every scenario under opts.Test.Paths, then reruns, on every
// save, the scenarios the saved files can affect, and hands each round to
// fn. It returns nil when ctx is done, or fn's error. A round in progress
// when ctx is cancelled ends first.
//
// What a change reruns: a spec file, its generated scenarios; a scenario
// file, its own; a promtool file, itself; and every scenario file that
// names the changed spec (or a folder holding it), the routing document, or
// the routing document's base Alertmanager config. The whole spec set is
// compiled on every round, as slo test does, so a change that breaks a
// reference in another spec is reported; but another spec's generated
// scenarios are not rerun, as its rule file depends on it alone.
func Watch(ctx context.Context, opts WatchOptions, fn func(*Round) error) error {
	roots := opts.Test.Paths
	if len(roots) == 0 {
		for _, p := range DefaultTestPaths {
			if _, err := os.Stat(p); err == nil {
				roots = append(roots, p)
			}
		}
		if len(roots) == 0 {
			return fmt.Errorf("nothing to watch: no %s folder here", strings.Join(DefaultTestPaths, " or "))
		}
	}
	w, err := watch.New(opts.Quiet, isWatchedName)
	if err != nil {
		return err
	}
	defer w.Close()
	for _, r := range roots {
		st, err := os.Stat(r)
		if err != nil {
			return err
		}
		if st.IsDir() {
			err = w.Add(r, true)
		} else {
			err = w.Add(filepath.Dir(r), false)
		}
		if err != nil {
			return err
		}
	}
	s := &watchState{opts: opts.Test, roots: roots, w: w, pending: map[string]bool{}, verdicts: map[string][]lastVerdict{}}
	// The folders are watched before the first run, so that a save during
	// it is the next round.
	if err := s.round(nil, true, fn); err != nil {
		return err
	}
	return w.Run(ctx, func(b watch.Batch) error { return s.round(b.Paths, b.Overflow, fn) })
}

// isWatchedName keeps YAML files, and leaves out editor droppings: vim's
// swap files and write test (4913), backups (name~), emacs lock files.
func isWatchedName(path string) bool {
	base := filepath.Base(path)
	return (strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml")) && !strings.HasPrefix(base, ".#")
}

type watchState struct {
	opts  TestOptions
	roots []string
	w     *watch.Watcher
	// files are the test files listed in the last round, by real path.
	files map[string]*testFile
	// pending are the real paths changed since the last good run.
	pending map[string]bool
	// verdicts are the latest verdicts, by test file as listed.
	verdicts map[string][]lastVerdict
}

type testFile struct {
	path string // as listed under the roots
	kind string // spec, scenario or promtool
	// deps are the real paths of the files a scenario file's scenarios
	// depend on: the specs it names, and the routing base among them.
	deps []string
}

type lastVerdict struct {
	key, name string
	passed    bool
}

func (s *watchState) round(changed []string, all bool, fn func(*Round) error) error {
	start := time.Now()
	r := &Round{First: s.files == nil}
	for _, p := range changed {
		s.pending[input.RealPath(p)] = true
	}
	listed, err := input.SpecFiles(s.roots)
	if err != nil {
		r.Err, r.Changed = err, changed
		return fn(r)
	}
	files := map[string]*testFile{}
	for _, p := range listed {
		f := &testFile{path: p}
		f.kind, f.deps = s.describe(p)
		files[input.RealPath(p)] = f
	}
	var gone []string // test files no longer there
	for real, f := range s.files {
		if files[real] == nil {
			gone = append(gone, f.path)
			s.pending[real] = true
		}
	}
	for real := range files {
		if s.files != nil && s.files[real] == nil {
			s.pending[real] = true
		}
	}
	affected := map[string]bool{}
	for real, f := range files {
		if r.First || all || s.pending[real] || slices.ContainsFunc(f.deps, func(d string) bool { return s.pending[d] }) {
			affected[real] = true
		}
	}
	if len(affected) == 0 && len(gone) == 0 {
		// Nothing watched depends on what changed (a file beside a base
		// config, say).
		s.files = files
		clear(s.pending)
		return nil
	}
	for _, p := range changed {
		r.Changed = append(r.Changed, displayPath(p))
	}
	slices.Sort(r.Changed)
	r.Changed = slices.Compact(r.Changed)
	var paths []string
	for _, p := range listed {
		f := files[input.RealPath(p)]
		if affected[input.RealPath(p)] {
			r.Rerun = append(r.Rerun, p)
		}
		// Every spec is compiled, for the references between them; only
		// the scenario and promtool files affected are read and run.
		if f.kind == "spec" || affected[input.RealPath(p)] {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		// Only files were removed: their verdicts go, nothing runs.
		s.settle(r, gone, nil, nil)
		s.files = files
		clear(s.pending)
		r.Elapsed = time.Since(start)
		return fn(r)
	}
	opts := s.opts
	opts.Paths = paths
	opts.Keep = func(file string, _ *scenario.Scenario) bool { return affected[input.RealPath(file)] }
	run, diags, err := Test(opts)
	r.Run, r.Diags, r.Err = run, diags, err
	if run != nil && err == nil {
		s.settle(r, gone, r.Rerun, run.Results)
		// Until a run is good, the files listed before stay the reference,
		// so that files created or removed meanwhile are rerun (or dropped)
		// by the round that is.
		s.files = files
		clear(s.pending)
	}
	s.watchDeps(files)
	r.Total = s.total()
	r.Elapsed = time.Since(start)
	return fn(r)
}

// displayPath is p relative to the working folder when it lies below it
// (the folders of a base config are watched by absolute path).
func displayPath(p string) string {
	if !filepath.IsAbs(p) {
		return p
	}
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

// describe tells a test file's kind and, for a scenario file, the files its
// scenarios depend on.
func (s *watchState) describe(path string) (kind string, deps []string) {
	src, err := os.ReadFile(path)
	if err != nil {
		return "spec", nil
	}
	kind = fileKind(src)
	if kind != "scenario" {
		return kind, nil
	}
	var top struct {
		Spec yaml.Node `yaml:"spec"`
	}
	if yaml.Unmarshal(src, &top) != nil {
		return kind, nil
	}
	var names []string
	switch top.Spec.Kind {
	case yaml.ScalarNode:
		names = []string{top.Spec.Value}
	case yaml.SequenceNode:
		for _, n := range top.Spec.Content {
			names = append(names, n.Value)
		}
	}
	for _, n := range names {
		if !filepath.IsAbs(n) {
			n = filepath.Join(filepath.Dir(path), n)
		}
		// A folder's specs are listed now; a spec added to it later is a
		// change in a watched folder, and lists it then.
		specs, err := input.SpecFiles([]string{n})
		if err != nil {
			deps = append(deps, input.RealPath(n)) // not there yet: it may come
			continue
		}
		for _, f := range specs {
			deps = append(deps, input.RealPath(f))
			if base := routingBase(f); base != "" {
				deps = append(deps, input.RealPath(base))
			}
		}
	}
	return kind, deps
}

// routingBase returns the base Alertmanager config a routing document
// names, relative to the working folder, or "".
func routingBase(path string) string {
	src, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var doc struct {
		Routing struct {
			Base string `yaml:"base"`
		} `yaml:"routing"`
	}
	if yaml.Unmarshal(src, &doc) != nil || doc.Routing.Base == "" {
		return ""
	}
	if filepath.IsAbs(doc.Routing.Base) {
		return doc.Routing.Base
	}
	return filepath.Join(filepath.Dir(path), doc.Routing.Base)
}

// watchDeps watches the folders of the files scenario files depend on that
// lie outside the roots (a base config under config/, specs named from
// tests/ when only tests/ is watched).
func (s *watchState) watchDeps(files map[string]*testFile) {
	for _, f := range files {
		for _, d := range f.deps {
			dir := filepath.Dir(d)
			if st, err := os.Stat(dir); err == nil && st.IsDir() {
				_ = s.w.Add(dir, false) // best effort: the file itself is still read every round
			}
		}
	}
}

// settle records the verdicts of a good run: the results of the rerun test
// files replace theirs, and the files gone drop theirs.
func (s *watchState) settle(r *Round, gone, rerun []string, results []*scenario.Result) {
	byFile := map[string][]*scenario.Result{}
	for _, res := range results {
		byFile[res.File] = append(byFile[res.File], res)
	}
	files := append(slices.Clone(rerun), gone...)
	for _, file := range files {
		old := map[string]lastVerdict{}
		for _, v := range s.verdicts[file] {
			old[v.key] = v
		}
		var now []lastVerdict
		seen := map[string]int{}
		for _, res := range byFile[file] {
			k := verdictKey(res, seen)
			now = append(now, lastVerdict{key: k, name: res.Scenario.Name, passed: res.Passed()})
			o, had := old[k]
			delete(old, k)
			switch {
			case !had && !r.First:
				r.Changes = append(r.Changes, VerdictChange{File: file, Name: res.Scenario.Name, Now: res})
			case had && o.passed != res.Passed():
				r.Changes = append(r.Changes, VerdictChange{File: file, Name: res.Scenario.Name, Was: passFail(o.passed), Now: res})
			case had && !res.Passed():
				r.StillFailing = append(r.StillFailing, res)
			}
		}
		for _, v := range s.verdicts[file] {
			if _, left := old[v.key]; left {
				r.Changes = append(r.Changes, VerdictChange{File: file, Name: v.name, Was: passFail(v.passed)})
			}
		}
		if now == nil {
			delete(s.verdicts, file)
		} else {
			s.verdicts[file] = now
		}
	}
}

func (s *watchState) total() report.Summary {
	var t report.Summary
	for _, vs := range s.verdicts {
		for _, v := range vs {
			if v.passed {
				t.Passed++
			} else {
				t.Failed++
			}
		}
	}
	return t
}

func passFail(passed bool) string {
	if passed {
		return "PASS"
	}
	return "FAIL"
}

// numbers are the values a generated scenario's name carries (thresholds,
// probes, durations): a threshold change renames the scenario, but it is
// the same scenario, and its verdict is compared with the one before.
var numbers = regexp.MustCompile(`[0-9]+(\.[0-9]+)?`)

// verdictKey identifies a result among its file's across rounds: its name,
// with a generated scenario's numbers left out, and which of the results
// with that key it is.
func verdictKey(res *scenario.Result, seen map[string]int) string {
	k := res.Scenario.Name
	if res.Scenario.Generated {
		k = numbers.ReplaceAllString(k, "#")
	}
	seen[k]++
	return k + "\x00" + strconv.Itoa(seen[k])
}
