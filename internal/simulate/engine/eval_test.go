package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/util/teststorage"
)

func TestEvalEngineLargeRanges(t *testing.T) {
	st := teststorage.New(t)
	app := st.Appender(context.Background())
	ls := labels.FromStrings(labels.MetricName, "x")
	const n = 30 * 24 * 60 // 30 days at 1m
	for i := 0; i <= n; i++ {
		if _, err := app.Append(0, ls, int64(i)*60_000, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	at := time.Unix(int64(n)*60, 0)
	eng := NewEvalEngine(EvalEngineOptions{})
	defer eng.Close()
	v, err := EvalInstant(context.Background(), eng, st, "sum_over_time(x[30d])", at)
	if err != nil {
		t.Fatal(err)
	}
	// (t-30d, t] holds n samples.
	if len(v) != 1 || v[0].F != n {
		t.Errorf("got %v, want %d", v, n)
	}
	small := NewEvalEngine(EvalEngineOptions{MaxSamples: 10000})
	defer small.Close()
	if _, err := EvalInstant(context.Background(), small, st, "sum_over_time(x[30d])", at); err == nil || !strings.Contains(err.Error(), "too many samples") {
		t.Errorf("want the sample limit error, got %v", err)
	}
	v, err = EvalInstant(context.Background(), eng, st, "scalar(x) * 2", at)
	if err != nil || len(v) != 1 || v[0].F != 2 || !v[0].Metric.IsEmpty() {
		t.Errorf("scalar result: %v, %v", v, err)
	}
	if _, err := EvalInstant(context.Background(), eng, st, `"s"`, at); err == nil || err.Error() != "rule result is not a vector or scalar" {
		t.Errorf("string result: %v", err)
	}
	// Lookback delta: with 1m the sample 3m old is not seen.
	short := NewEvalEngine(EvalEngineOptions{LookbackDelta: time.Minute})
	defer short.Close()
	v, err = EvalInstant(context.Background(), short, st, "x", at.Add(3*time.Minute))
	if err != nil || len(v) != 0 {
		t.Errorf("lookback 1m: got %v, %v", v, err)
	}
	v, err = EvalInstant(context.Background(), eng, st, "x", at.Add(3*time.Minute))
	if err != nil || len(v) != 1 {
		t.Errorf("lookback 5m: got %v, %v", v, err)
	}
}
