package outfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/testfs"

	"github.com/google/go-cmp/cmp"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// failNth returns an operation that fails on its nth call (from 1) and
// otherwise calls real.
func failNth(n int, real func(string) error) func(string) error {
	calls := 0
	return func(path string) error {
		calls++
		if calls == n {
			return &fs.PathError{Op: "injected", Path: path, Err: errors.New("failure")}
		}
		return real(path)
	}
}

func TestCommitAllOrNothing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, dir string)
		files   []string // written with "new <name>"
		stale   []string
		rename  int // fail the nth rename
		remove  int // fail the nth removal
		wantErr string
	}{{
		name: "folder where the second file must go",
		setup: func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "rules/a.yml"), "old a\n")
			os.MkdirAll(filepath.Join(dir, "rules/b.yml"), 0o755)
		},
		files:   []string{"rules/a.yml", "rules/b.yml"},
		wantErr: "rules/b.yml: a folder stands where the file must go",
	}, {
		name: "folder in the way creates no folder",
		setup: func(t *testing.T, dir string) {
			os.MkdirAll(filepath.Join(dir, "alertmanager/alertmanager.yml"), 0o755)
		},
		files:   []string{"rules/a.yml", "overlays/x/d.json", "alertmanager/alertmanager.yml"},
		wantErr: "alertmanager/alertmanager.yml: a folder stands where the file must go",
	}, {
		name: "file where a folder must go",
		setup: func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "overlays"), "not a folder\n")
		},
		files:   []string{"rules/a.yml", "overlays/d.json"},
		wantErr: "overlays: a file stands where a folder must go",
	}, {
		name: "second rename fails",
		setup: func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "rules/a.yml"), "old a\n")
		},
		files:   []string{"rules/a.yml", "new/b.yml", "rules/c.yml"},
		rename:  2,
		wantErr: "injected",
	}, {
		name: "last rename fails after new folders",
		setup: func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "keep.txt"), "keep\n")
		},
		files:   []string{"rules/a.yml", "alertmanager/alertmanager.yml"},
		rename:  2,
		wantErr: "injected",
	}, {
		name: "removal of a stale file fails",
		setup: func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "rules/a.yml"), "old a\n")
			write(t, filepath.Join(dir, "rules/gone.yml"), "gone\n")
			write(t, filepath.Join(dir, "rules/gone2.yml"), "gone 2\n")
		},
		files:   []string{"rules/a.yml", "rules/b.yml"},
		stale:   []string{"rules/gone.yml", "rules/gone2.yml"},
		remove:  2,
		wantErr: "injected",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			before := testfs.Tree(t, dir)
			if tc.rename > 0 || tc.remove > 0 {
				var ren func(string, string) error
				if tc.rename > 0 {
					f := failNth(tc.rename, func(string) error { return nil })
					ren = func(o, n string) error {
						if err := f(n); err != nil {
							return err
						}
						return os.Rename(o, n)
					}
				}
				var rem func(string) error
				if tc.remove > 0 {
					rem = failNth(tc.remove, os.Remove)
				}
				defer InjectFaults(ren, rem)()
			}
			var files []File
			for _, f := range tc.files {
				files = append(files, File{filepath.Join(dir, f), []byte("new " + f + "\n")})
			}
			var stale []string
			for _, s := range tc.stale {
				stale = append(stale, filepath.Join(dir, s))
			}
			res, err := Commit(files, stale)
			wantFailed(t, res, err, tc.wantErr)
			if diff := cmp.Diff(before, testfs.Tree(t, dir)); diff != "" {
				t.Errorf("the folder changed (-before +after):\n%s", diff)
			}
		})
	}
}

// reportFixture is a folder with rules/same.yml, rules/old.yml (mode
// 0600) and rules/gone.yml, and at, a name's path in it: a file to leave,
// one to replace and one to remove.
func reportFixture(t *testing.T) (dir string, at func(string) string) {
	dir = t.TempDir()
	at = func(name string) string { return filepath.Join(dir, name) }
	write(t, at("rules/same.yml"), "same\n")
	write(t, at("rules/old.yml"), "old\n")
	write(t, at("rules/gone.yml"), "gone\n")
	os.Chmod(at("rules/old.yml"), 0o600)
	return dir, at
}

// noTemporaryFiles fails on any name of tree (a testfs.Tree) that looks
// like a temporary file of outfile's, .slo-*, whether or not IsTemp takes
// it for one.
func noTemporaryFiles(t *testing.T, tree map[string]string) {
	t.Helper()
	for name := range tree {
		if strings.Contains(name, ".slo-") {
			t.Errorf("temporary file left behind: %s", name)
		}
	}
}

func TestCommitReports(t *testing.T) {
	dir, at := reportFixture(t)
	res, err := Commit([]File{
		{at("rules/same.yml"), []byte("same\n")},
		{at("rules/old.yml"), []byte("changed\n")},
		{at("overlays/new.json"), []byte("{}\n")},
	}, []string{at("rules/gone.yml"), at("rules/never-there.yml")})
	if err != nil {
		t.Fatal(err)
	}
	want := Result{
		Written:   []string{at("rules/old.yml"), at("overlays/new.json")},
		Unchanged: []string{at("rules/same.yml")},
		Removed:   []string{at("rules/gone.yml")},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got := testfs.Tree(t, dir)
	if _, ok := got["rules/gone.yml"]; ok {
		t.Errorf("stale file still there")
	}
	if b, _ := os.ReadFile(at("rules/old.yml")); string(b) != "changed\n" {
		t.Errorf("rules/old.yml = %q", b)
	}
	if st, _ := os.Stat(at("rules/old.yml")); st.Mode().Perm() != 0o600 {
		t.Errorf("a replaced file lost its mode: %v", st.Mode())
	}
	if st, _ := os.Stat(at("overlays/new.json")); st.Mode().Perm() != 0o644 {
		t.Errorf("a new file has mode %v, want 0644", st.Mode())
	}
	noTemporaryFiles(t, got)
}

// TestCommitThroughLinkedFolder: an output folder that is a link to a
// folder is written into, not refused.
func TestCommitThroughLinkedFolder(t *testing.T) {
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	if err := os.MkdirAll(at("shared/rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(at("shared/rules"), at("rules")); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	res, err := Commit([]File{{at("rules/a.yml"), []byte("a\n")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 1 {
		t.Errorf("written %v", res.Written)
	}
	if b, err := os.ReadFile(at("shared/rules/a.yml")); err != nil || string(b) != "a\n" {
		t.Errorf("shared/rules/a.yml = %q, %v", b, err)
	}
}

// TestCommitRollbackFails: when the roll-back fails too, the error says
// the output may be partly written (ErrPartial); otherwise it never does.
func TestCommitRollbackFails(t *testing.T) {
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	write(t, at("rules/a.yml"), "old a\n")
	calls := 0
	defer InjectFaults(func(o, n string) error {
		calls++
		if calls >= 2 { // the second file's rename, and the roll-back's
			return errors.New("injected")
		}
		return os.Rename(o, n)
	}, nil)()
	_, err := Commit([]File{{at("rules/a.yml"), []byte("new a\n")}, {at("rules/b.yml"), []byte("b\n")}}, nil)
	if !errors.Is(err, ErrPartial) {
		t.Errorf("err = %v; want ErrPartial", err)
	}
	restore := InjectFaults(func(o, n string) error { return errors.New("injected") }, nil)
	_, err = Commit([]File{{at("rules/c.yml"), []byte("c\n")}}, nil)
	restore()
	if err == nil || errors.Is(err, ErrPartial) {
		t.Errorf("err = %v; want an error without ErrPartial", err)
	}
}

// sameContent says same only for the very bytes: not for a file one byte
// longer or shorter, one differing in its last byte, or one past the
// comparison buffer that differs beyond it.
func TestSameContent(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), 5000) // 80,000 bytes, past one buffer
	bigLast := bytes.Clone(big)
	bigLast[len(bigLast)-1] = 'X'
	for _, tc := range []struct {
		name       string
		file, data []byte
		want       bool
	}{
		{"same", []byte("groups: []\n"), []byte("groups: []\n"), true},
		{"empty both", nil, nil, true},
		{"last byte", []byte("groups: []\n"), []byte("groups: []\r"), false},
		{"file longer", []byte("groups: []\n\n"), []byte("groups: []\n"), false},
		{"file shorter", []byte("groups: []"), []byte("groups: []\n"), false},
		{"big same", big, big, true},
		{"big last byte", bigLast, big, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			if err := os.WriteFile(path, tc.file, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := sameContent(path, tc.data)
			if err != nil || got != tc.want {
				t.Errorf("sameContent = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if _, err := sameContent(filepath.Join(dir, "missing"), nil); err == nil {
		t.Error("a missing file compares without an error")
	}
}

// TestStagerWritesAsItGoes: Stage writes a file that differs from its
// destination to a temporary file at once, creating its folder, and
// writes nothing for one already in place; Commit, given the staged files
// without their bytes and the others with theirs, reports them in its
// order as Commit does, keeps a replaced file's mode and leaves no
// temporary file.
func TestStagerWritesAsItGoes(t *testing.T) {
	dir, at := reportFixture(t)
	var s Stager
	for _, f := range []File{
		{at("rules/same.yml"), []byte("same\n")},
		{at("rules/old.yml"), []byte("changed\n")},
		{at("new/a.yml"), []byte("a\n")},
	} {
		if err := s.Stage(f); err != nil {
			t.Fatal(err)
		}
	}
	var temps []string
	for name := range testfs.Tree(t, dir) {
		if strings.Contains(name, ".slo-") {
			temps = append(temps, name)
			if !IsTemp(filepath.Base(name)) {
				t.Errorf("%s: not named as a temporary file (IsTemp)", name)
			}
		}
	}
	if len(temps) != 2 {
		t.Errorf("temporary files %v, want one for rules/old.yml and one for new/a.yml", temps)
	}
	res, err := s.Commit([]File{
		{Path: at("rules/same.yml")},
		{Path: at("overlays/o.json"), Data: []byte("{}\n")},
		{Path: at("rules/old.yml")},
		{Path: at("new/a.yml")},
	}, []string{at("rules/gone.yml")})
	if err != nil {
		t.Fatal(err)
	}
	want := Result{
		Written:   []string{at("overlays/o.json"), at("rules/old.yml"), at("new/a.yml")},
		Unchanged: []string{at("rules/same.yml")},
		Removed:   []string{at("rules/gone.yml")},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for name, content := range map[string]string{"rules/same.yml": "same\n", "rules/old.yml": "changed\n", "new/a.yml": "a\n", "overlays/o.json": "{}\n"} {
		if b, err := os.ReadFile(at(name)); err != nil || string(b) != content {
			t.Errorf("%s = %q, %v; want %q", name, b, err, content)
		}
	}
	if st, _ := os.Stat(at("rules/old.yml")); st.Mode().Perm() != 0o600 {
		t.Errorf("a replaced file lost its mode: %v", st.Mode())
	}
	got := testfs.Tree(t, dir)
	noTemporaryFiles(t, got)
	if _, ok := got["rules/gone.yml"]; ok {
		t.Errorf("stale file still there")
	}
}

// TestStagerAllOrNothing: whatever a Stager staged, in new folders or old
// ones, is gone after Abort, after a Commit that finds a problem with a
// file staged or not, and after a Commit whose rename fails: the folder is
// as it was.
func TestStagerAllOrNothing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		commit  []string // besides the staged files, with their bytes
		abort   bool
		rename  int // fail the nth rename
		wantErr string
	}{
		{name: "abort", abort: true},
		{name: "folder in the way of a file not staged", commit: []string{"alertmanager/alertmanager.yml"}, wantErr: "a folder stands where the file must go"},
		{name: "second rename fails", rename: 2, wantErr: "injected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			at := func(name string) string { return filepath.Join(dir, name) }
			write(t, at("rules/old.yml"), "old\n")
			os.MkdirAll(at("alertmanager/alertmanager.yml"), 0o755)
			before := testfs.Tree(t, dir)
			var s Stager
			staged := []string{"rules/old.yml", "rules/new.yml", "deep/new/folder/x.yml"}
			for _, name := range staged {
				if err := s.Stage(File{at(name), []byte("new " + name + "\n")}); err != nil {
					t.Fatal(err)
				}
			}
			if tc.abort {
				if err := s.Abort(); err != nil {
					t.Fatal(err)
				}
			} else {
				if tc.rename > 0 {
					f := failNth(tc.rename, func(string) error { return nil })
					defer InjectFaults(func(o, n string) error {
						if err := f(n); err != nil {
							return err
						}
						return os.Rename(o, n)
					}, nil)()
				}
				var files []File
				for _, name := range staged {
					files = append(files, File{Path: at(name)})
				}
				for _, name := range tc.commit {
					files = append(files, File{at(name), []byte("new " + name + "\n")})
				}
				res, err := s.Commit(files, nil)
				wantFailed(t, res, err, tc.wantErr)
			}
			if diff := cmp.Diff(before, testfs.Tree(t, dir)); diff != "" {
				t.Errorf("the folder changed (-before +after):\n%s", diff)
			}
			if err := s.Stage(File{at("late.yml"), []byte("late\n")}); err == nil {
				t.Error("a Stage after the end is taken")
			}
			if _, err := os.Stat(at("late.yml")); err == nil {
				t.Error("a Stage after the end wrote its file")
			}
		})
	}
}

// TestStagerAbortAndCommitExclude: an Abort (an interrupt's) after Commit
// leaves the written files alone, and a Commit after Abort writes nothing.
func TestStagerAbortAndCommitExclude(t *testing.T) {
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	var s Stager
	if err := s.Stage(File{at("rules/a.yml"), []byte("a\n")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit([]File{{Path: at("rules/a.yml")}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Abort(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(at("rules/a.yml")); err != nil || string(b) != "a\n" {
		t.Errorf("after Commit then Abort: rules/a.yml = %q, %v", b, err)
	}

	dir = t.TempDir()
	before := testfs.Tree(t, dir)
	var s2 Stager
	if err := s2.Stage(File{at("x/b.yml"), []byte("b\n")}); err != nil {
		t.Fatal(err)
	}
	if err := s2.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Commit([]File{{Path: at("x/b.yml")}, {at("x/c.yml"), []byte("c\n")}}, nil); err == nil {
		t.Error("a Commit after Abort succeeded")
	}
	if diff := cmp.Diff(before, testfs.Tree(t, dir)); diff != "" {
		t.Errorf("a Commit after Abort wrote (-before +after):\n%s", diff)
	}

	// An Abort that has begun (an interrupt's: done is set, and it waits
	// for the Stages under way) while Commit stages the files not staged
	// yet: Commit writes nothing, and the Abort removes what was staged.
	dir = t.TempDir()
	before = testfs.Tree(t, dir)
	var s3 Stager
	if err := s3.Stage(File{at("y/d.yml"), []byte("d\n")}); err != nil {
		t.Fatal(err)
	}
	s3.mu.Lock()
	s3.done = true // Abort's first step
	s3.mu.Unlock()
	if _, err := s3.Commit([]File{{Path: at("y/d.yml")}, {at("y/e.yml"), []byte("e\n")}}, nil); err == nil {
		t.Error("a Commit during an Abort succeeded")
	}
	if err := s3.Abort(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, testfs.Tree(t, dir)); diff != "" {
		t.Errorf("a Commit during an Abort wrote (-before +after):\n%s", diff)
	}
}

// wantFailed checks a commit that must fail: an error that says wantErr,
// and an empty Result.
func wantFailed(t *testing.T, res Result, err error, wantErr string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Fatalf("err = %v, want one with %q", err, wantErr)
	}
	if diff := cmp.Diff(Result{}, res); diff != "" {
		t.Errorf("result of a failed commit (-want +got):\n%s", diff)
	}
}

func TestIsTemp(t *testing.T) {
	for name, want := range map[string]bool{
		".slo-1.tmp":          true,
		".slo-4294967295.tmp": true,
		".slo-.tmp":           false,
		".slo-12a.tmp":        false,
		".slo-12.tmp.yml":     false,
		"slo-12.tmp":          false,
		".slo-12.yml":         false,
		"api.yml":             false,
	} {
		if got := IsTemp(name); got != want {
			t.Errorf("IsTemp(%q) = %v, want %v", name, got, want)
		}
	}
	// What writeTemp makes is what IsTemp knows.
	tmp, err := writeTemp(t.TempDir(), nil, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer removeTemp(tmp)
	if !IsTemp(filepath.Base(tmp)) {
		t.Errorf("IsTemp(%q) = false for a file of writeTemp", filepath.Base(tmp))
	}
}

// TestCommitSweepsLeftovers: the temporary files a killed run left (which
// no roll-back removed) go with the next Commit that succeeds, in the
// folders of the files it writes, leaves unchanged or removes, and
// nothing else does: not another name, not a folder, not another folder,
// not a temporary file that a Stager of this process holds, and not
// anything when the Commit fails.
func TestCommitSweepsLeftovers(t *testing.T) {
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	write(t, at("rules/same.yml"), "same\n")
	write(t, at("rules/gone.yml"), "gone\n")
	write(t, at("rules/.slo-123.tmp"), "# Code generated by slo\n")
	write(t, at("rules/.slo-45.tmp"), "")
	write(t, at("overlays/.slo-6.tmp"), "{}\n")
	write(t, at("stale-only/x.yml"), "x\n")
	write(t, at("stale-only/.slo-7.tmp"), "")
	for _, name := range []string{"rules/.slo-x.tmp", "rules/.slo-8.tmp.bak", "rules/slo-9.tmp", "other/.slo-10.tmp"} {
		write(t, at(name), "keep\n")
	}
	if err := os.Mkdir(at("rules/.slo-11.tmp"), 0o755); err != nil {
		t.Fatal(err)
	}

	// A Stager of this process is writing into rules/ meanwhile.
	var s Stager
	before := testfs.Tree(t, dir)
	if err := s.Stage(File{at("rules/staged.yml"), []byte("staged\n")}); err != nil {
		t.Fatal(err)
	}
	var staged []string
	for name := range testfs.Tree(t, dir) {
		if _, ok := before[name]; !ok {
			staged = append(staged, name)
		}
	}
	if len(staged) != 1 {
		t.Fatalf("the Stager's temporary files: %v, want one", staged)
	}

	// A Commit that fails sweeps nothing.
	before = testfs.Tree(t, dir)
	restore := InjectFaults(func(string, string) error { return errors.New("injected failure") }, nil)
	res, err := Commit([]File{{at("rules/new.yml"), []byte("new\n")}}, nil)
	restore()
	wantFailed(t, res, err, "injected failure")
	if diff := cmp.Diff(before, testfs.Tree(t, dir)); diff != "" {
		t.Errorf("a failed Commit changed the tree (-before +after):\n%s", diff)
	}

	res, err = Commit([]File{
		{at("rules/same.yml"), []byte("same\n")},
		{at("overlays/new.json"), []byte("{}\n")},
	}, []string{at("rules/gone.yml"), at("stale-only/x.yml")})
	if err != nil {
		t.Fatal(err)
	}
	want := Result{
		Written:   []string{at("overlays/new.json")},
		Unchanged: []string{at("rules/same.yml")},
		Removed:   []string{at("rules/gone.yml"), at("stale-only/x.yml")},
		Leftovers: []string{at("overlays/.slo-6.tmp"), at("rules/.slo-123.tmp"), at("rules/.slo-45.tmp"), at("stale-only/.slo-7.tmp")},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got := testfs.Tree(t, dir)
	for _, name := range []string{"rules/.slo-x.tmp", "rules/.slo-8.tmp.bak", "rules/slo-9.tmp", "other/.slo-10.tmp", "rules/.slo-11.tmp", staged[0]} {
		if _, ok := got[name]; !ok {
			t.Errorf("%s was removed", name)
		}
	}
	for _, path := range want.Leftovers {
		if _, err := os.Lstat(path); err == nil {
			t.Errorf("%s is still there", path)
		}
	}

	// The Stager's Commit still finds its temporary file, and with
	// nothing left over reports none.
	res, err = s.Commit([]File{{Path: at("rules/staged.yml")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Result{Written: []string{at("rules/staged.yml")}}, res); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, ok := live.Load(at(staged[0])); ok {
		t.Errorf("a renamed temporary file is still counted as in use")
	}
}

// TestCommitAfterItsTemporaryFilesWereSwept: another process's Commit into
// the same folder removed this Stager's temporary files as leftovers (the
// package comment says so and calls that unsupported). The rename fails
// and the roll-back, for which a temporary file already gone is no
// failure, leaves the tree as it was: not ErrPartial.
func TestCommitAfterItsTemporaryFilesWereSwept(t *testing.T) {
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	write(t, at("rules/a.yml"), "old a\n")
	before := testfs.Tree(t, dir)
	var s Stager
	for _, f := range []File{{at("rules/a.yml"), []byte("a\n")}, {at("rules/b.yml"), []byte("b\n")}} {
		if err := s.Stage(f); err != nil {
			t.Fatal(err)
		}
	}
	for name := range testfs.Tree(t, dir) {
		if IsTemp(filepath.Base(name)) {
			if err := os.Remove(at(name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	res, err := s.Commit([]File{{Path: at("rules/a.yml")}, {Path: at("rules/b.yml")}}, nil)
	wantFailed(t, res, err, "no such file or directory")
	if errors.Is(err, ErrPartial) {
		t.Errorf("err = %v: a roll-back that found a temporary file gone is not partial", err)
	}
	if diff := cmp.Diff(before, testfs.Tree(t, dir)); diff != "" {
		t.Errorf("the tree changed (-before +after):\n%s", diff)
	}
}
