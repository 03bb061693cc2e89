package scenario_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/app"
	. "github.com/slo-compiler/slo/internal/scenario"
)

// dump renders scenarios for reading.
func dump(ss []*Scenario) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "== %s (%s)\n", s.Name, s.Pos)
		for _, se := range s.Series {
			v := se.Values
			if len(v) > 120 {
				v = v[:120] + "..."
			}
			fmt.Fprintf(&b, "  %s  %s\n", se.Series, v)
		}
		for _, r := range s.Ranges {
			fmt.Fprintf(&b, "  range %d %s %v [%s, %s] for %s\n", r.Kind, r.Alertname, r.Labels, r.From, r.To, r.For)
		}
	}
	return b.String()
}

func TestGenerateShipped(t *testing.T) {
	p, diags, err := app.Load([]string{"../../specs"})
	if err != nil || p == nil {
		t.Fatalf("%v %v", err, diags)
	}
	for _, svc := range p.Services {
		ss, unc := Generate(svc)
		t.Logf("%s: %d scenarios, uncovered %v\n%s", svc.Name, len(ss), unc, dump(ss))
	}
}
