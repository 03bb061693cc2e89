package app

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/diff"
	"github.com/slo-compiler/slo/internal/harness"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/scenario"
)

// DiffOptions configure slo diff.
type DiffOptions struct {
	// Base and Head are each a folder holding a project or a git revision.
	// An empty Base is the merge base of HEAD with the main branch (main or
	// master, local or origin's); an empty Head is the working tree (Dir).
	Base, Head string
	// Dir is the project folder of the working tree, and where git runs;
	// "" is the current folder.
	Dir string
	// Limits bound the scenarios, as in slo test.
	Limits scenario.Limits
	// NoBehaviour compares the specs only, without running scenarios.
	NoBehaviour bool
	// Plots, when set, is the folder to write a plot of each scenario
	// whose behaviour changed into, base and head on the same axes, with
	// an index.html; the report's behaviours link them.
	Plots string
}

// ErrSideProblems is returned, wrapped, when a side's specs or scenario
// files have errors; the diagnostics say which.
var ErrSideProblems = errors.New("does not compile")

// Diff compiles both sides and compares them. Diagnostics are the errors
// that kept a side from compiling, with positions in a revision written
// REV:path. Nothing in the repository or the working tree is changed: a
// revision is read with git archive into a temporary folder.
func Diff(ctx context.Context, opts DiffOptions) (*diff.Report, diag.List, error) {
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	var sides [2]*diff.Side
	var cleanups []func()
	defer func() {
		for _, c := range cleanups {
			c()
		}
	}()
	for i, arg := range []string{opts.Base, opts.Head} {
		root, label, prefix, cleanup, err := resolveSide(ctx, dir, arg, i == 0, opts.Head)
		if err != nil {
			return nil, nil, err
		}
		if cleanup != nil {
			cleanups = append(cleanups, cleanup)
		}
		s, diags, err := loadSide(root, opts.Limits)
		if prefix != "" {
			diags = relabel(diags, root, prefix)
		}
		if err != nil {
			return nil, diags, fmt.Errorf("%s %s: %w", sideName(i), label, err)
		}
		if s == nil {
			return nil, diags, fmt.Errorf("%s %s: %w", sideName(i), label, ErrSideProblems)
		}
		s.Label = label
		sides[i] = s
	}
	r, err := diff.Compare(sides[0], sides[1], diff.Options{NoBehaviour: opts.NoBehaviour})
	if err != nil || opts.Plots == "" || opts.NoBehaviour {
		return r, nil, err
	}
	if err := writeDiffPlots(opts.Plots, sides[0], sides[1], r); err != nil {
		return nil, nil, fmt.Errorf("--plots: %w", err)
	}
	return r, nil, nil
}

func sideName(i int) string {
	if i == 0 {
		return "base"
	}
	return "head"
}

// relabel writes positions under a revision's temporary folder as
// REV:path.
func relabel(diags diag.List, root, prefix string) diag.List {
	out := make(diag.List, len(diags))
	for i, d := range diags {
		if rel, err := filepath.Rel(root, d.Pos.File); err == nil && !strings.HasPrefix(rel, "..") {
			d.Pos.File = prefix + filepath.ToSlash(rel)
		}
		out[i] = d
	}
	return out
}

// resolveSide returns the folder to read a side from and how to name it.
// A revision is extracted into a temporary folder, which cleanup removes;
// prefix is then "REV:" for its positions.
//
// The default base is the merge base with the main branch of head, when
// head is a revision, or of git's HEAD.
func resolveSide(ctx context.Context, dir, arg string, isBase bool, head string) (root, label, prefix string, cleanup func(), err error) {
	if arg == "" && !isBase {
		return dir, "working tree", "", nil, nil
	}
	if arg != "" {
		if st, err := os.Stat(arg); err == nil && st.IsDir() {
			if input.RealPath(arg) == input.RealPath(dir) {
				return arg, "working tree", "", nil, nil
			}
			return arg, arg, "", nil, nil
		}
	}
	g := gitRunner{ctx: ctx, dir: dir}
	if _, err := g.run("rev-parse", "--git-dir"); err != nil {
		where := dir
		if where == "." {
			where = "the current folder"
		}
		if arg == "" {
			return "", "", "", nil, fmt.Errorf("base: %s is not in a git repository (%v), so there is no main branch to take the merge base with; name both sides as folders: slo diff BASEDIR HEADDIR", where, err)
		}
		return "", "", "", nil, fmt.Errorf("%q is neither a folder nor, as %s is not in a git repository (%v), a git revision", arg, where, err)
	}
	rev, what := arg, ""
	if arg == "" {
		of := "HEAD"
		if st, err := os.Stat(head); head != "" && (err != nil || !st.IsDir()) {
			of = head
		}
		rev, what, err = g.mergeBase(of)
		if err != nil {
			return "", "", "", nil, err
		}
	}
	commit, err := g.run("rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil || commit == "" {
		return "", "", "", nil, fmt.Errorf("%q is neither a folder nor a revision of the git repository here", arg)
	}
	short := commit
	if len(short) > 12 {
		short = short[:12]
	}
	switch {
	case what != "":
		label = short + " (" + what + ")"
	case strings.HasPrefix(commit, arg):
		label = short
	default:
		label = arg + " (" + short + ")"
	}
	sub, err := g.run("rev-parse", "--show-prefix")
	if err != nil {
		return "", "", "", nil, err
	}
	tmp, err := os.MkdirTemp("", "slo-diff-rev-*")
	if err != nil {
		return "", "", "", nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	if err := g.extract(commit, tmp); err != nil {
		cleanup()
		return "", "", "", nil, fmt.Errorf("reading %s: %w", label, err)
	}
	name := rev
	if arg == "" {
		name = short
	}
	return filepath.Join(tmp, filepath.FromSlash(sub)), label, name + ":" + sub, cleanup, nil
}

// gitRunner runs git in a folder.
type gitRunner struct {
	ctx context.Context
	dir string
}

// run runs git with args and returns its output, trimmed; an error
// carries git's own message.
func (g gitRunner) run(args ...string) (string, error) {
	var out, errb bytes.Buffer
	if err := g.stream(&out, &errb, args...); err != nil {
		return "", err
	}
	return strings.TrimSpace(out.String()), nil
}

func (g gitRunner) stream(out, errb *bytes.Buffer, args ...string) error {
	cmd := exec.CommandContext(g.ctx, "git", args...)
	cmd.Dir = g.dir
	cmd.Stdout, cmd.Stderr = out, errb
	// Never prompt, never read the user's pager.
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat")
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return errors.New("git is not installed (or not on PATH)")
		}
		if msg := strings.TrimSpace(errb.String()); msg != "" {
			return errors.New(strings.SplitN(msg, "\n", 2)[0])
		}
		return err
	}
	return nil
}

// mainBranches are the branches whose merge base with HEAD is the default
// base, in the order tried.
var mainBranches = []string{"main", "master", "origin/main", "origin/master"}

// mergeBase returns the merge base of revision of with the first main
// branch that exists.
func (g gitRunner) mergeBase(of string) (commit, what string, err error) {
	for _, b := range mainBranches {
		if _, err := g.run("rev-parse", "--verify", "--quiet", b+"^{commit}"); err != nil {
			continue
		}
		mb, err := g.run("merge-base", "--end-of-options", of, b)
		if err != nil || mb == "" {
			return "", "", fmt.Errorf("base: %s and %s have no common ancestor; name the base: slo diff BASE", of, b)
		}
		return mb, "merge base with " + b, nil
	}
	return "", "", fmt.Errorf("base: no branch named %s to take the merge base with; name the base: slo diff BASE", strings.Join(mainBranches, ", "))
}

// maxArchive bounds what a revision's extract may hold.
const maxArchive = 256 << 20

// extract writes the YAML and JSON files of commit (specs, scenarios,
// routing base configs, dashboards) below dir, reading git archive's
// output as it comes.
func (g gitRunner) extract(commit, dir string) (err error) {
	cmd := exec.CommandContext(g.ctx, "git", "-c", "core.quotePath=false", "archive", "--format=tar", commit)
	cmd.Dir = g.dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			cmd.Process.Kill() // the rest of the archive is not wanted
			cmd.Wait()
			return
		}
		io.Copy(io.Discard, out) // let git finish writing before Wait
		if werr := cmd.Wait(); werr != nil {
			err = werr
			if msg := strings.TrimSpace(errb.String()); msg != "" {
				err = errors.New(strings.SplitN(msg, "\n", 2)[0])
			}
		}
	}()
	tr := tar.NewReader(out)
	total := int64(0)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		ext := strings.ToLower(filepath.Ext(h.Name))
		if ext != ".yaml" && ext != ".yml" && ext != ".json" {
			continue
		}
		name := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(name) {
			continue
		}
		total += h.Size
		if total > maxArchive {
			return fmt.Errorf("its YAML and JSON files hold more than %d MiB", maxArchive>>20)
		}
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		data, err := io.ReadAll(io.LimitReader(tr, h.Size))
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
}

// loadSide compiles the project in root (its specs/ folder, and the
// scenario files under specs/ and tests/) and collects its scenarios as
// slo test does. The side is nil when any diagnostic is an error.
func loadSide(root string, lim scenario.Limits) (*diff.Side, diag.List, error) {
	specsDir := filepath.Join(root, input.DefaultSpecs)
	if st, err := os.Stat(specsDir); err != nil || !st.IsDir() {
		return nil, nil, fmt.Errorf("no %s/ folder", input.DefaultSpecs)
	}
	paths := []string{specsDir}
	if st, err := os.Stat(filepath.Join(root, "tests")); err == nil && st.IsDir() {
		paths = append(paths, filepath.Join(root, "tests"))
	}
	k, err := classify(paths)
	if err != nil {
		return nil, nil, err
	}
	specFiles, scenarioFiles := k.specs, k.scenarios
	if len(specFiles) == 0 {
		return nil, nil, fmt.Errorf("no spec files under %s/", input.DefaultSpecs)
	}
	b, diags, err := Compile(specFiles)
	if err != nil || b == nil {
		return nil, errorsOnly(diags), err
	}
	side := &diff.Side{Root: root, Project: b.Project, Files: map[string][]byte{}}
	for _, f := range b.Files {
		side.Files[f.Name] = f.Data
	}
	var sfiles []*scenario.File
	for i := range b.Project.Services {
		if f, _, _ := generatedScenarios(b, i, lim, nil); f != nil {
			sfiles = append(sfiles, f)
		}
	}
	var problems diag.List
	for _, path := range scenarioFiles {
		f, ds, _, err := loadScenarioFile(path, lim)
		problems = append(problems, ds...)
		if err != nil {
			return nil, errorsOnly(problems), err
		}
		if f != nil {
			sfiles = append(sfiles, f)
		}
	}
	if problems.HasErrors() {
		return nil, errorsOnly(problems), nil
	}
	// Scenarios over a limit are left out, as slo test does not run them.
	side.Scenarios, _ = harness.CheckLimits(sfiles, lim)
	return side, nil, nil
}

// errorsOnly keeps the errors of diags: a side's warnings are slo
// validate's business, not the diff's.
func errorsOnly(diags diag.List) diag.List {
	var out diag.List
	for _, d := range diags {
		if d.Severity == diag.Error {
			out = append(out, d)
		}
	}
	return out
}
