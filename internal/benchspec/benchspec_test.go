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

// The Sloth specs name the same services, objectives and selectors as the
// slo specs of the same index.
func TestSlothSpecMatchesSpec(t *testing.T) {
	const n = 40
	for i := range n {
		slo, sloth := string(Spec(i, n)), string(SlothSpec(i, n))
		if !strings.Contains(sloth, "service: "+Name(i, n)+"\n") || !strings.Contains(sloth, "version: prometheus/v1\n") {
			t.Errorf("spec %d: Sloth spec lacks its service:\n%s", i, sloth)
		}
		objective := "objective: " + objectives[i%len(objectives)] + "\n"
		if !strings.Contains(slo, objective) || !strings.Contains(sloth, objective) {
			t.Errorf("spec %d: want %q in both", i, objective)
		}
		if (i%3 == 2) != strings.Contains(sloth, "sum by (route)") {
			t.Errorf("spec %d: by route in slo's spec %v, in Sloth's %v", i, i%3 == 2, strings.Contains(sloth, "sum by (route)"))
		}
		if i%5 == 4 && !strings.Contains(sloth, `code!~\"5..\"`) && !strings.Contains(sloth, `code!~"5.."`) {
			t.Errorf("spec %d: a good-events SLO should count errors as total minus good:\n%s", i, sloth)
		}
	}
}

func TestWriteAlerts(t *testing.T) {
	dir := t.TempDir()
	paths, err := WriteAlerts(dir, 3, 8)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatalf("wrote %d files, want 3", len(paths))
	}
	src, err := os.ReadFile(paths[1])
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(src), "\n  - name: "); got != 8 {
		t.Errorf("file 2 holds %d alerts, want 8", got)
	}
	if got := strings.Count(string(src), "      ratio:\n"); got != 2 {
		t.Errorf("file 2 holds %d ratio alerts, want 2 (one in four)", got)
	}
	if _, err := WriteAlerts(dir, 1, 0); err == nil {
		t.Error("WriteAlerts with 0 alerts per file: no error")
	}
}
