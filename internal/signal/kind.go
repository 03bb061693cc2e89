// Package signal holds the kinds of signal an alert watches, one file each:
// how the kind's spec fields are checked into the model, the recording
// rules that hold it (names and expressions together), the input series
// that hold it at a value for generated scenarios, its own failure modes,
// and what absent input means for it. It also generates the scenarios of a
// service's alerts and SLOs from them (generate.go, failure.go, slo.go).
//
// Adding a kind is a model type (model.go) with its Kind() key, one file
// here implementing Kind, and its line in kinds below. TestEveryKind checks
// that every model signal type has a kind.
package signal

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/spec"
)

// Kind is one kind of signal.
type Kind interface {
	// Key is the field under signal: that selects the kind, and the
	// model signal's Kind().
	Key() string
	// Check validates the kind's part of a spec signal and returns its
	// model, or nil after reporting what is wrong through c.
	Check(c Checker, s *spec.Signal) model.Signal
	// Operation is the last part of the signal's record name
	// (level:metric:operation).
	Operation(sig model.Signal) string
	// Records returns the recording rules that hold the signal; the last
	// one is named n.Record.
	Records(sig model.Signal, n Names) []Record
	// Lint reports what the kind's meaning makes of an alert on it that
	// its checks cannot (a ratio judged on any number of events).
	Lint(c Checker, a *model.Alert, s *spec.Signal)
	// Condition is the alert condition of an alert without thresholds on
	// the record selected by sel; ok is false for kinds that have none.
	Condition(sig model.Signal, sel string) (expr, cond string, ok bool)
	// AbsentInputs is what `on_absent: fire` adds to an alert's
	// condition: true while the input the signal reads is absent.
	AbsentInputs(sig model.Signal, recordSel string) string
	// Absent is what the signal's meaning makes of absent input: known is
	// false when absence has no value; handled is true when Records
	// already record that value.
	Absent(sig model.Signal) (value float64, known, handled bool)

	// Generation.

	// Bounded says the signal is a share, kept inside [0, 1].
	Bounded() bool
	// Floor is the least value the signal takes, when it has one that
	// Bounded does not give (a counter's change falls by 100% at most).
	Floor(sig model.Signal) (floor float64, ok bool)
	// Start is when a generated regime may begin: after lead, and after
	// the history the signal compares against.
	Start(sig model.Signal, lead time.Duration) time.Duration
	// Window is how long the signal takes to reach a value its input
	// holds (the window of an increase), zero when it follows at once.
	Window(sig model.Signal) time.Duration
	// input returns series that hold the signal at v from t0 to end, with
	// no data (or the history it compares against) before.
	input(g *generator, sig model.Signal, v float64, t0, end time.Duration) (built, error)
	// held is the value to give input so that the signal, after history
	// at its usual value, stays past thr (in direction dir) for d after
	// the step to it, and at v or past it at the end: v itself for a
	// signal that keeps the value its input holds; ok is false when no
	// step in the input holds the signal past thr that long.
	held(sig model.Signal, v, thr float64, dir model.Direction, history, d, step time.Duration) (float64, bool)
	// scenarios adds the kind's own threshold scenarios and reports true,
	// or reports false to get the generic ones (a value just past and
	// just short of each threshold).
	scenarios(g *generator, a *model.Alert) bool
	// failures adds the kind's own failure-mode scenarios.
	failures(g *generator, a *model.Alert)
}

// kinds lists every kind, in the order the spec documents them.
var kinds = []Kind{exprKind{}, ratioKind{}, quantileKind{}, latencyKind{}, uptimeKind{}, statusKind{}, increaseKind{}, changeKind{}, baselineKind{}, projectionKind{}}

// Keys are the spec fields of the kinds, in order.
func Keys() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.Key()
	}
	return out
}

// Of returns the kind of a model signal.
func Of(sig model.Signal) Kind {
	for _, k := range kinds {
		if k.Key() == sig.Kind() {
			return k
		}
	}
	panic(fmt.Sprintf("signal: no kind %q; add it to kinds in kind.go", sig.Kind()))
}

// Checker is what a kind needs from the validator: field checks that report
// positioned diagnostics.
type Checker interface {
	Selector(e *spec.Expr, parent *spec.Node, field string) (promx.Selector, bool)
	Expr(e *spec.Expr, parent *spec.Node, field string) (string, bool)
	Window(d *spec.Duration, def time.Duration, field string) time.Duration
	Duration(d *spec.Duration, def time.Duration, field string) time.Duration
	By(n *spec.Node, by []string, field string) []string
	// Ratio checks a ratio, shared with SLIs.
	Ratio(r *spec.Ratio, field string) *model.RatioSignal
	Errorf(pos diag.Pos, code, format string, args ...any)
	Warnf(pos diag.Pos, code, format string, args ...any)
}

// Check finds the one kind a spec signal gives and checks it.
func Check(c Checker, s *spec.Signal) model.Signal {
	var set []Kind
	for _, k := range kinds {
		if s.Has(k.Key()) {
			set = append(set, k)
		}
	}
	switch len(set) {
	case 0:
		c.Errorf(s.Pos, "spec/one-of", "signal: expected one of %s", strings.Join(Keys(), ", "))
		return nil
	case 1:
		if s.Invalid(set[0].Key()) {
			// Null or not a mapping: the decoder reported it, and left
			// the kind's field nil.
			return nil
		}
		return set[0].Check(c, s)
	}
	c.Errorf(s.KeyAt(set[1].Key()), "spec/one-of", "signal: give one kind, got %s and %s", set[0].Key(), set[1].Key())
	return nil
}

// checkExpr checks the expression of an expression-based kind and reads its
// output labels, when the outermost aggregation tells them.
func checkExpr(c Checker, e *spec.Expr, parent *spec.Node, field string) (text string, by []string, known, ok bool) {
	text, ok = c.Expr(e, parent, field)
	if !ok {
		return "", nil, false, false
	}
	by, known = promx.OutputLabels(text)
	return text, by, known, true
}

// Record is a recording rule of a signal.
type Record struct{ Name, Expr string }

// Names are the record names a kind writes.
type Names struct {
	// Record is the signal's own record; Base the record of the raw value
	// that uptime, change and baseline signals read back over time.
	Record, Base string
	// Sel renders a selector of a record of the service, with the
	// service's labels as matchers.
	Sel func(record string) string
}

// BaseName is the name of the helper record beside rec: level:metric:value,
// or level:metric:raw_value when rec is already that.
func BaseName(rec string) string {
	base := rec[:strings.LastIndex(rec, ":")] + ":value"
	if base == rec {
		base = rec[:strings.LastIndex(rec, ":")] + ":raw_value"
	}
	return base
}

// Records returns the recording rules of an alert's signal.
func Records(a *model.Alert, sel func(record string) string) []Record {
	return Of(a.Signal).Records(a.Signal, Names{Record: a.Record, Base: BaseName(a.Record), Sel: sel})
}

// Operation is the operation part of a signal's record name.
func Operation(sig model.Signal) string { return Of(sig).Operation(sig) }

// AbsentValue is what a signal's meaning makes of absent input; see
// Kind.Absent.
func AbsentValue(sig model.Signal) (value float64, known, handled bool) {
	return Of(sig).Absent(sig)
}

// AbsentInputs is what `on_absent: fire` adds to an alert's condition.
func AbsentInputs(a *model.Alert, recordSel string) string {
	return Of(a.Signal).AbsentInputs(a.Signal, recordSel)
}

// Lint runs the lints of an alert's signal kind, and for a share (a kind
// that is Bounded) lintShare.
func Lint(c Checker, a *model.Alert, s *spec.Signal) {
	if a.Signal != nil && s != nil {
		k := Of(a.Signal)
		if k.Bounded() {
			lintShare(c, a)
		}
		k.Lint(c, a, s)
	}
}

// lintShare: a share (an error ratio, the share of slow requests, an
// uptime) lies between 0 and 1, so a threshold at or past its ends makes
// an alert that never fires (above 1 or more, below 0 or less), and one
// outside it an alert that always fires (above less than 0, below more
// than 1). Between 1 and 100, the threshold was most likely written as a
// percentage.
func lintShare(c Checker, a *model.Alert) {
	for _, l := range a.Levels {
		t, below := l.Threshold, a.Direction == model.Below
		what := ""
		switch {
		case below && t > 1:
			what = "always fires, even at 1 (all of it)"
		case below && t <= 0:
			what = "never fires"
		case !below && t >= 1:
			what = "never fires"
		case !below && t < 0:
			what = "always fires, even at 0"
		default:
			continue
		}
		hint := ""
		if t > 1 && t <= 100 {
			hint = fmt.Sprintf("; did you mean %s (a fraction: %s%%)?", num.Format(t/100), num.Format(t))
		}
		c.Errorf(l.Pos, "lint/share-out-of-range", "%s %s: the signal is a share, between 0 and 1, so %s %s %s%s", a.Name, l.Severity, directionWord(a.Direction), num.Format(t), what, hint)
	}
}

// Condition is the alert condition of a signal that fires on a state
// rather than a threshold; see Kind.Condition.
func Condition(sig model.Signal, sel string) (expr, cond string, ok bool) {
	return Of(sig).Condition(sig, sel)
}

// base gives kinds the defaults of the optional behaviours.
type base struct{}

func (base) Condition(model.Signal, string) (string, string, bool) { return "", "", false }
func (base) Lint(Checker, *model.Alert, *spec.Signal)              {}

func (base) AbsentInputs(_ model.Signal, recordSel string) string {
	return "absent(" + recordSel + ")"
}
func (base) Absent(model.Signal) (float64, bool, bool)              { return 0, false, false }
func (base) Bounded() bool                                          { return false }
func (base) Floor(model.Signal) (float64, bool)                     { return 0, false }
func (base) Start(_ model.Signal, lead time.Duration) time.Duration { return lead }
func (base) Window(model.Signal) time.Duration                      { return 0 }
func (base) scenarios(*generator, *model.Alert) bool                { return false }
func (base) held(_ model.Signal, v, _ float64, _ model.Direction, _, _, _ time.Duration) (float64, bool) {
	return v, true
}
func (base) failures(*generator, *model.Alert) {}
func (base) input(*generator, model.Signal, float64, time.Duration, time.Duration) (built, error) {
	return built{}, fmt.Errorf("slo cannot invert this signal")
}

// absentOf is `absent(a) or absent(b) ...` over selectors.
func absentOf(sels ...string) string {
	parts := make([]string, len(sels))
	for i, s := range sels {
		parts[i] = "absent(" + s + ")"
	}
	return strings.Join(parts, " or ")
}

// finite keeps the samples of expr that are numbers: NaN and ±Inf fail both
// comparisons and are dropped. NaN (0/0 in an idle hour) or Inf (x/0)
// recorded once would stay in avg_over_time for a whole window.
func finite(expr string) string {
	return "(" + strings.TrimSpace(expr) + ") < +Inf > -Inf"
}

// absentZero is 0 for the group a selector fixes while no series matches
// it, and nothing otherwise.
func absentZero(by []string, sel string) string {
	return aggBy("max", by, "absent("+sel+")") + " * 0"
}

// aggBy renders "op by (a, b) (inner)", or "op(inner)" without labels.
func aggBy(op string, by []string, inner string) string {
	if len(by) == 0 {
		return op + "(" + inner + ")"
	}
	return op + " by (" + strings.Join(by, ", ") + ") (" + inner + ")"
}

func dur(d time.Duration) string { return promx.FormatDuration(d) }

// fixed reports whether every by label is fixed by the selector.
func fixed(by, fixedLabels []string) bool {
	for _, l := range by {
		if !slices.Contains(fixedLabels, l) {
			return false
		}
	}
	return true
}
