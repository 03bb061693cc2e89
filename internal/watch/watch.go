// Package watch reports the files that change under a set of folders, in
// batches: one batch per save, however the editor saves. A save is often
// several events (a write and a truncate, an atomic rename of a temporary
// file into place, vim's rename to a backup and a new file), so a batch is
// reported only once no event came for a quiet interval. New subfolders of
// a folder watched recursively are watched as they appear, and the files
// they already hold are reported.
package watch

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultQuiet is how long a batch waits for more events: long enough to
// join the events of one save (they come within a few milliseconds), short
// next to the second a rerun may take.
const DefaultQuiet = 100 * time.Millisecond

// maxWait bounds how long a batch is held back while events keep coming
// (a file written continuously, a checkout of many files).
const maxWait = 2 * time.Second

// Batch is the set of files that changed, created or removed since the
// last batch, sorted, as paths below the folders added.
type Batch struct {
	Paths []string
	// Overflow is set when the system dropped events: some changes may be
	// missing from Paths, and the receiver should look at every file.
	Overflow bool
}

// Watcher watches folders. Its zero value is not usable; call New.
type Watcher struct {
	fsw   *fsnotify.Watcher
	quiet time.Duration
	keep  func(path string) bool

	mu        sync.Mutex
	watched   map[string]bool // folders watched
	recursive map[string]bool // folders whose new subfolders are watched
}

// New returns a watcher that reports the files keep accepts (nil: every
// file), once no event came for quiet (0: DefaultQuiet).
func New(quiet time.Duration, keep func(path string) bool) (*Watcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	if quiet <= 0 {
		quiet = DefaultQuiet
	}
	if keep == nil {
		keep = func(string) bool { return true }
	}
	return &Watcher{fsw: fsw, quiet: quiet, keep: keep, watched: map[string]bool{}, recursive: map[string]bool{}}, nil
}

// Close stops watching.
func (w *Watcher) Close() error { return w.fsw.Close() }

// Add watches dir, and with recursive every folder below it, now and as
// they are created. Adding a folder twice is harmless.
func (w *Watcher) Add(dir string, recursive bool) error {
	_, err := w.add(dir, recursive)
	return err
}

// add watches dir (and its subfolders when recursive) and returns the
// files found in the folders it newly watches.
func (w *Watcher) add(dir string, recursive bool) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var found []string
	if !recursive {
		return nil, w.watch(dir)
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path != dir && errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walked
			}
			return err
		}
		if !d.IsDir() {
			found = append(found, path)
			return nil
		}
		w.recursive[path] = true
		return w.watch(path)
	})
	return found, err
}

func (w *Watcher) watch(dir string) error {
	if w.watched[dir] {
		return nil
	}
	if err := w.fsw.Add(dir); err != nil {
		return err
	}
	w.watched[dir] = true
	return nil
}

// forget drops a folder that was removed or renamed (the system has already
// dropped its watch).
func (w *Watcher) forget(dir string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for d := range w.watched {
		if d == dir || isBelow(d, dir) {
			delete(w.watched, d)
			delete(w.recursive, d)
		}
	}
}

func (w *Watcher) isWatched(dir string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.watched[dir]
}

func (w *Watcher) recursiveParent(path string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.recursive[filepath.Dir(path)]
}

func isBelow(path, dir string) bool {
	return strings.HasPrefix(path, dir+string(filepath.Separator))
}

// Run reports batches to fn until ctx is done (then it returns nil), fn
// returns an error, or the watcher fails. fn runs on Run's goroutine: the
// events that come while it runs make up the next batch.
func (w *Watcher) Run(ctx context.Context, fn func(Batch) error) error {
	pending := map[string]bool{}
	overflow := false
	var first time.Time
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	arm := func() {
		now := time.Now()
		if len(pending) == 0 && !overflow {
			return
		}
		if first.IsZero() {
			first = now
		}
		wait := w.quiet
		if left := maxWait - now.Sub(first); left < wait {
			wait = max(left, 0)
		}
		timer.Reset(wait)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return nil
			}
			for _, p := range w.handle(ev) {
				pending[p] = true
			}
			arm()
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return nil
			}
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				return err
			}
			overflow = true
			arm()
		case <-timer.C:
			b := Batch{Overflow: overflow}
			for p := range pending {
				b.Paths = append(b.Paths, p)
			}
			slices.Sort(b.Paths)
			clear(pending)
			overflow, first = false, time.Time{}
			if err := fn(b); err != nil {
				return err
			}
		}
	}
}

// handle returns the files an event reports, and watches a new subfolder.
func (w *Watcher) handle(ev fsnotify.Event) []string {
	if ev.Op == fsnotify.Chmod {
		return nil // attributes only (or a removal, which Remove reports)
	}
	path := ev.Name
	if ev.Has(fsnotify.Create) {
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			if !w.recursiveParent(path) {
				return nil
			}
			// Files may have landed in it before its watch was set.
			found, _ := w.add(path, true)
			var out []string
			for _, f := range found {
				if w.keep(f) {
					out = append(out, f)
				}
			}
			return out
		}
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		if w.isWatched(path) {
			w.forget(path)
			return nil
		}
	}
	if !w.keep(path) {
		return nil
	}
	return []string{path}
}
