// Package scaffold holds the starter project slo init writes: a spec, the
// routing document with its base Alertmanager config, a scenario file, a
// Grafana dashboard that shows the spec's thresholds, and the GitHub
// workflow that runs slo check. The compiled output (Generated) is not
// held here: slo init compiles the starter specs, so that it is what the
// running slo writes.
package scaffold

import (
	"embed"
	"io/fs"
	"path"
)

//go:embed all:project
var project embed.FS

// File is a starter file: its slash-separated path below the project
// folder, and its content.
type File struct {
	Name string
	Data []byte
}

// Files returns the starter files, sorted by name.
func Files() []File {
	var out []File
	err := fs.WalkDir(project, "project", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := project.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, File{Name: path.Clean(p[len("project/"):]), Data: data})
		return nil
	})
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return out
}

// Generated are the files slo compile writes for the starter specs.
var Generated = []string{"rules/checkout.yml", "alertmanager/alertmanager.yml", "overlays/checkout.json"}
