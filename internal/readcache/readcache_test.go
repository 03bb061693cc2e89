package readcache

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func digestOf(s string) Digest {
	var d Digest
	copy(d[:], s)
	return d
}

// saved returns the cache of loader id in dir after adding key, with
// digestOf("d"), and saving it.
func saved(t *testing.T, dir, id string, key []byte) *Cache {
	t.Helper()
	c := OpenID(dir, id)
	c.Add(KeyOf(key), digestOf("d"))
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSaveAndReopen: what one run adds, the next run of the same loader
// finds, by the exact bytes; a changed byte or another loader misses.
func TestSaveAndReopen(t *testing.T) {
	dir := t.TempDir()
	file := []byte("groups:\n  - name: a\n")
	c := OpenID(dir, "loader-1")
	if _, ok := c.Lookup(KeyOf(file)); ok {
		t.Fatal("an empty cache found a key")
	}
	c.Add(KeyOf(file), digestOf("read"))
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}

	c = OpenID(dir, "loader-1")
	if d, ok := c.Lookup(KeyOf(file)); !ok || d != digestOf("read") {
		t.Errorf("reopened: Lookup = %x, %v; want the digest added", d[:4], ok)
	}
	changed := append([]byte(nil), file...)
	changed[len(changed)-2] = 'b'
	if _, ok := c.Lookup(KeyOf(changed)); ok {
		t.Error("a file with one byte changed hit the cache")
	}
	if hits, misses := c.Stats(); hits != 1 || misses != 1 {
		t.Errorf("Stats = %d hits, %d misses; want 1, 1", hits, misses)
	}
	if _, ok := OpenID(dir, "loader-2").Lookup(KeyOf(file)); ok {
		t.Error("another loader's index found the key")
	}
}

// TestCorruptIndexIgnored: an index cut short, with a flipped byte, or
// not an index at all opens empty, and the next Save replaces it.
func TestCorruptIndexIgnored(t *testing.T) {
	file := []byte("x")
	good := func(t *testing.T) (string, []byte) {
		dir := t.TempDir()
		c := saved(t, dir, "l", file)
		data, err := os.ReadFile(c.path)
		if err != nil {
			t.Fatal(err)
		}
		return c.path, data
	}
	for name, spoil := range map[string]func([]byte) []byte{
		"cut short":    func(b []byte) []byte { return b[:len(b)-10] },
		"flipped byte": func(b []byte) []byte { b[len(magic)+8] ^= 1; return b },
		"empty":        func([]byte) []byte { return nil },
		"not an index": func([]byte) []byte { return []byte("groups: []\n") },
		"wrong count": func(b []byte) []byte {
			b[len(magic)] = 2
			return b
		},
	} {
		t.Run(name, func(t *testing.T) {
			path, data := good(t)
			if err := os.WriteFile(path, spoil(data), 0o644); err != nil {
				t.Fatal(err)
			}
			c := OpenID(filepath.Dir(path), "l")
			if _, ok := c.Lookup(KeyOf(file)); ok {
				t.Fatal("a corrupt index was read")
			}
			c.Add(KeyOf(file), digestOf("d"))
			if err := c.Save(); err != nil {
				t.Fatal(err)
			}
			if _, ok := OpenID(filepath.Dir(path), "l").Lookup(KeyOf(file)); !ok {
				t.Error("Save did not replace the corrupt index")
			}
		})
	}
}

// TestIndexOfAnotherIdentityIgnored: an index found under the file name
// of this loader (which holds only 8 bytes of its identity's hash) but
// written for another identity opens empty.
func TestIndexOfAnotherIdentityIgnored(t *testing.T) {
	dir := t.TempDir()
	other := saved(t, dir, "other", []byte("x"))
	data, err := os.ReadFile(other.path)
	if err != nil {
		t.Fatal(err)
	}
	mine := OpenID(dir, "mine")
	if err := os.WriteFile(mine.path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := OpenID(dir, "mine").Lookup(KeyOf([]byte("x"))); ok {
		t.Error("another identity's index was read")
	}
	if _, ok := OpenID(dir, "other").Lookup(KeyOf([]byte("x"))); !ok {
		t.Error("the identity's own index was not read")
	}
}

// TestConcurrentSaves: runs saving the same index at once leave an index
// that opens whole, holding the entries of one of them at least.
func TestConcurrentSaves(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 20 {
				c := OpenID(dir, "l")
				for j := range 50 {
					c.Add(KeyOf(fmt.Appendf(nil, "%d-%d-%d", w, i, j)), digestOf("d"))
				}
				if err := c.Save(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	c := OpenID(dir, "l")
	if len(c.entries) < 50 {
		t.Errorf("the index holds %d entries after concurrent saves, want at least one run's 50", len(c.entries))
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".readback-*.tmp"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestSaveWritesOnlyChanges: a run that only finds recent entries does not
// rewrite the index; one that finds an entry last used long ago does.
func TestSaveWritesOnlyChanges(t *testing.T) {
	dir := t.TempDir()
	c := saved(t, dir, "l", []byte("a"))
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(c.path, old, old); err != nil {
		t.Fatal(err)
	}
	c = OpenID(dir, "l")
	c.Lookup(KeyOf([]byte("a")))
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(c.path); !st.ModTime().Equal(old) {
		t.Error("a run that changed nothing rewrote the index")
	}
	c = OpenID(dir, "l")
	c.now = c.now.Add(2 * touchAfter)
	c.Lookup(KeyOf([]byte("a")))
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if got := OpenID(dir, "l").entries[KeyOf([]byte("a"))].used; got != c.now.Unix() {
		t.Errorf("last use = %d, want the run's time %d", got, c.now.Unix())
	}
}

// TestMaxEntries: the index keeps the most recently used entries.
func TestMaxEntries(t *testing.T) {
	entries := map[Key]entry{}
	for i := range MaxEntries + 10 {
		entries[KeyOf(fmt.Append(nil, i))] = entry{used: int64(i)}
	}
	var id [32]byte
	got := decode(encode(entries, id), id)
	if len(got) != MaxEntries {
		t.Fatalf("kept %d entries, want %d", len(got), MaxEntries)
	}
	for i := range 10 {
		if _, ok := got[KeyOf(fmt.Append(nil, i))]; ok {
			t.Errorf("kept entry %d, one of the 10 least recently used", i)
		}
	}
}

// TestTrim: Save removes other loaders' indexes unused for five days and
// left temporary files older than an hour, and nothing else.
func TestTrim(t *testing.T) {
	dir := t.TempDir()
	touch := func(name string, age time.Duration) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-age)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
		return p
	}
	oldIdx := touch("readback-00.idx", 6*24*time.Hour)
	recentIdx := touch("readback-01.idx", 4*24*time.Hour)
	oldTmp := touch(".readback-1.tmp", 2*time.Hour)
	newTmp := touch(".readback-2.tmp", time.Minute)
	other := touch("notes.txt", 30*24*time.Hour)
	c := saved(t, dir, "l", nil)
	for p, want := range map[string]bool{oldIdx: false, recentIdx: true, oldTmp: false, newTmp: true, other: true, c.path: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}

func TestFolder(t *testing.T) {
	t.Setenv(Env, "")
	if got := Folder(Off); got != "" {
		t.Errorf("Folder(off) = %q, want no cache", got)
	}
	if got := Folder("/x"); got != "/x" {
		t.Errorf("Folder(/x) = %q", got)
	}
	t.Setenv(Env, Off)
	if got := Folder(""); got != "" {
		t.Errorf("%s=off: Folder = %q, want no cache", Env, got)
	}
	t.Setenv(Env, "/y")
	if got := Folder(""); got != "/y" {
		t.Errorf("%s=/y: Folder = %q", Env, got)
	}
	if got := Folder("/x"); got != "/x" {
		t.Errorf("the setting given loses to %s: %q", Env, got)
	}
	if Open("") != nil {
		t.Error("Open(\"\") is a cache")
	}
}

// TestIdentity: the test binary has one; on Linux it is the Go build ID
// of the running file, the one at its path too while it is not replaced.
func TestIdentity(t *testing.T) {
	id := Identity()
	if id == "" {
		t.Fatal("no identity for the running binary")
	}
	if id != Identity() {
		t.Error("Identity changes between calls")
	}
	if runtime.GOOS == "linux" {
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		if want := executableID(exe); !strings.HasPrefix(id, "go-buildid:") || id != want {
			t.Errorf("Identity = %q, want the build ID of %s, %q", id, exe, want)
		}
	}
}

// TestExecutableIDWithoutBuildID: a binary without an ELF build ID note is
// known by its path, size and modification time, so a rebuild changes it.
func TestExecutableIDWithoutBuildID(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "slo")
	if err := os.WriteFile(exe, []byte("not an ELF file"), 0o755); err != nil {
		t.Fatal(err)
	}
	first := executableID(exe)
	if !strings.HasPrefix(first, "exe:") {
		t.Fatalf("executableID = %q, want the exe: fallback", first)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(exe, later, later); err != nil {
		t.Fatal(err)
	}
	if executableID(exe) == first {
		t.Error("a rebuilt binary (new modification time) has the same identity")
	}
	if executableID(filepath.Join(t.TempDir(), "missing")) != "" {
		t.Error("a missing binary has an identity")
	}
}
