// Package outfile writes a set of generated files, and removes a set of
// stale ones, all or nothing.
//
// Commit first checks every destination (a folder or anything but a plain
// file standing where a file must go is an error before anything is
// touched) and reads the current contents of every file it will replace or
// remove, keeping them aside in memory. It then creates the missing folders,
// writes every changed file to a temporary file in its destination folder,
// and only when all are written renames them into place, one by one. Only
// then does it remove the stale files. When a rename or a removal fails, it
// rolls back: renamed files get their previous contents back (or are
// removed when they are new), removed files are restored, temporary files
// are deleted, and the folders it created are removed again, so that a
// failed Commit leaves the file tree as it found it. The reading and the
// temporary files run on all cores; the renames run in order.
//
// Files whose bytes are already at their destination are left alone,
// keeping their modification time, and reported as unchanged.
//
// A temporary file is named .slo-<digits>.tmp (IsTemp). A run killed
// before it could remove its own (SIGKILL, a power cut) leaves them
// behind, so a Commit that succeeds removes every such file it finds in
// the folders of its files and stale files, except the ones this process
// is using at the moment, and reports them as Leftovers. Files of any
// other name, and other folders, are never touched. Another process
// writing into the same folder meanwhile could lose its temporary files
// so (a Stager's exist from its first Stage to its Commit: a whole
// compile long); its rename then fails and it rolls back: writing one output
// folder from two processes at once is not supported.
//
// A Stager is a Commit whose files are handed over one at a time as they
// are made, each compared and written to its temporary file at once, so
// that their bytes need not all be held until the last one is made; the
// renames, removals and roll-back are Commit's.
package outfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/slo-compiler/slo/internal/par"
)

// File is a destination path and its content.
type File struct {
	Path string
	Data []byte
}

// Result says what Commit did. Paths are as given, in input order.
type Result struct {
	// Written are the files created or changed.
	Written []string
	// Unchanged are the files whose bytes were already there.
	Unchanged []string
	// Removed are the stale files removed.
	Removed []string
	// Leftovers are the temporary files of an earlier, interrupted run
	// that Commit removed from the folders it wrote (see IsTemp).
	Leftovers []string
}

// tempPrefix and tempSuffix frame the names of the temporary files:
// os.CreateTemp puts a decimal number in place of the pattern's star.
const (
	tempPrefix  = ".slo-"
	tempSuffix  = ".tmp"
	tempPattern = tempPrefix + "*" + tempSuffix
)

// IsTemp reports whether name, a file's base name, is the name of one of
// outfile's temporary files, .slo-<digits>.tmp: a file that a caller
// listing an output folder must not take for an output.
func IsTemp(name string) bool {
	digits, ok := strings.CutPrefix(name, tempPrefix)
	if digits, ok = strings.CutSuffix(digits, tempSuffix); !ok || digits == "" {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// live are the temporary files of this process not yet renamed or
// removed, by path: the sweep for an interrupted run's leftovers leaves
// them alone, as another Commit or Stager may be writing them.
var live sync.Map

// removeTemp removes the temporary file tmp. One already gone is no
// error: another process's Commit may have swept it (see the package
// comment), and a roll-back that finds it so has not failed.
func removeTemp(tmp string) error {
	err := os.Remove(tmp)
	live.Delete(tmp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// renameTemp renames the temporary file tmp into place at path.
func renameTemp(tmp, path string) error {
	err := rename(tmp, path)
	if err == nil {
		live.Delete(tmp)
	}
	return err
}

// sweep removes the leftover temporary files (IsTemp) in the folders of
// paths, except this process's own (live), and returns their paths, sorted
// by folder and name. It is the tidying after a Commit that succeeded:
// a leftover that cannot be read or removed stays, and is not an error.
func sweep(paths ...[]string) []string {
	dirs := map[string]bool{}
	for _, ps := range paths {
		for _, p := range ps {
			dirs[filepath.Dir(p)] = true
		}
	}
	var removed []string
	for _, dir := range slices.Sorted(maps.Keys(dirs)) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			path := filepath.Join(dir, e.Name())
			if !e.Type().IsRegular() || !IsTemp(e.Name()) {
				continue
			}
			if _, ok := live.Load(path); ok {
				continue
			}
			if os.Remove(path) == nil {
				removed = append(removed, path)
			}
		}
	}
	return removed
}

// ErrPartial is in the error of a Commit whose roll-back failed too: then,
// and only then, the files may be left partly written.
var ErrPartial = errors.New("rolling back also failed, the output may be partly written")

// The file operations Commit calls that tests make fail (InjectFaults).
var (
	rename = os.Rename
	remove = os.Remove
)

// InjectFaults replaces the rename and the removal Commit uses, so that
// tests can make the nth one fail and check the roll-back; nil keeps the
// real one. The returned function puts the real ones back. Not for use
// outside tests: it is not safe for concurrent Commits.
func InjectFaults(renameFn func(oldpath, newpath string) error, removeFn func(path string) error) (restore func()) {
	oldRename, oldRemove := rename, remove
	if renameFn != nil {
		rename = renameFn
	}
	if removeFn != nil {
		remove = removeFn
	}
	return func() { rename, remove = oldRename, oldRemove }
}

// change is one file Commit writes or removes.
type change struct {
	path string
	data []byte
	// existed, old and mode describe the file as it was.
	existed bool
	old     []byte
	mode    fs.FileMode
	tmp     string // the temporary file, until it is renamed
	done    bool   // renamed into place, or removed
}

// Write writes files all or nothing and returns the paths it changed.
func Write(files []File) (written []string, err error) {
	r, err := Commit(files, nil)
	return r.Written, err
}

// Commit writes files and then removes the files in stale, all or nothing
// (see the package comment). On error the Result is empty.
func Commit(files []File, stale []string) (Result, error) {
	var res Result
	var writes []*change
	// The files are read on all cores; the first error in input order wins.
	// The contents of a file already as wanted are dropped as soon as they
	// are compared: only a file to replace needs them, for the roll-back.
	changes := make([]*change, len(files))
	errs := make([]error, len(files))
	unchanged := make([]bool, len(files))
	par.Each(len(files), func(i int) {
		c := &change{path: files[i].Path, data: files[i].Data, mode: 0o644}
		changes[i] = c
		unchanged[i], errs[i] = c.readOldUnlessSame()
	})
	for i, c := range changes {
		if errs[i] != nil {
			return Result{}, errs[i]
		}
		if unchanged[i] {
			res.Unchanged = append(res.Unchanged, c.path)
			continue
		}
		writes = append(writes, c)
	}
	return apply(res, writes, stale, nil, func(err error) (Result, error) { return Result{}, err })
}

// apply is the end of a Commit, its or a Stager's, once the files to
// write are known (writes; res holds the unchanged ones): it reads the
// files in stale, then renames the writes into place and removes the
// stale files (see tx), rolling back on failure. dirs are the folders
// created already, which a roll-back removes too. When a stale file
// cannot be read, before anything is renamed, the result is fail's.
func apply(res Result, writes []*change, stale, dirs []string, fail func(error) (Result, error)) (Result, error) {
	var removes []*change
	for _, path := range stale {
		c := &change{path: path}
		if err := c.readOld(); err != nil {
			return fail(err)
		}
		if c.existed {
			removes = append(removes, c)
		}
	}
	t := &tx{writes: writes, removes: removes, dirs: dirs}
	if err := t.run(); err != nil {
		if rerr := t.rollback(); rerr != nil {
			return Result{}, fmt.Errorf("%w; %w: %v", err, ErrPartial, rerr)
		}
		return Result{}, err
	}
	for _, c := range writes {
		res.Written = append(res.Written, c.path)
	}
	for _, c := range removes {
		res.Removed = append(res.Removed, c.path)
	}
	res.Leftovers = sweep(res.Written, res.Unchanged, res.Removed)
	return res, nil
}

// Stager is a Commit whose files come one at a time, from any goroutine,
// as they are made (Stage), so that a caller need not hold every file's
// bytes until the last one is ready: each is compared with what its
// destination holds and, when it differs, written to its temporary file at
// once, creating the folders it needs. Commit then does the rest, as the
// package's Commit does: the renames in order, the removals, and on any
// failure the roll-back, which removes every temporary file and folder the
// Stager made too. Abort removes them when the files are not to be written
// after all. A Stager is for one Commit or Abort; the zero value is ready.
type Stager struct {
	mu     sync.Mutex
	staged map[string]*staged // by path
	dirs   []string           // folders created, outermost first
	ready  map[string]bool    // folders that exist now
	done   bool               // Commit or Abort began: Stage takes no more
	// inflight are the Stages under way, which an Abort waits for.
	inflight sync.WaitGroup
	// committed is set once Commit has run: Abort then does nothing.
	committed bool
}

// staged is a file Stage took: its change, with its temporary file when
// it differs from its destination, and what went wrong.
type staged struct {
	c         *change
	unchanged bool
	err       error
}

// Stage takes f: when its destination does not hold f.Data, the bytes go
// to a temporary file in the destination's folder. f.Data is not kept.
// An error (a folder where the file must go, a file that cannot be
// created) is returned, and returned again by Commit.
func (s *Stager) Stage(f File) error {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return errors.New("outfile: a file staged after Commit or Abort")
	}
	s.inflight.Add(1) // Abort waits for it
	s.mu.Unlock()
	defer s.inflight.Done()
	c := &change{path: f.Path, data: f.Data, mode: 0o644}
	same, err := c.readOldUnlessSame()
	if err == nil && !same {
		dir := filepath.Dir(c.path)
		if err = s.mkdirs(dir); err == nil {
			c.tmp, err = writeTemp(dir, c.data, c.mode)
		}
	}
	c.data = nil
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		// Aborted meanwhile (an interrupt): leave nothing behind.
		if c.tmp != "" {
			removeTemp(c.tmp)
		}
		return errors.New("outfile: a file staged after Commit or Abort")
	}
	if s.staged == nil {
		s.staged = map[string]*staged{}
	}
	if old := s.staged[f.Path]; old != nil && old.c.tmp != "" {
		s.dropTemp(old.c) // staged twice: the last one counts
	}
	s.staged[f.Path] = &staged{c: c, unchanged: same, err: err}
	return err
}

// dropTemp removes c's temporary file.
func (s *Stager) dropTemp(c *change) error {
	err := removeTemp(c.tmp)
	c.tmp = ""
	return err
}

// mkdirs creates dir and its missing parents, once for all the files
// staged in it.
func (s *Stager) mkdirs(dir string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return errors.New("outfile: a file staged after Commit or Abort")
	}
	if s.ready[dir] {
		return nil
	}
	t := &tx{}
	err := t.mkdirs(dir)
	s.dirs = append(s.dirs, t.dirs...)
	if err != nil {
		return err
	}
	if s.ready == nil {
		s.ready = map[string]bool{}
	}
	s.ready[dir] = true
	return nil
}

// Commit writes files, staging those not staged yet (on all cores), and
// then removes the files in stale, all or nothing (see the package
// comment): on error, whatever the Stager made is removed too, and the
// Result is empty. A staged file that is not in files is not written.
func (s *Stager) Commit(files []File, stale []string) (Result, error) {
	var todo []File
	s.mu.Lock()
	for _, f := range files {
		if s.staged[f.Path] == nil {
			todo = append(todo, f)
		}
	}
	s.mu.Unlock()
	par.Each(len(todo), func(i int) { s.Stage(todo[i]) })
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		// An Abort began, maybe while the Stages above ran (it sets done
		// at once, then waits for them): it removes what was staged, and
		// a staged file may be missing. Or this is a second Commit.
		return Result{}, errors.New("outfile: Commit after Abort")
	}
	s.done = true
	defer func() { s.committed = true }()
	fail := func(err error) (Result, error) {
		if rerr := s.abort(); rerr != nil {
			return Result{}, fmt.Errorf("%w; %w: %v", err, ErrPartial, rerr)
		}
		return Result{}, err
	}
	var res Result
	var writes []*change
	want := map[string]bool{}
	for _, f := range files {
		st := s.staged[f.Path]
		want[f.Path] = true
		switch {
		case st.err != nil:
			return fail(st.err)
		case st.unchanged:
			res.Unchanged = append(res.Unchanged, f.Path)
		default:
			writes = append(writes, st.c)
		}
	}
	for path, st := range s.staged {
		if !want[path] && st.c.tmp != "" {
			s.dropTemp(st.c)
		}
	}
	return apply(res, writes, stale, s.dirs, fail)
}

// Abort removes every temporary file and folder the Stager made; later
// Stages, and ones under way, leave nothing behind. It may be called from
// any goroutine (an interrupt's); after Commit it does nothing.
func (s *Stager) Abort() error {
	s.mu.Lock()
	s.done = true
	s.mu.Unlock()
	s.inflight.Wait() // each removes what it made, seeing done
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		return nil
	}
	return s.abort()
}

func (s *Stager) abort() error {
	var errs []error
	for _, st := range s.staged {
		if st.c.tmp != "" {
			errs = append(errs, s.dropTemp(st.c))
		}
	}
	for i := len(s.dirs) - 1; i >= 0; i-- {
		errs = append(errs, os.Remove(s.dirs[i]))
	}
	s.dirs = nil
	return errors.Join(errs...)
}

// readOldUnlessSame is readOld for a file to write, which keeps what it
// reads only when the file differs from c.data: a file already as wanted
// is compared a piece at a time, without holding its contents, and
// reported same.
func (c *change) readOldUnlessSame() (same bool, err error) {
	st, err := os.Lstat(c.path)
	if err == nil && st.Mode().IsRegular() && st.Size() == int64(len(c.data)) {
		if same, err := sameContent(c.path, c.data); err == nil && same {
			c.existed, c.mode = true, st.Mode().Perm()
			return true, nil
		}
	}
	// Missing, different, not a plain file, or unreadable: readOld says
	// which, and keeps the contents for the roll-back.
	if err := c.readOld(); err != nil {
		return false, err
	}
	return c.existed && bytes.Equal(c.old, c.data), nil
}

// sameContent reports whether the file at path holds exactly data.
func sameContent(path string, data []byte) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	bp := compareBufs.Get().(*[]byte)
	defer compareBufs.Put(bp)
	buf := *bp
	for {
		n, err := io.ReadFull(f, buf)
		if n > len(data) || !bytes.Equal(buf[:n], data[:n]) {
			return false, nil
		}
		data = data[n:]
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return len(data) == 0, nil
		case err != nil:
			return false, err
		}
	}
}

// compareBufs are sameContent's buffers, one per comparison under way.
var compareBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// readOld reads the file at c.path as it is, if there is one. Anything but
// a plain file there is an error.
func (c *change) readOld() error {
	st, err := os.Lstat(c.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		if f := fileInTheWay(filepath.Dir(c.path)); f != "" {
			return fmt.Errorf("%s: a file stands where a folder must go", f)
		}
		return err
	case st.IsDir():
		return fmt.Errorf("%s: a folder stands where the file must go", c.path)
	case !st.Mode().IsRegular():
		// A link would be replaced by a file, and could not be put back.
		return fmt.Errorf("%s: not a plain file (%s); slo writes only plain files", c.path, st.Mode().Type())
	}
	old, err := os.ReadFile(c.path)
	if err != nil {
		return err
	}
	c.existed, c.old, c.mode = true, old, st.Mode().Perm()
	return nil
}

// fileInTheWay returns the first existing ancestor of dir (dir included)
// that is not a folder, or "".
func fileInTheWay(dir string) string {
	var found string
	for d := dir; ; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil && !st.IsDir() {
			found = d
		} else if err == nil {
			return found
		}
		if filepath.Dir(d) == d {
			return found
		}
	}
}

// tx is one Commit in progress: what it did so far, to roll back.
type tx struct {
	writes, removes []*change
	dirs            []string // folders created, outermost first
}

func (t *tx) run() error {
	// A change a Stager staged has its folder and temporary file already.
	ready := map[string]bool{} // folders that exist now
	for _, c := range t.writes {
		dir := filepath.Dir(c.path)
		if ready[dir] || c.tmp != "" {
			continue
		}
		if err := t.mkdirs(dir); err != nil {
			return err
		}
		ready[dir] = true
	}
	// The temporary files are written on all cores; the first error in
	// input order wins, and the roll-back removes every one written.
	errs := make([]error, len(t.writes))
	par.Each(len(t.writes), func(i int) {
		if c := t.writes[i]; c.tmp == "" {
			c.tmp, errs[i] = writeTemp(filepath.Dir(c.path), c.data, c.mode)
		}
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for _, c := range t.writes {
		if err := renameTemp(c.tmp, c.path); err != nil {
			return err
		}
		c.tmp, c.done = "", true
	}
	for _, c := range t.removes {
		if err := remove(c.path); err != nil {
			return err
		}
		c.done = true
	}
	return nil
}

// mkdirs creates dir and its missing parents, remembering each.
func (t *tx) mkdirs(dir string) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		st, err := os.Stat(d) // a link to a folder is a folder
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("%s: a file stands where a folder must go", d)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil {
			return err
		}
		t.dirs = append(t.dirs, missing[i])
	}
	return nil
}

// rollback undoes what run did, in reverse order.
func (t *tx) rollback() error {
	var errs []error
	for i := len(t.removes) - 1; i >= 0; i-- {
		if c := t.removes[i]; c.done {
			errs = append(errs, restore(c))
		}
	}
	for i := len(t.writes) - 1; i >= 0; i-- {
		c := t.writes[i]
		switch {
		case c.done && c.existed:
			errs = append(errs, restore(c))
		case c.done:
			errs = append(errs, os.Remove(c.path))
		case c.tmp != "":
			errs = append(errs, removeTemp(c.tmp))
		}
	}
	for i := len(t.dirs) - 1; i >= 0; i-- {
		errs = append(errs, os.Remove(t.dirs[i]))
	}
	return errors.Join(errs...)
}

// restore puts c's previous contents back at its path.
func restore(c *change) error {
	tmp, err := writeTemp(filepath.Dir(c.path), c.old, c.mode)
	if err != nil {
		return err
	}
	if err := renameTemp(tmp, c.path); err != nil {
		removeTemp(tmp)
		return err
	}
	return nil
}

// writeTemp writes data to a new temporary file in dir and returns its
// path.
func writeTemp(dir string, data []byte, mode fs.FileMode) (string, error) {
	f, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		// Without the temporary file's random name, so that the message
		// is the same on every run.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", fmt.Errorf("%s: cannot create a file there: %w", dir, err)
	}
	live.Store(f.Name(), true)
	_, werr := f.Write(data)
	merr := f.Chmod(mode)
	cerr := f.Close()
	if err := errors.Join(werr, merr, cerr); err != nil {
		removeTemp(f.Name())
		return "", err
	}
	return f.Name(), nil
}
