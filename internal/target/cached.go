package target

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"slices"
	"strings"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/readcache"
)

// CachedReader is a target whose read-back can be spared the loader for a
// file whose exact bytes the loader accepted before (see package
// readcache): ReadBackCached returns what ReadBack would, consulting and
// filling c.
type CachedReader interface {
	ReadBackCached(f File, c *readcache.Cache) []error
}

// ReadBackCached is ReadBack for a rule file with the loader's verdict
// remembered by the hash of its bytes. A file the cache knows was accepted
// by Prometheus's rule loader, which read from it groups whose digest is
// that of the groups compiled, reads back as compiled: readBackDiff would
// find no difference. Anything else (a file never seen, or read as other
// groups than the ones compiled now) goes to the loader as without a
// cache, and a file it accepts is remembered. Refused files are never
// remembered, so they are refused, with the same problems, on every run.
func (p prometheus) ReadBackCached(f File, c *readcache.Cache) []error {
	if len(f.Rules) != 1 || c == nil {
		return p.ReadBack(f)
	}
	key := readcache.KeyOf(f.Data)
	if d, ok := c.Lookup(key); ok && d == compiledDigest(*f.Rules[0]) {
		return nil
	}
	groups, accepted, errs := readBackRules(f.Name, *f.Rules[0], f.Data)
	if accepted {
		c.Add(key, readDigest(groups))
	}
	return errs
}

// digester writes rule groups into a hash in one encoding for the groups
// compiled and the groups read back, covering exactly what readBackDiff
// compares: two lists of groups have the same digest when, and (barring a
// SHA-256 collision) only when, readBackDiff finds them the same.
type digester struct {
	h   hash.Hash
	buf []byte
}

func newDigester() *digester { return &digester{h: sha256.New(), buf: make([]byte, 0, 512)} }

func (d *digester) int(n int64) {
	d.buf = binary.AppendVarint(d.buf, n)
	d.flush()
}

func (d *digester) str(s string) {
	d.buf = binary.AppendUvarint(d.buf, uint64(len(s)))
	d.buf = append(d.buf, s...)
	d.flush()
}

func (d *digester) flush() {
	if len(d.buf) >= 256 {
		d.h.Write(d.buf)
		d.buf = d.buf[:0]
	}
}

func (d *digester) sum() readcache.Digest {
	d.h.Write(d.buf)
	d.buf = d.buf[:0]
	var out readcache.Digest
	d.h.Sum(out[:0])
	return out
}

// pairs writes a label set, given sorted by name without repeats.
func (d *digester) pairs(ls []compile.Label) {
	d.int(int64(len(ls)))
	for _, l := range ls {
		d.str(l.Name)
		d.str(l.Value)
	}
}

func (d *digester) group(name string, interval int64, rules int) {
	d.str(name)
	d.int(interval)
	d.int(int64(rules))
}

func (d *digester) rule(record, alert, expr string, forDur, keepFiring int64) {
	d.str(record)
	d.str(alert)
	d.str(expr)
	d.int(forDur)
	d.int(keepFiring)
}

// readDigest is the digest of the groups a loader read.
func readDigest(groups []promx.RuleGroup) readcache.Digest {
	d := newDigester()
	d.int(int64(len(groups)))
	var ls []compile.Label
	for _, g := range groups {
		d.group(g.Name, int64(g.Interval), len(g.Rules))
		for _, r := range g.Rules {
			d.rule(r.Record, r.Alert, r.Expr, int64(r.For), int64(r.KeepFiringFor))
			for _, m := range []map[string]string{r.Labels, r.Annotations} {
				ls = ls[:0]
				for k, v := range m {
					ls = append(ls, compile.Label{Name: k, Value: v})
				}
				slices.SortFunc(ls, byName)
				d.pairs(ls)
			}
		}
	}
	return d.sum()
}

// compiledDigest is the digest of a compiled rule file's groups, their
// labels and annotations taken as readBackDiff takes them: as maps, a
// repeated name's last value kept.
func compiledDigest(rf compile.RuleFile) readcache.Digest {
	d := newDigester()
	d.int(int64(len(rf.Groups)))
	var tmp []compile.Label
	for _, g := range rf.Groups {
		d.group(g.Name, int64(g.Interval), len(g.Rules))
		for _, r := range g.Rules {
			d.rule(r.Record, r.Alert, r.Expr, int64(r.For), int64(r.KeepFiringFor))
			for _, ls := range [][]compile.Label{r.Labels, r.Annotations} {
				if !sortedUnique(ls) {
					tmp = asMap(tmp[:0], ls)
					ls = tmp
				}
				d.pairs(ls)
			}
		}
	}
	return d.sum()
}

func byName(a, b compile.Label) int { return strings.Compare(a.Name, b.Name) }

func sortedUnique(ls []compile.Label) bool {
	for i := 1; i < len(ls); i++ {
		if ls[i-1].Name >= ls[i].Name {
			return false
		}
	}
	return true
}

// asMap appends to dst the labels of ls as a map holds them (the last
// value of a repeated name), sorted by name.
func asMap(dst, ls []compile.Label) []compile.Label {
	for _, l := range ls {
		if i := slices.IndexFunc(dst, func(x compile.Label) bool { return x.Name == l.Name }); i >= 0 {
			dst[i].Value = l.Value
			continue
		}
		dst = append(dst, l)
	}
	slices.SortFunc(dst, byName)
	return dst
}
