package engine

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

// read returns the float samples of every series matching ms in
// [mint, maxt], keyed by labels.
func read(t *testing.T, q storage.Queryable, mint, maxt int64, ms ...*labels.Matcher) map[string][]fSample {
	t.Helper()
	qr, err := q.Querier(mint, maxt)
	if err != nil {
		t.Fatal(err)
	}
	defer qr.Close()
	out := map[string][]fSample{}
	set := qr.Select(context.Background(), true, nil, ms...)
	prev := ""
	for set.Next() {
		s := set.At()
		key := s.Labels().String()
		if key <= prev && prev != "" {
			t.Errorf("series not sorted: %s after %s", key, prev)
		}
		prev = key
		it := s.Iterator(nil)
		for vt := it.Next(); vt != chunkenc.ValNone; vt = it.Next() {
			if vt != chunkenc.ValFloat {
				t.Fatalf("%s: value type %v", key, vt)
			}
			ts, v := it.At()
			out[key] = append(out[key], fSample{ts, v})
		}
	}
	if err := set.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSideStoreAcceptsWhatTheTSDBAccepts: the in-memory store shows
// samples only after Commit, rejects samples at or before a series' last
// one (an identical duplicate is dropped), keeps stale markers bit for
// bit, selects by matchers and time range, and after a histogram holds
// the same floats in a TSDB.
func TestSideStoreAcceptsWhatTheTSDBAccepts(t *testing.T) {
	ctx := context.Background()
	s := newSideStore()
	defer s.Close()
	a := labels.FromStrings("__name__", "r", "k", "a")
	b := labels.FromStrings("__name__", "r", "k", "b")
	stale := math.Float64frombits(value.StaleNaN)
	app := s.Appender(ctx)
	for _, smp := range []struct {
		l labels.Labels
		t int64
		v float64
	}{{b, 1000, 1}, {a, 1000, 2}, {a, 2000, 3}, {b, 2000, stale}, {a, 3000, 4}} {
		if _, err := app.Append(0, smp.l, smp.t, smp.v); err != nil {
			t.Fatal(err)
		}
	}
	if got := read(t, s, 0, 10000); len(got) != 0 {
		t.Fatalf("samples visible before Commit: %v", got)
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	got := read(t, s, 1500, 3000, labels.MustNewMatcher(labels.MatchEqual, "__name__", "r"))
	if w := []fSample{{2000, 3}, {3000, 4}}; len(got[a.String()]) != 2 || got[a.String()][0] != w[0] || got[a.String()][1] != w[1] {
		t.Errorf("a in [1500, 3000]: got %v, want %v", got[a.String()], w)
	}
	if bs := got[b.String()]; len(bs) != 1 || math.Float64bits(bs[0].f) != value.StaleNaN {
		t.Errorf("b in [1500, 3000]: got %v, want one stale marker", bs)
	}
	if got := read(t, s, 0, 5000, labels.MustNewMatcher(labels.MatchEqual, "k", "b")); len(got) != 1 {
		t.Errorf("k=b selects %d series, want 1", len(got))
	}

	app = s.Appender(ctx)
	if _, err := app.Append(0, a, 2000, 9); !errors.Is(err, storage.ErrOutOfOrderSample) {
		t.Errorf("sample before the last one: err %v", err)
	}
	if _, err := app.Append(0, a, 3000, 5); !errors.Is(err, storage.ErrDuplicateSampleForTimestamp) {
		t.Errorf("other value at the last time: err %v", err)
	}
	if _, err := app.Append(0, a, 3000, 4); err != nil {
		t.Errorf("identical duplicate: err %v", err)
	}
	if _, err := app.Append(0, a, 4000, 6); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Append(0, a, 4000, 7); !errors.Is(err, storage.ErrDuplicateSampleForTimestamp) {
		t.Errorf("other value at a pending sample's time: err %v", err)
	}
	if err := app.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := len(read(t, s, 0, 10000)[a.String()]); n != 3 {
		t.Errorf("after Rollback a has %d samples, want 3", n)
	}

	// A histogram hands everything over to a TSDB.
	app = s.Appender(ctx)
	if _, err := app.Append(0, b, 3000, 8); err != nil {
		t.Fatal(err)
	}
	h := labels.FromStrings("__name__", "h")
	if _, err := app.AppendHistogram(0, h, 3000, nil, &histogram.FloatHistogram{Count: 1, Sum: 1}); err != nil {
		t.Fatal(err)
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	if s.tsdb == nil {
		t.Fatal("no TSDB after a histogram")
	}
	got = read(t, s, 0, 10000, labels.MustNewMatcher(labels.MatchEqual, "__name__", "r"))
	if len(got[a.String()]) != 3 || len(got[b.String()]) != 3 || got[b.String()][2] != (fSample{3000, 8}) {
		t.Errorf("floats after the hand-over: %v", got)
	}
}
