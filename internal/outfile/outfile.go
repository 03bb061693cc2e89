// Package outfile writes a set of generated files all or nothing: every
// file goes to a temporary file beside its destination first, and only
// when all of them are written are they renamed into place. Files whose
// bytes are already there are left alone, keeping their modification time.
package outfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
)

// File is a destination path and its content.
type File struct {
	Path string
	Data []byte
}

// Write writes files and returns the paths it changed, in order.
func Write(files []File) (written []string, err error) {
	type pending struct{ tmp, dst string }
	var done []pending
	cleanup := func() {
		for _, p := range done {
			os.Remove(p.tmp)
		}
	}
	for _, f := range files {
		if old, err := os.ReadFile(f.Path); err == nil && bytes.Equal(old, f.Data) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			cleanup()
			return nil, err
		}
		tmp, err := os.CreateTemp(filepath.Dir(f.Path), ".slo-*.tmp")
		if err != nil {
			cleanup()
			return nil, err
		}
		_, werr := tmp.Write(f.Data)
		cerr := tmp.Close()
		done = append(done, pending{tmp.Name(), f.Path})
		if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), 0o644)); err != nil {
			cleanup()
			return nil, err
		}
	}
	for _, p := range done {
		if err := os.Rename(p.tmp, p.dst); err != nil {
			cleanup()
			return nil, err
		}
		written = append(written, p.dst)
	}
	return written, nil
}
