package watch

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// wait bounds how long a test waits for a batch: not a speed assertion,
// only a guard against a hang.
const wait = time.Minute

func yamlOnly(p string) bool { return strings.HasSuffix(p, ".yaml") }

// start runs a watcher on dir (recursive) and returns its batches.
func start(t *testing.T, dir string) <-chan Batch {
	t.Helper()
	w, err := New(0, yamlOnly)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if err := w.Add(dir, true); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	batches := make(chan Batch, 16)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, func(b Batch) error { batches <- b; return nil }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(wait):
			t.Error("Run did not return after cancel")
		}
	})
	return batches
}

func next(t *testing.T, batches <-chan Batch) Batch {
	t.Helper()
	select {
	case b := <-batches:
		return b
	case <-time.After(wait):
		t.Fatal("no batch")
	}
	return Batch{}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSaveIsOneBatch: the events of one save, however the editor makes
// them, come as one batch naming the file, without the editor's own files.
func TestSaveIsOneBatch(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "a.yaml")
	write(t, spec, "v: 1\n")
	batches := start(t, dir)

	saves := map[string]func(){
		"in place": func() { write(t, spec, "v: 2\n") },
		"atomic rename": func() {
			write(t, spec+".tmp", "v: 3\n")
			if err := os.Rename(spec+".tmp", spec); err != nil {
				t.Fatal(err)
			}
		},
		"vim backup": func() {
			write(t, filepath.Join(dir, "4913"), "")
			os.Remove(filepath.Join(dir, "4913"))
			if err := os.Rename(spec, spec+"~"); err != nil {
				t.Fatal(err)
			}
			write(t, spec, "v: 4\n")
			os.Remove(spec + "~")
		},
	}
	for _, name := range []string{"in place", "atomic rename", "vim backup"} {
		saves[name]()
		if diff := cmp.Diff([]string{spec}, next(t, batches).Paths); diff != "" {
			t.Errorf("%s: batch (-want +got):\n%s", name, diff)
		}
	}
	// Had a save been split into several batches, the rest would come
	// before this one.
	other := filepath.Join(dir, "b.yaml")
	write(t, other, "v: 1\n")
	if diff := cmp.Diff([]string{other}, next(t, batches).Paths); diff != "" {
		t.Errorf("a save left more batches behind (-want +got):\n%s", diff)
	}
}

// TestNewFolder: a folder created under a watched one is watched, and the
// files it already held when its watch was set are reported.
func TestNewFolder(t *testing.T) {
	dir := t.TempDir()
	batches := start(t, dir)

	// Written before the watcher can have seen the folder.
	tmp := t.TempDir()
	write(t, filepath.Join(tmp, "sub", "deep", "b.yaml"), "v: 1\n")
	if err := os.Rename(filepath.Join(tmp, "sub"), filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	b := filepath.Join(dir, "sub", "deep", "b.yaml")
	if diff := cmp.Diff([]string{b}, next(t, batches).Paths); diff != "" {
		t.Errorf("moved-in folder: batch (-want +got):\n%s", diff)
	}
	// Then a save inside it is seen.
	write(t, b, "v: 2\n")
	if diff := cmp.Diff([]string{b}, next(t, batches).Paths); diff != "" {
		t.Errorf("save in the new folder: batch (-want +got):\n%s", diff)
	}
	// And a removed file is a change too.
	os.Remove(b)
	if diff := cmp.Diff([]string{b}, next(t, batches).Paths); diff != "" {
		t.Errorf("removal: batch (-want +got):\n%s", diff)
	}
}

// TestRealEditorSaves: the saves of real editors (vim with its default
// backup settings and with the other two ways it can write, GNU sed -i,
// ed), each run on the file as a user would, come as one batch naming the
// file and nothing else. An editor that is not installed is skipped, with
// a note.
func TestRealEditorSaves(t *testing.T) {
	// Each save writes "v: n", n its number: a batch left over from an
	// earlier save would come first and fail the check of the next.
	vim := func(set string) func(path string, n int) []string {
		return func(path string, n int) []string {
			// -u NONE -i NONE: no vimrc or viminfo of the machine; -N:
			// not vi-compatible, as vim starts for a user with a vimrc.
			return []string{"-u", "NONE", "-i", "NONE", "-N", "-es", "-c", set, "-c", fmt.Sprintf("%%s/v: \\d\\+/v: %d/", n), "-c", "wq", path}
		}
	}
	editors := []struct {
		name  string
		cmd   string // the editor's command, or alternatives: vim|vim.tiny
		args  func(path string, n int) []string
		stdin string // with %d for n
	}{
		{name: "vim, default backupcopy", cmd: "vim|vim.tiny", args: vim("set writebackup")},
		{name: "vim, backupcopy=no (rename)", cmd: "vim|vim.tiny", args: vim("set backupcopy=no backup")},
		{name: "vim, backupcopy=yes (in place)", cmd: "vim|vim.tiny", args: vim("set backupcopy=yes")},
		{name: "sed -i", cmd: "sed", args: func(p string, n int) []string { return []string{"-i", fmt.Sprintf("s/v: [0-9]*/v: %d/", n), p} }},
		{name: "ed", cmd: "ed", args: func(p string, _ int) []string { return []string{"-s", p} }, stdin: ",s/v: [0-9]*/v: %d/\nw\nq\n"},
	}
	dir := t.TempDir()
	spec := filepath.Join(dir, "a.yaml")
	write(t, spec, "v: 0\n")
	batches := start(t, dir)
	for i, e := range editors {
		n := i + 1
		var bin string
		for _, c := range strings.Split(e.cmd, "|") {
			if p, err := exec.LookPath(c); err == nil {
				bin = p
				break
			}
		}
		if bin == "" {
			t.Logf("%s: skipped, %s is not installed", e.name, e.cmd)
			continue
		}
		cmd := exec.Command(bin, e.args(spec, n)...)
		cmd.Dir = dir
		if e.stdin != "" {
			cmd.Stdin = strings.NewReader(fmt.Sprintf(e.stdin, n))
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", e.name, err, out)
		}
		want := fmt.Sprintf("v: %d\n", n)
		if got, err := os.ReadFile(spec); err != nil || string(got) != want {
			t.Fatalf("%s: the file holds %q (%v), want %q: the editor did not save", e.name, got, err, want)
		}
		if diff := cmp.Diff([]string{spec}, next(t, batches).Paths); diff != "" {
			t.Errorf("%s: batch (-want +got):\n%s", e.name, diff)
		}
	}
	// Had a save been split into several batches, the rest would come
	// before this one.
	other := filepath.Join(dir, "b.yaml")
	write(t, other, "v: 1\n")
	if diff := cmp.Diff([]string{other}, next(t, batches).Paths); diff != "" {
		t.Errorf("a save left more batches behind (-want +got):\n%s", diff)
	}
}
