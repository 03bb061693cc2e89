package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/outfile"
	"github.com/slo-compiler/slo/internal/spec"
	"github.com/slo-compiler/slo/internal/validate"
)

// ImportOptions configure slo import.
type ImportOptions struct {
	// Paths are the files (or folders of them) to import.
	Paths []string
	// Out is the folder the slo/v1 specs are written to.
	Out string
	// Force lets an import replace files that already exist in Out.
	Force bool
}

// ImportedFile is one slo/v1 spec made from one input file, or from
// several whose documents name one service.
type ImportedFile struct {
	// From are the input files, in input order; Path is the spec to
	// write, named after the first.
	From []string
	Path string
	// Formats name the formats the inputs were written in.
	Formats []string
	Data    []byte
}

// Import translates files of other formats (Sloth, OpenSLO, Pyrra; see
// package input) into slo/v1 specs, one per input file, named after it.
// Inputs whose documents name one service make one spec, named after the
// first, with the SLOs of all of them in input order (see input.Merge):
// Sloth reads each file on its own, slo keeps a service in one spec.
// Folders are walked as slo compile walks them; the slo/v1 files found
// there are passed over, and a slo/v1 file named on its own is an error.
// The specs must validate, read back from the bytes to write, before any
// is returned: a team moving over gets specs that compile. Problems in the
// input are diagnostics, with no files; an output file that exists is an
// error unless Force.
func Import(opts ImportOptions) ([]ImportedFile, diag.List, error) {
	paths, err := input.SpecFiles(opts.Paths)
	if err != nil {
		return nil, nil, err
	}
	if len(opts.Paths) == 0 || len(paths) == 0 {
		return nil, nil, fmt.Errorf("no files to import")
	}
	// A file named on its own must be one to import; a folder's slo/v1
	// files are passed over.
	named := map[string]bool{}
	for _, p := range opts.Paths {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			named[input.RealPath(p)] = true
		}
	}
	var diags diag.List
	var specs []*spec.File
	var translated []input.Translated
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		res, ds := input.Translate(path, src)
		diags = append(diags, ds...)
		if ds.HasErrors() {
			continue
		}
		if len(res.Formats) == 0 && !named[input.RealPath(path)] {
			continue
		}
		if len(res.Formats) == 0 {
			diags.Errorf(diag.Pos{File: path}, "input/format", "already an slo/v1 spec, nothing to import; slo import reads %s", "Sloth, OpenSLO and Pyrra files")
			continue
		}
		if len(res.Docs) == 0 {
			// Read, but nothing in it becomes a spec (an OpenSLO Service
			// without SLOs, say; the warnings above say why). A file named
			// on its own was meant to be imported; a folder's is passed
			// over, as its other files may hold the SLOs.
			if named[input.RealPath(path)] {
				diags.Errorf(diag.Pos{File: path}, "input/format", "nothing to import: its %s documents hold no SLO", strings.Join(res.Formats, " and "))
			}
			continue
		}
		// Positions still point into the input, for the diagnostics of
		// validation.
		f, ds := spec.ParseDocuments(path, src, res.Docs)
		diags = append(diags, ds...)
		if f != nil {
			specs = append(specs, f)
		}
		translated = append(translated, input.Translated{Path: path, Result: res})
	}
	if diags.HasErrors() {
		return nil, diags, nil
	}
	merged, ds := input.Merge(translated)
	diags = append(diags, ds...)
	var out []ImportedFile
	names := map[string]string{}
	for _, m := range merged {
		data, err := input.Encode(m)
		if err != nil {
			return nil, diags, err
		}
		path := m.From[0]
		base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + ".yaml"
		if prev, dup := names[base]; dup {
			diags.Errorf(diag.Pos{File: path}, "input/format", "imports to %s, as %s does; import them into different folders", base, prev)
			continue
		}
		names[base] = path
		out = append(out, ImportedFile{From: m.From, Path: filepath.Join(opts.Out, base), Formats: m.Formats, Data: data})
	}
	if diags.HasErrors() {
		return nil, diags, nil
	}
	if len(out) == 0 {
		return nil, diags, fmt.Errorf("no SLO to import under %s: slo import reads the SLOs of Sloth, OpenSLO and Pyrra files", strings.Join(opts.Paths, ", "))
	}
	// Validate as merged, with the positions of the inputs.
	specs = mergeServices(specs)
	_, ds = validate.Project(specs, validate.Options{ReadFile: os.ReadFile})
	diags = append(diags, ds...)
	if diags.HasErrors() {
		return nil, diags, nil
	}
	// Read back what would be written: it must decode and validate as the
	// input did.
	var back []*spec.File
	for _, f := range out {
		sf, ds := spec.Parse(f.Path, f.Data)
		if ds.HasErrors() || sf == nil {
			return nil, diags, fmt.Errorf("the slo/v1 spec imported from %s does not read back: %v", strings.Join(f.From, ", "), ds)
		}
		back = append(back, sf)
	}
	if _, ds := validate.Project(back, validate.Options{ReadFile: os.ReadFile}); ds.HasErrors() {
		return nil, diags, fmt.Errorf("the slo/v1 specs imported do not validate: %v", ds)
	}
	return out, diags, nil
}

// mergeServices moves the SLOs and alerts of every service document into
// the first of its name, as input.Merge does with the documents to write,
// and drops the later documents and files left with none; the positions
// stay those of the inputs. The files are changed in place.
func mergeServices(files []*spec.File) []*spec.File {
	first := map[string]*spec.Service{}
	var out []*spec.File
	for _, f := range files {
		var kept []*spec.Service
		for _, s := range f.Services {
			if s.Service == "" {
				kept = append(kept, s)
				continue
			}
			if to, ok := first[s.Service]; ok {
				to.SLOs = append(to.SLOs, s.SLOs...)
				to.Alerts = append(to.Alerts, s.Alerts...)
				continue
			}
			first[s.Service] = s
			kept = append(kept, s)
		}
		f.Services = kept
		if len(f.Services) > 0 || len(f.Routings) > 0 {
			out = append(out, f)
		}
	}
	return out
}

// WriteImported writes the imported specs all or nothing. A file that
// exists is refused, before anything is written, unless force.
func WriteImported(files []ImportedFile, force bool) (outfile.Result, error) {
	var outs []outfile.File
	for _, f := range files {
		if _, err := os.Stat(f.Path); err == nil && !force {
			return outfile.Result{}, fmt.Errorf("%s exists; pass --force to replace it", f.Path)
		}
		outs = append(outs, outfile.File{Path: f.Path, Data: f.Data})
	}
	return outfile.Commit(outs, nil)
}

// UseSlothPlugins loads the Sloth SLI plugins under dir (see
// input.LoadSlothPlugins) and has every later read of a Sloth spec run
// them for its plugin SLIs; dir "" runs none.
func UseSlothPlugins(dir string) error {
	if dir == "" {
		input.UseSlothPlugins(nil)
		return nil
	}
	p, err := input.LoadSlothPlugins(dir)
	if err != nil {
		return err
	}
	input.UseSlothPlugins(p)
	return nil
}
