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
// is rendered, and, with rel, the compiled rule files of a file that reads
// back without a problem handed to rel (see releaser).
func renderTargets(names []string, in target.Input, cache *readcache.Cache, rel *releaser) []renderedTarget {
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
		n := ob.NumFiles(in)
		r.files = make([]target.File, n)
		r.problems = make([][]error, n)
		errs := make([]error, n)
		par.Each(n, func(i int) {
			f, err := ob.File(in, i)
			if err != nil {
				errs[i] = err
				return
			}
			r.files[i] = f
			r.problems[i] = readBack(f)
			if len(r.problems[i]) == 0 {
				for _, rf := range f.Rules {
					rel.release(rf)
				}
			}
		})
		for _, err := range errs {
			if err != nil {
				r.files, r.problems, r.err = nil, nil, err
				return out[:k+1]
			}
		}
	}
	return out
}

// releaser drops the compiled groups of rule files whose rendered files
// have been read back without a problem, for a compile whose caller needs
// only the rendered files: a thousand services' groups are as large as
// their files, and holding both at once while the loader runs on every
// core set the compile's peak memory. Groups are dropped only once the
// project-wide checks that read every rule file's groups are done (see
// open); until then they wait in pending. A nil *releaser drops nothing.
type releaser struct {
	mu      sync.Mutex
	opened  bool
	pending []*compile.RuleFile
}

// release drops rf's groups, now or when the releaser is opened.
func (r *releaser) release(rf *compile.RuleFile) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.opened {
		rf.Groups = nil
		return
	}
	r.pending = append(r.pending, rf)
}

// open drops the groups released so far, and from now on drops each as it
// is released.
func (r *releaser) open() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opened = true
	for _, rf := range r.pending {
		rf.Groups = nil
	}
	r.pending = nil
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
