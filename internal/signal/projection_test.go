package signal_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
	. "github.com/slo-compiler/slo/internal/signal"
)

// TestSecondsToMonthEnd evaluates the month's remaining seconds on the
// PromQL engine at the ends and starts of 28-, 29-, 30- and 31-day months
// and of a year, against Go's calendar.
func TestSecondsToMonthEnd(t *testing.T) {
	s := &scenario.Scenario{Interval: time.Minute, Series: []scenario.Series{{Series: "x", Values: "1"}}}
	for _, at := range []string{
		"1970-01-01T00:00:00Z", "1970-01-31T23:59:00Z", "1970-02-01T00:00:00Z",
		"2026-02-28T23:59:59Z", "2026-02-14T12:30:00Z", // 28 days
		"2024-02-28T23:00:00Z", "2024-02-29T23:59:59Z", // 29 days
		"2026-04-30T12:00:00Z", "2026-04-01T00:00:01Z", // 30 days
		"2026-03-31T23:59:59Z", "2026-12-31T18:00:00Z", "2027-01-01T00:00:00Z",
	} {
		ts, err := time.Parse(time.RFC3339, at)
		if err != nil {
			t.Fatal(err)
		}
		end := time.Date(ts.Year(), ts.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		got, err := evalAt(s, "vector("+SecondsToMonthEnd()+")", ts.Sub(time.Unix(0, 0)))
		if err != nil || len(got) != 1 {
			t.Fatalf("%s: %v %v", at, got, err)
		}
		if want := end.Sub(ts).Seconds(); got[0].value != want {
			t.Errorf("%s: %v seconds to the end of the month, want %v", at, got[0].value, want)
		}
	}
}

// TestProjectionEndOfMonth evaluates the compiled projection to the end of
// the month on the PromQL engine, across the ends of January (31 days),
// February 1970 (28), March and April (30): spending at a constant rate,
// the month's total is the rate times the month's length at every time,
// across a counter reset, at the exact midnight a month starts, and from a
// month-to-date gauge that restarts at 0 with every month.
func TestProjectionEndOfMonth(t *testing.T) {
	const step = 10 * time.Minute
	const perStep = 600.0 // 1 a second
	day := 24 * time.Hour
	n := func(d time.Duration) int { return int(d / step) }
	counter := fmt.Sprintf("1000000000+%gx%d %g+%gx%d", perStep, n(40*day)-1, perStep, perStep, n(85*day))
	var gauge []string
	for _, days := range []int{31, 28, 31, 30, 31} {
		gauge = append(gauge, fmt.Sprintf("0+%gx%d", perStep, n(time.Duration(days)*day)-1))
	}
	s := &scenario.Scenario{Interval: step, Series: []scenario.Series{
		{Series: `cost_total{service="a"}`, Values: counter},
		{Series: `cost_mtd{service="a"}`, Values: strings.Join(gauge, " ")},
	}}
	for _, tc := range []struct {
		sig       *model.ProjectionSignal
		at        time.Duration
		monthDays float64
		tol       float64
	}{
		{counterSig(), 30*day + 12*time.Hour, 31, 1e-9},
		{counterSig(), 31*day - step, 31, 1e-9},
		{counterSig(), 31 * day, 28, 1e-9},
		{counterSig(), 31*day + 6*time.Hour, 28, 1e-9},
		{counterSig(), 45 * day, 28, 1e-9}, // after the reset on day 40
		{counterSig(), 59*day - step, 28, 1e-9},
		{counterSig(), 59*day + time.Hour, 31, 1e-9},
		{counterSig(), 105 * day, 30, 1e-9},
		{counterSig(), 120*day - time.Hour, 30, 1e-9},
		{gaugeSig(), 30*day + 12*time.Hour, 31, 1e-9},
		{gaugeSig(), 31*day - step, 31, 1e-9},
		// Within a window after the reset, the rate misses the growth of
		// the one step before it (10m of 1d): 28d x 0.7%.
		{gaugeSig(), 31*day + 6*time.Hour, 28, 0.01},
		{gaugeSig(), 33 * day, 28, 1e-9},
		{gaugeSig(), 105 * day, 30, 1e-9},
	} {
		rules := Records(&model.Alert{Record: "service:cost:projection_end_of_month", Signal: tc.sig}, func(r string) string { return r })
		expr := rules[len(rules)-1].Expr
		got, err := evalAt(s, expr, tc.at)
		if err != nil || len(got) != 1 {
			t.Fatalf("%s at %s: %v %v", expr, promx.FormatDuration(tc.at), got, err)
		}
		want := tc.monthDays * 86400
		if math.Abs(got[0].value-want) > tc.tol*want {
			t.Errorf("%s at %s (%s): %v, want %v", tc.sig.Series, promx.FormatDuration(tc.at), time.Unix(0, 0).UTC().Add(tc.at).Format(time.DateTime), got[0].value, want)
		}
	}
}

func counterSig() *model.ProjectionSignal {
	return &model.ProjectionSignal{Series: `cost_total{service="a"}`, Counter: true, By: []string{"service"}, Window: 24 * time.Hour, MonthEnd: true}
}

func gaugeSig() *model.ProjectionSignal {
	return &model.ProjectionSignal{Series: `cost_mtd{service="a"}`, By: []string{"service"}, Window: 24 * time.Hour, MonthEnd: true}
}
