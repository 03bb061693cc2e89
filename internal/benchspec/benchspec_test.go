package benchspec

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestWriteIsDeterministicAndVaried(t *testing.T) {
	const n = 40
	a, b := t.TempDir(), t.TempDir()
	pa, err := Write(a, n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(b, n); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != n || len(pa) != n {
		t.Fatalf("wrote %d files (%d paths), want %d", len(entries), len(pa), n)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		x, err := os.ReadFile(a + "/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(b + "/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", e.Name())
		}
		var objective, period string
		for line := range strings.Lines(string(x)) {
			f := strings.Fields(line)
			switch {
			case len(f) == 2 && f[0] == "objective:":
				objective = f[1]
			case len(f) == 2 && f[0] == "period:":
				period = f[1]
			case len(f) > 0 && (f[0] == "good:" || f[0] == "by:"):
				seen[f[0]] = true
			}
		}
		seen[objective+"/"+period] = true
	}
	for _, o := range objectives {
		for _, p := range periods {
			if !seen[o+"/"+p] {
				t.Errorf("no spec with objective %s and period %s", o, p)
			}
		}
	}
	if !seen["good:"] || !seen["by:"] {
		t.Errorf("want specs with good: and with by:, saw %v", seen)
	}
}

func TestName(t *testing.T) {
	for _, c := range []struct {
		i, n int
		want string
	}{{0, 1000, "svc-0001"}, {999, 1000, "svc-1000"}, {0, 10000, "svc-00001"}} {
		if got := Name(c.i, c.n); got != c.want {
			t.Errorf("Name(%d, %d) = %q, want %q", c.i, c.n, got, c.want)
		}
	}
}
