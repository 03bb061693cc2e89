package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/promql/parser"
)

// TestRuleCacheByContent: the same rules written to another folder (the
// harness writes them anew for every run) are not parsed again; edited
// rules are; a file that fails still names its own path.
func TestRuleCacheByContent(t *testing.T) {
	l := cachingLoader{parser: parser.NewParser(parser.Options{}), logger: promslog.NewNopLogger()}
	write := func(name, body string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const rules = "groups:\n- name: g\n  rules:\n  - record: cache_test:x\n    expr: vector(1)\n"
	load := func(p string) any {
		rgs, errs := l.Load(p, false, model.UTF8Validation)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", p, errs)
		}
		return rgs
	}
	a, b := load(write("a.yml", rules)), load(write("b.yml", rules))
	if a != b {
		t.Error("the same rules at another path were parsed again")
	}
	if c := load(write("a.yml", strings.Replace(rules, "vector(1)", "vector(2)", 1))); c == a {
		t.Error("edited rules came from the cache")
	}
	bad := write("bad.yml", strings.Replace(rules, "vector(1)", "vector(", 1))
	if _, errs := l.Load(bad, false, model.UTF8Validation); len(errs) == 0 || !strings.Contains(errs[0].Error(), bad) {
		t.Errorf("errors of a bad file: %v, want them to name %s", errs, bad)
	}
}
