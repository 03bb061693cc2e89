// Package app holds slo's use cases (compile, validate), each a function
// from options and paths to results, diagnostics and errors. It reads input
// files and writes output files; it never prints and never exits: cmd/slo
// does that.
package app

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/outfile"
	"github.com/slo-compiler/slo/internal/overlay"
	"github.com/slo-compiler/slo/internal/target"
)

// File is a generated file: its path below the output folder and content.
type File struct {
	Name string
	Data []byte
}

// Build is the result of compiling specs in memory.
type Build struct {
	Project *model.Project
	Output  *compile.Output
	// Files are the rendered files, rule files first, in input order.
	Files []File
	// Whole is set when the paths compiled are the whole spec set (see
	// IsWholeSet): then every file is written and stale ones are pruned.
	Whole bool
	// Targets are the output targets the files are for (see package
	// target), prometheus by default.
	Targets []string
	// oneSpec holds the names of the targets' files that depend on their
	// own spec alone, which a subset writes as it writes rules/.
	oneSpec map[string]bool
}

// PruneDirs are the folders whose stale generated files a write of b
// removes: none for a subset of the specs; else the folders of b's targets
// (see target.Dirs) and the overlays, so a compile for one target leaves
// another's files alone. The default target's folders come first and the
// overlays next, as in GeneratedDirs.
func (b *Build) PruneDirs() []string {
	if !b.Whole {
		return nil
	}
	var dirs []string
	for _, t := range readBackOrder(b.Targets) {
		if slices.Contains(b.Targets, t) {
			dirs = append(dirs, target.Dirs(t)...)
		}
		if t == target.Prometheus {
			dirs = append(dirs, overlay.Dir)
		}
	}
	return dirs
}

// Outputs splits b.Files into the files a compile of b's paths writes and
// the ones it holds back. The whole spec set writes every file. A subset
// writes only its rule files (and the other targets' files of one service
// each), each of which depends on its own spec alone:
// alertmanager/alertmanager.yml (its inhibit rules come from every
// service) and the overlays (a dashboard's panels come from any spec) would
// lose the other specs' part, so a subset leaves them as they are.
func (b *Build) Outputs() (write, held []File) {
	if b.Whole {
		return b.Files, nil
	}
	for _, f := range b.Files {
		if b.oneSpec[f.Name] {
			write = append(write, f)
		} else {
			held = append(held, f)
		}
	}
	return write, held
}

// IsWholeSet reports whether paths name the whole spec set, which a
// compile writes every output of and prunes stale generated files for: no
// path (the default specs folder); paths that hold every spec file under
// the default specs folder; or paths that are all folders outside it (the
// spec folders of another project, as --out builds elsewhere use).
// Anything else, such as one spec file or a folder inside specs, is a
// subset.
func IsWholeSet(paths []string) (bool, error) {
	if len(paths) == 0 {
		return true, nil
	}
	abs := input.AbsFunc()
	specsDir, err := abs(input.DefaultSpecs)
	if err != nil {
		return false, err
	}
	outside := true
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return false, err
		}
		a, err := abs(p)
		if err != nil {
			return false, err
		}
		if st.IsDir() && a == specsDir {
			// The specs folder itself holds every spec file under it:
			// no need to walk it twice to compare (a thousand spec files
			// are two thousand more opens).
			return true, nil
		}
		if !st.IsDir() || strings.HasPrefix(a, specsDir+string(filepath.Separator)) {
			outside = false
		}
	}
	if outside {
		return true, nil
	}
	if _, err := os.Stat(input.DefaultSpecs); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	given, err := input.SpecFiles(paths)
	if err != nil {
		return false, err
	}
	all, err := input.SpecFiles(nil)
	if err != nil || len(all) == 0 {
		return false, err
	}
	have := map[string]bool{}
	for _, f := range given {
		a, err := abs(f)
		if err != nil {
			return false, err
		}
		have[a] = true
	}
	for _, f := range all {
		a, err := abs(f)
		if err != nil {
			return false, err
		}
		if !have[a] {
			return false, nil
		}
	}
	return true, nil
}

// Compile loads paths and compiles and renders them in memory. Every
// rendered file is parsed back with Prometheus's and Alertmanager's own
// loaders, and rule files are compared with what was compiled; a file they
// refuse is a diagnostic, not output.
//
// Compile is for the prometheus target alone, whatever the project file
// names: slo test and slo init need its rule files and Alertmanager config.
// slo compile and slo check use CompileTargets.
func Compile(paths []string) (*Build, diag.List, error) {
	return CompileTargets(paths, []string{target.Prometheus})
}

// CompileTargets is Compile for the output targets named (see package
// target); nil takes them from the project file, slo.yaml in the working
// folder, or else prometheus alone. Each target's files are read back with
// its system's loader; what it refuses is a diagnostic at the spec file.
func CompileTargets(paths, targets []string) (*Build, diag.List, error) {
	return CompileWith(paths, CompileOptions{Targets: targets})
}

// CompileOptions are the settings of CompileWith.
type CompileOptions struct {
	// Targets are the output targets, as CompileTargets takes them.
	Targets []string
	// FilesOnly is for a caller that needs the Build's Files and not the
	// compiled rule groups (slo compile and slo validate): each service's
	// rules are compiled just before its file is rendered, and dropped as
	// soon as the file has read back without a problem, so that the rules
	// and the files of a thousand services are not all held at once.
	// Output.RuleFiles then keep their names and sources, and the groups
	// of files that had a problem. Only a compile for the prometheus
	// target alone does this: another target renders its files from
	// every service's rules after it.
	FilesOnly bool
	// Writer, with FilesOnly, takes each rule file as soon as it has read
	// back without a problem (see Writer), and the Build's File of it
	// keeps no Data: the caller then writes the Build's Outputs with
	// Writer.Commit, or calls Writer.Abort when the compile fails. A
	// compile that does not drop its rules stages nothing.
	Writer *Writer
}

// CompileWith is CompileTargets with options.
func CompileWith(paths []string, opts CompileOptions) (*Build, diag.List, error) {
	targets := opts.Targets
	cfg, cfgDiags, err := target.LoadConfig(target.ProjectFile)
	if err != nil || cfg == nil {
		return nil, cfgDiags, err
	}
	if targets == nil {
		targets = cfg.Targets
	}
	if len(targets) == 0 {
		targets = []string{target.Prometheus}
	}
	if targets, err = target.Parse(targets); err != nil {
		return nil, nil, err
	}
	p, diags, err := input.Load(paths)
	diags = append(cfgDiags, diags...)
	if err != nil || p == nil {
		return nil, diags, err
	}
	whole, err := IsWholeSet(paths)
	if err != nil {
		return nil, diags, err
	}
	order := readBackOrder(targets)
	var out *compile.Output
	var ln *lean
	if opts.FilesOnly && len(order) == 1 {
		out = compile.Outline(p)
		ln = newLean(p, out, opts.Writer)
	} else {
		out = compile.Project(p)
	}
	// The targets' files are rendered and read back on the other cores
	// while this one runs the project-wide checks; both only read p and
	// out. A lean compile compiles the rules as it renders them, and
	// checks them after.
	in := target.Input{Project: p, Output: out, Config: cfg}
	rendered := make(chan []renderedTarget, 1)
	go func() {
		cache := openReadCache()
		r := renderTargets(order, in, cache, ln)
		_ = cache.Save() // best effort: a cache not written costs the next run a load
		rendered <- r
	}()
	if ln == nil {
		diags = append(diags, duplicateRecords(p, out)...)
	}
	diags = append(diags, routingShadows(p)...)
	results := <-rendered
	if ln != nil {
		diags = append(diags, ln.duplicateRecords()...)
	}
	b := &Build{Project: p, Output: out, Whole: whole, Targets: targets}
	place := newPlacer(p, out)
	for _, r := range results {
		if r.err != nil {
			return nil, diags, r.err
		}
		for i, f := range r.files {
			diags = append(diags, place.diags(r.name, f, r.problems[i])...)
			if !slices.Contains(targets, r.name) {
				continue // read back all the same: see readBackOrder
			}
			b.Files = append(b.Files, File{f.Name, f.Data})
			if f.OneSpec {
				if b.oneSpec == nil {
					b.oneSpec = map[string]bool{}
				}
				b.oneSpec[f.Name] = true
			}
		}
	}
	plan, ds := overlay.Plan(p)
	diags = append(diags, ds...)
	for _, d := range plan {
		b.Files = append(b.Files, File{overlay.FileName(d), overlay.Render(d)})
	}
	if diags.HasErrors() {
		return nil, diags, nil
	}
	return b, diags, nil
}

// GeneratedDirs are the output folders slo owns below the output folder.
// They are the default target's folders and the overlays'.
var GeneratedDirs = append(target.Dirs(target.Prometheus), overlay.Dir)

// Stale returns the generated files under outDir (files in GeneratedDirs
// that carry slo's header) that files no longer holds.
func Stale(outDir string, files []File) ([]string, error) {
	return StaleIn(outDir, GeneratedDirs, files)
}

// StaleIn is Stale for the generated files in dirs. outfile's temporary
// files (outfile.IsTemp), a Writer's own staged ones or an interrupted
// run's, are no output and never stale.
func StaleIn(outDir string, dirs []string, files []File) ([]string, error) {
	want := map[string]bool{}
	for _, f := range files {
		want[filepath.ToSlash(f.Name)] = true
	}
	var stale []string
	for _, dir := range dirs {
		if st, err := os.Stat(filepath.Join(outDir, dir)); err != nil || !st.IsDir() {
			continue // nothing generated there; writing reports what is in the way
		}
		entries, err := os.ReadDir(filepath.Join(outDir, dir))
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			name := dir + "/" + e.Name()
			if e.IsDir() || want[name] || outfile.IsTemp(e.Name()) {
				continue // a temporary file, even an interrupted run's, is no output (the write sweeps those)
			}
			b, err := os.ReadFile(filepath.Join(outDir, name))
			if err != nil {
				return nil, err
			}
			if input.IsGenerated(b) || overlay.IsGenerated(b) {
				stale = append(stale, name)
			}
		}
	}
	return stale, nil
}

// WriteResult says what Write did; names are relative to the output folder.
type WriteResult struct {
	Written, Unchanged, Removed []string
	// Leftovers are the temporary files an interrupted run left in the
	// folders written, which the write removed (see package outfile).
	Leftovers []string
}

// Write writes files below outDir all or nothing (see package outfile):
// when anything fails, outDir is left as it was. With prune, it then also
// removes the stale generated files (see Stale), within the same all or
// nothing; prune is for the whole spec set only, as a subset does not know
// the other specs' files.
func Write(outDir string, files []File, prune bool) (WriteResult, error) {
	var dirs []string
	if prune {
		dirs = GeneratedDirs
	}
	return WriteDirs(outDir, files, dirs)
}

// WriteDirs is Write pruning the stale generated files in dirs (see
// Build.PruneDirs); nil dirs prunes nothing.
func WriteDirs(outDir string, files []File, dirs []string) (WriteResult, error) {
	return NewWriter(outDir).Commit(files, dirs)
}

// Writer writes a compile's files below a folder as WriteDirs does, all or
// nothing, and can take each rule file as soon as it has read back (see
// CompileOptions.Writer): its bytes go at once to a temporary file beside
// its destination (see outfile.Stager), or nowhere when the destination
// already holds them, rather than being held until the compile ends.
// Commit then writes them; Abort, for a compile that failed, removes what
// was staged.
type Writer struct {
	dir string
	st  outfile.Stager
}

// NewWriter returns a Writer for the output folder outDir.
func NewWriter(outDir string) *Writer { return &Writer{dir: outDir} }

func (w *Writer) path(name string) string { return filepath.Join(w.dir, filepath.FromSlash(name)) }

// stage takes f (its error comes back from Commit).
func (w *Writer) stage(f File) { _ = w.st.Stage(outfile.File{Path: w.path(f.Name), Data: f.Data}) }

// Abort removes what was staged, for a compile that failed: nothing is
// written.
func (w *Writer) Abort() error { return w.st.Abort() }

// Commit writes files (staged or not: a staged file's Data is not needed)
// and prunes the stale generated files in dirs (see WriteDirs). On error
// nothing is written, and what was staged is removed.
func (w *Writer) Commit(files []File, dirs []string) (WriteResult, error) {
	outDir := w.dir
	var stale []string
	if dirs != nil {
		var err error
		if stale, err = StaleIn(outDir, dirs, files); err != nil {
			_ = w.st.Abort()
			return WriteResult{}, err
		}
	}
	var outs []outfile.File
	for _, f := range files {
		outs = append(outs, outfile.File{Path: w.path(f.Name), Data: f.Data})
	}
	var stalePaths []string
	for _, name := range stale {
		stalePaths = append(stalePaths, w.path(name))
	}
	r, err := w.st.Commit(outs, stalePaths)
	if err != nil {
		return WriteResult{}, err
	}
	rel := func(paths []string) []string {
		var names []string
		for _, p := range paths {
			name, err := filepath.Rel(outDir, p)
			if err != nil {
				name = p
			}
			names = append(names, filepath.ToSlash(name))
		}
		return names
	}
	return WriteResult{Written: rel(r.Written), Unchanged: rel(r.Unchanged), Removed: rel(r.Removed), Leftovers: rel(r.Leftovers)}, nil
}
