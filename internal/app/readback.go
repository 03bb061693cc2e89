package app

import (
	"errors"
	"sync"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/par"
	"github.com/slo-compiler/slo/internal/readcache"
	"github.com/slo-compiler/slo/internal/target"
)

// readBackOrder is the targets a compile for targets renders and reads
// back: the prometheus target first and always, whether or not it is
// written, as its rule files hold every target's groups and its read-back
// places a problem at the spec entry that made the rule; then the others
// in the order given.
func readBackOrder(targets []string) []string {
	order := []string{target.Prometheus}
	for _, t := range targets {
		if t != target.Prometheus {
			order = append(order, t)
		}
	}
	return order
}

// renderedTarget is a target's files and what its read-back refused in
// each (problems[i] for files[i]).
type renderedTarget struct {
	name     string
	files    []target.File
	problems [][]error
	err      error
}

// renderTargets renders the targets named, in order, each reading its
// files back on all cores; a target that can is spared the loader for the
// files cache knows (see target.CachedReader). A target that renders its
// files one by one (see target.OneByOne) has each read back as soon as it
// is rendered; with ln, the prometheus target's rule files are compiled
// just before and dropped after (see lean).
func renderTargets(names []string, in target.Input, cache *readcache.Cache, ln *lean) []renderedTarget {
	out := make([]renderedTarget, len(names))
	for k, name := range names {
		t, ok := target.Lookup(name)
		if !ok {
			panic("app: unknown target " + name) // target.Parse let it through
		}
		r := &out[k]
		r.name = name
		readBack := t.ReadBack
		if cr, ok := t.(target.CachedReader); ok && cache != nil {
			readBack = func(f target.File) []error { return cr.ReadBackCached(f, cache) }
		}
		ob, ok := t.(target.OneByOne)
		if !ok {
			if r.files, r.err = t.Files(in); r.err != nil {
				return out[:k+1]
			}
			r.problems = make([][]error, len(r.files))
			par.Each(len(r.files), func(i int) { r.problems[i] = readBack(r.files[i]) })
			continue
		}
		fileLn := ln
		if name != target.Prometheus {
			fileLn = nil
		}
		n := ob.NumFiles(in)
		r.problems = make([][]error, n)
		r.files, r.err = target.RenderEach(n, func(i int) (target.File, error) {
			fileLn.compile(i)
			f, err := ob.File(in, i)
			if err != nil {
				return f, err
			}
			r.problems[i] = readBack(f)
			return fileLn.done(i, f, len(r.problems[i]) == 0), nil
		})
		if r.err != nil {
			r.problems = nil
			return out[:k+1]
		}
	}
	return out
}

// lean is a compile for a caller that needs only the rendered files (see
// CompileOptions.FilesOnly), for the prometheus target alone, whose file i
// is the rule file of service i: each service's rules are compiled just
// before its file is rendered (the Output starts as compile.Outline), and
// dropped once the file reads back without a problem, keeping only its
// recording rules' names and labels for duplicateRecordsOf; with a
// Writer, a file to write that reads back clean is staged in it, and its
// bytes dropped too. A thousand services' rules are as large as their
// files: compiled all at once, and held with every file while the loader
// ran on every core, they set the compile's peak memory. A nil *lean
// compiles nothing and drops nothing.
type lean struct {
	p       *model.Project
	out     *compile.Output
	w       *Writer
	records [][]recordRule // by service

	mu    sync.Mutex
	names map[string]string // record names, interned
}

func newLean(p *model.Project, out *compile.Output, w *Writer) *lean {
	return &lean{p: p, out: out, w: w, records: make([][]recordRule, len(out.RuleFiles)), names: map[string]string{}}
}

// compile compiles the rules of file i, when it is a service's rule file.
func (ln *lean) compile(i int) {
	if ln == nil || i >= len(ln.out.RuleFiles) {
		return
	}
	ln.out.RuleFiles[i] = compile.Service(ln.p.Services[i])
}

// done is called with file i, f, once it has been read back, and returns
// what to keep of it. It keeps the recording rules of a service's rule
// file, and drops its groups when it read back clean: a file with a
// problem keeps them, to place the problem at the spec. A clean file that
// a compile of a subset writes too (a rule file, see Build.Outputs) is
// staged in the Writer, if any, and kept without its bytes.
func (ln *lean) done(i int, f target.File, clean bool) target.File {
	if ln == nil {
		return f
	}
	if i < len(ln.out.RuleFiles) {
		rf := &ln.out.RuleFiles[i]
		ln.records[i] = recordingRules(*rf, ln.intern)
		if clean {
			rf.Groups = nil
		}
	}
	if clean && f.OneSpec && ln.w != nil {
		ln.w.stage(File{f.Name, f.Data})
		f.Data = nil
	}
	return f
}

func (ln *lean) intern(s string) string {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if v, ok := ln.names[s]; ok {
		return v
	}
	ln.names[s] = s
	return s
}

// ruleFile is service i's rule file with its groups: compiled again when
// they were dropped (compile.Service is a pure function of the service).
func (ln *lean) ruleFile(i int) compile.RuleFile {
	if rf := ln.out.RuleFiles[i]; rf.Groups != nil {
		return rf
	}
	return compile.Service(ln.p.Services[i])
}

// duplicateRecords is the lint/duplicate-record check on the recording
// rules kept.
func (ln *lean) duplicateRecords() diag.List {
	return duplicateRecordsOf(ln.p, ln.records, ln.ruleFile)
}

// placer turns read-back problems into diagnostics at the spec: a rule's
// at the spec entry that made it (see locateRules), an Alertmanager
// config's where the refused part was written (see alertmanagerDiags),
// anything else at the service of the file's first rule file, or else at
// the file's spec file. The prometheus target's rule problems are
// rules/invalid, the other targets' target/invalid.
type placer struct {
	p        *model.Project
	out      *compile.Output
	locators map[*compile.RuleFile]ruleLocator
}

func newPlacer(p *model.Project, out *compile.Output) *placer {
	return &placer{p: p, out: out}
}

func (pl *placer) diags(name string, f target.File, problems []error) diag.List {
	var diags diag.List
	for _, e := range problems {
		var rp *target.RuleProblem
		var cr *target.ConfigRefusal
		switch {
		case errors.As(e, &rp) && len(f.Rules) > 0:
			at := pl.locate(heldBy(f.Rules, rp))
			if name == target.Prometheus {
				diags = append(diags, ruleDiag(rp, at))
			} else {
				diags.Errorf(at(rp.Group, rp.Rule), "target/invalid", "the compiled %s is refused by the %s target's loader: %s", f.Name, name, rp.Msg)
			}
		case errors.As(e, &cr) && f.Alertmanager != nil:
			diags = append(diags, alertmanagerDiags(f.Alertmanager, pl.p, cr.Config, cr.Err)...)
		default:
			pos := diag.Pos{File: f.Source}
			if len(f.Rules) > 0 {
				pos = pl.locate(f.Rules[0])("", 0)
			}
			diags.Errorf(pos, "target/invalid", "the compiled %s is refused by the %s target's loader: %v", f.Name, name, e)
		}
	}
	return diags
}

// heldBy is the rule file, of the ones a file holds (rfs, in order), that
// holds the group rp is about: by the group's place when rp gives it, else
// by its name; the first when neither finds one.
func heldBy(rfs []*compile.RuleFile, rp *target.RuleProblem) *compile.RuleFile {
	if i := rp.Index; i > 0 {
		for _, rf := range rfs {
			if i <= len(rf.Groups) {
				return rf
			}
			i -= len(rf.Groups)
		}
	}
	for _, rf := range rfs {
		for _, g := range rf.Groups {
			if g.Name == rp.Group {
				return rf
			}
		}
	}
	return rfs[0]
}

// locate is the locator of rf, one of pl.out's rule files, made on first
// use; a rule file of no service's is placed at its spec file.
func (pl *placer) locate(rf *compile.RuleFile) ruleLocator {
	if at, ok := pl.locators[rf]; ok {
		return at
	}
	at := ruleLocator(func(string, int) diag.Pos { return diag.Pos{File: rf.Source} })
	for i := range pl.out.RuleFiles {
		if &pl.out.RuleFiles[i] == rf && i < len(pl.p.Services) {
			at = locateRules(pl.p.Services[i], *rf)
		}
	}
	if pl.locators == nil {
		pl.locators = map[*compile.RuleFile]ruleLocator{}
	}
	pl.locators[rf] = at
	return at
}

// ruleDiag is the diagnostic of a rule file's read-back problem, placed by
// at.
func ruleDiag(rp *target.RuleProblem, at ruleLocator) diag.Diagnostic {
	var ds diag.List
	ds.Errorf(at(rp.Group, rp.Rule), "rules/invalid", "%s", rp.Msg)
	return ds[0]
}

// cacheSetting is the read-back cache's folder as UseReadCache set it.
var cacheSetting string

// UseReadCache sets where the read-back cache lives (see package
// readcache): dir, or "off" for no cache; "" is the default, the
// SLO_CACHE environment variable or else the user cache folder's slo.
// Every later compile of the process uses it.
func UseReadCache(dir string) { cacheSetting = dir }

// openReadCache opens the read-back cache UseReadCache set; nil when off.
func openReadCache() *readcache.Cache {
	return readcache.Open(readcache.Folder(cacheSetting))
}
