package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/util/teststorage"
)

// openSessionStorage returns a session storage holding one series of n
// samples a minute apart: with 120 samples to a head chunk, n over 240
// makes full chunks that Head.Close would write to disk.
func openSessionStorage(t *testing.T, n int) *sessionStorage {
	t.Helper()
	st, err := teststorage.NewWithError(cheapStorage)
	if err != nil {
		t.Fatal(err)
	}
	s := &sessionStorage{TestStorage: st}
	app := s.Appender(context.Background())
	for i := range n {
		if _, err := app.Append(0, labels.FromStrings("__name__", "up"), int64(i)*60_000, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	return s
}

// headChunkFiles lists the files under the storage's head chunk folder.
func headChunkFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "chunks_head"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestSessionStorageWritesNothingOnClose: with no querier open, the head's
// series are dropped before the storage closes, so Head.Close writes no
// chunk to disk; without that, it writes a segment file.
func TestSessionStorageWritesNothingOnClose(t *testing.T) {
	for _, drop := range []bool{false, true} {
		s := openSessionStorage(t, 1000)
		if drop {
			if err := s.dropSeries(); err != nil {
				t.Fatal(err)
			}
		}
		dir := s.DB.Dir()
		if err := s.DB.Close(); err != nil {
			t.Fatal(err)
		}
		files := headChunkFiles(t, dir)
		os.RemoveAll(dir)
		if drop && len(files) > 0 {
			t.Errorf("series dropped first: Head.Close wrote %v", files)
		}
		if !drop && len(files) == 0 {
			t.Error("series kept: Head.Close wrote no chunk file, so this test shows nothing")
		}
	}
}

// TestSessionStorageCloseWithOpenQuerier: Head.Truncate waits for the
// readers still open; a querier left open (a bug elsewhere) must not make
// Close hang, and the count of open queriers goes down once per querier,
// however often it is closed.
func TestSessionStorageCloseWithOpenQuerier(t *testing.T) {
	s := openSessionStorage(t, 300)
	q1, err := s.Querier(0, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	q2, err := s.ChunkQuerier(0, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	q1.Close()
	q1.Close()
	if got := s.open.Load(); got != 1 {
		t.Fatalf("open queriers: %d, want 1", got)
	}
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Close hangs with a querier open")
	}
	q2.Close()
	if got := s.open.Load(); got != 0 {
		t.Fatalf("open queriers: %d, want 0", got)
	}
}

// TestSessionStorageCloseDropsSeries: Close itself drops the head's series
// when no querier is open (what TestSessionStorageWritesNothingOnClose
// shows saves the disk write), and keeps them while one is.
func TestSessionStorageCloseDropsSeries(t *testing.T) {
	for _, open := range []bool{false, true} {
		s := openSessionStorage(t, 300)
		if open {
			q, err := s.Querier(0, 1<<40)
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close()
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		want := uint64(0)
		if open {
			want = 1
		}
		if got := s.DB.Head().NumSeries(); got != want {
			t.Errorf("querier open %v: %d series left in the head after Close, want %d", open, got, want)
		}
	}
}
