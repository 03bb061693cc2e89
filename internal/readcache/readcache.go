// Package readcache remembers which files a loader accepted and a digest of
// what it read from them, keyed by the SHA-256 of the file's exact bytes,
// so that a compile whose output did not change does not parse every file
// again, as Go's build cache spares rebuilding a package whose inputs did
// not change.
//
// The key is the hash of the bytes alone; the loader's identity (the
// running binary's Go build ID, see Identity) names the index file the
// keys live in, and is recorded in it, so a rebuilt slo, or another Prometheus version linked into
// it, starts from an empty index. Only accepted files are remembered: a
// file the loader refuses is loaded again on every run and refused again.
//
// The index is one file per loader identity in the cache folder
// (os.UserCacheDir()/slo by default): a header, the entries (key, digest,
// last use) and a SHA-256 of everything before it. It is read once by Open
// and written by Save to a temporary file renamed into place, so a reader
// sees a whole index or none; two runs saving at once lose, at worst, the
// entries of one of them, which a later run adds again. An index that does
// not parse, whose checksum is wrong or that is another identity's is
// ignored, as if empty. Other identities' indexes not used for five days
// are removed by the next Save, and each keeps at most the MaxEntries most
// recently used entries.
//
// A nil *Cache is valid and remembers nothing: every Lookup misses.
package readcache

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Key is the SHA-256 of a file's bytes.
type Key [sha256.Size]byte

// Digest is a digest of what the loader read from a file.
type Digest [sha256.Size]byte

// KeyOf is the key of a file's bytes.
func KeyOf(data []byte) Key { return sha256.Sum256(data) }

// MaxEntries bounds the entries an index keeps (72 bytes each).
const MaxEntries = 1 << 15

// Env is the environment variable that sets the cache folder; "off"
// turns the cache off.
const Env = "SLO_CACHE"

// Off is the value of Env, or of a --cache flag, that turns the cache off.
const Off = "off"

const (
	magic      = "slo readcache v2\n"
	entrySize  = 2*sha256.Size + 8
	staleAfter = 5 * 24 * time.Hour
	// touchAfter is how old an entry's last use must be before a use
	// rewrites the index: a run that only hits recent entries writes
	// nothing.
	touchAfter = time.Hour
)

type entry struct {
	digest Digest
	used   int64 // Unix seconds
}

// Cache is an open index. Its methods are safe for concurrent use.
type Cache struct {
	path string
	id   [sha256.Size]byte // SHA-256 of the loader identity
	now  time.Time

	mu           sync.Mutex
	entries      map[Key]entry
	dirty        bool
	hits, misses int
}

// Stats are how many Lookups found their key, and how many did not.
func (c *Cache) Stats() (hits, misses int) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// Folder is the cache folder setting says to use: setting itself unless it
// is "" (then the Env variable, or else os.UserCacheDir()/slo) or "off"
// (then "", no cache). In a test binary the default is no cache, so that
// tests write nothing outside their own folders and no test's outcome
// depends on what an earlier run left; tests of the cache name a folder.
func Folder(setting string) string {
	if setting == "" {
		setting = os.Getenv(Env)
	}
	switch setting {
	case Off:
		return ""
	case "":
		if testing.Testing() {
			return ""
		}
		dir, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(dir, "slo")
	}
	return setting
}

// Open opens the index of the running binary in dir; "" or a binary
// without an identity gives nil, no cache. A missing, unreadable or
// corrupt index opens empty.
func Open(dir string) *Cache {
	id := Identity()
	if dir == "" || id == "" {
		return nil
	}
	return OpenID(dir, id)
}

// OpenID is Open for the loader identity id.
func OpenID(dir, id string) *Cache {
	sum := sha256.Sum256([]byte(id))
	c := &Cache{
		path:    filepath.Join(dir, "readback-"+hex.EncodeToString(sum[:8])+".idx"),
		id:      sum,
		now:     time.Now(),
		entries: map[Key]entry{},
	}
	if data, err := os.ReadFile(c.path); err == nil {
		c.entries = decode(data, c.id) // corrupt, or another identity's: empty
	}
	return c
}

// Lookup returns the digest remembered for key.
func (c *Cache) Lookup(key Key) (Digest, bool) {
	if c == nil {
		return Digest{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		c.misses++
		return Digest{}, false
	}
	c.hits++
	if c.now.Unix()-e.used > int64(touchAfter/time.Second) {
		e.used = c.now.Unix()
		c.entries[key] = e
		c.dirty = true
	}
	return e.digest, ok
}

// Add remembers that the loader accepted the file of key and read what d
// digests.
func (c *Cache) Add(key Key, d Digest) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok && e.digest == d {
		return
	}
	c.entries[key] = entry{digest: d, used: c.now.Unix()}
	c.dirty = true
}

// Save writes the index when Lookup or Add changed it, and removes the
// indexes of other identities unused for five days. A cache that cannot be
// written is an error to ignore: the next run loads the files again.
func (c *Cache) Save() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return nil
	}
	dir := filepath.Dir(c.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".readback-*.tmp")
	if err != nil {
		return err
	}
	_, werr := f.Write(encode(c.entries, c.id))
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), c.path); err != nil {
		os.Remove(f.Name())
		return err
	}
	c.dirty = false
	trim(dir, c.path, c.now)
	return nil
}

// trim removes the indexes other than keep, and temporary files left by
// runs that stopped while saving, unused since staleAfter (an hour for
// temporary files).
func trim(dir, keep string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		maxAge := staleAfter
		switch {
		case strings.HasPrefix(name, ".readback-") && strings.HasSuffix(name, ".tmp"):
			maxAge = time.Hour
		case !strings.HasPrefix(name, "readback-") || !strings.HasSuffix(name, ".idx"):
			continue
		}
		path := filepath.Join(dir, name)
		if path == keep {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > maxAge {
			os.Remove(path)
		}
	}
}

// encode is the index file of entries: the magic line, the SHA-256 of
// the loader identity (the file name holds only its first 8 bytes), the
// count, the entries most recently used first (at most MaxEntries, ties
// by key, so the same entries make the same bytes) and a SHA-256 of all
// before it.
func encode(entries map[Key]entry, id [sha256.Size]byte) []byte {
	keys := make([]Key, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b Key) int {
		if c := cmp.Compare(entries[b].used, entries[a].used); c != 0 {
			return c
		}
		return bytes.Compare(a[:], b[:])
	})
	if len(keys) > MaxEntries {
		keys = keys[:MaxEntries]
	}
	buf := make([]byte, 0, headSize+len(keys)*entrySize+sha256.Size)
	buf = append(buf, magic...)
	buf = append(buf, id[:]...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(keys)))
	for _, k := range keys {
		e := entries[k]
		buf = append(buf, k[:]...)
		buf = append(buf, e.digest[:]...)
		buf = binary.LittleEndian.AppendUint64(buf, uint64(e.used))
	}
	sum := sha256.Sum256(buf)
	return append(buf, sum[:]...)
}

const headSize = len(magic) + sha256.Size + 4

// decode reads an index file of the loader identity id; anything but a
// whole, intact index of id is an empty one.
func decode(data []byte, id [sha256.Size]byte) map[Key]entry {
	entries := map[Key]entry{}
	if len(data) < headSize+sha256.Size || string(data[:len(magic)]) != magic {
		return entries
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if s := sha256.Sum256(body); !bytes.Equal(s[:], sum) {
		return entries
	}
	if !bytes.Equal(body[len(magic):len(magic)+sha256.Size], id[:]) {
		return entries
	}
	n := int(binary.LittleEndian.Uint32(body[headSize-4:]))
	if len(body) != headSize+n*entrySize {
		return entries
	}
	entries = make(map[Key]entry, n)
	for p := body[headSize:]; len(p) >= entrySize; p = p[entrySize:] {
		var k Key
		var e entry
		copy(k[:], p)
		copy(e.digest[:], p[sha256.Size:])
		e.used = int64(binary.LittleEndian.Uint64(p[2*sha256.Size:]))
		entries[k] = e
	}
	return entries
}

var identity = sync.OnceValue(func() string {
	// On Linux /proc/self/exe is the file the process was started from
	// even when a rebuild has since replaced the file at its path: the
	// identity is the running code's, not the new binary's.
	if id := elfBuildID("/proc/self/exe"); id != "" {
		return id
	}
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return executableID(exe)
})

// elfBuildID is the Go build ID of the ELF binary at path, or "".
func elfBuildID(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	note, err := s.Data()
	if err != nil || len(note) <= 16 {
		return ""
	}
	// The note's header (name size, description size, type, "Go\x00\x00")
	// precedes the ID.
	return "go-buildid:" + string(bytes.TrimRight(note[16:], "\x00"))
}

// Identity names the loader: the running binary's Go build ID, which
// changes with any change to the code linked into it (slo's, Prometheus's,
// the YAML library's, Go's). Where the binary has no ELF build ID note
// (macOS, Windows), it is the binary's module versions, path, size and
// modification time, which a rebuild changes too. "" when neither can be
// read: then there is no cache.
func Identity() string { return identity() }

func executableID(exe string) string {
	if id := elfBuildID(exe); id != "" {
		return id
	}
	st, err := os.Stat(exe)
	if err != nil || !st.Mode().IsRegular() {
		return ""
	}
	var deps string
	if bi, err := buildinfo.ReadFile(exe); err == nil {
		deps = bi.String()
	}
	return fmt.Sprintf("exe:%s:%d:%d:%s", exe, st.Size(), st.ModTime().UnixNano(), deps)
}
