package engine

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"
)

// EvalEngineOptions configures the PromQL engine used to evaluate rules
// and unit-test expressions.
type EvalEngineOptions struct {
	// MaxSamples caps the samples one query may load. Zero means
	// DefaultEvalMaxSamples.
	MaxSamples int
	// LookbackDelta is the staleness window of instant selectors. Zero
	// means Prometheus' default (5m).
	LookbackDelta time.Duration
	// SubqueryInterval is the step of subqueries written without one
	// (promtool uses the file's evaluation_interval). Zero means 1m.
	SubqueryInterval time.Duration
	// Timeout bounds one query. Zero means 100s, as in promtool.
	Timeout time.Duration
	// EnableDelayedNameRemoval matches the promql-delayed-name-removal
	// feature flag.
	EnableDelayedNameRemoval bool
}

// DefaultEvalMaxSamples is large enough for a 30-day range at 1-minute
// resolution over thousands of series; promtool's 10,000 is not.
const DefaultEvalMaxSamples = 50_000_000

// DefaultLookbackDelta is Prometheus' default staleness window.
const DefaultLookbackDelta = 5 * time.Minute

// NewEvalEngine returns a PromQL engine configured like the one promtool's
// unit tester builds (promqltest.LazyLoader), except for MaxSamples and
// LookbackDelta. Close it when done.
func NewEvalEngine(o EvalEngineOptions) *promql.Engine {
	if o.MaxSamples <= 0 {
		o.MaxSamples = DefaultEvalMaxSamples
	}
	if o.LookbackDelta <= 0 {
		o.LookbackDelta = DefaultLookbackDelta
	}
	if o.SubqueryInterval <= 0 {
		o.SubqueryInterval = time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 100 * time.Second
	}
	sub := o.SubqueryInterval.Milliseconds()
	return promql.NewEngine(promql.EngineOpts{
		MaxSamples:               o.MaxSamples,
		Timeout:                  o.Timeout,
		LookbackDelta:            o.LookbackDelta,
		NoStepSubqueryIntervalFn: func(int64) int64 { return sub },
		EnableAtModifier:         true,
		EnableNegativeOffset:     true,
		EnableDelayedNameRemoval: o.EnableDelayedNameRemoval,
	})
}

// EvalInstant runs an instant query and returns its result as a vector; a
// scalar result becomes one sample without labels. It mirrors the query
// helper of promtool's unit tester, including its error text.
func EvalInstant(ctx context.Context, engine *promql.Engine, q storage.Queryable, expr string, t time.Time) (promql.Vector, error) {
	qry, err := engine.NewInstantQuery(ctx, q, nil, expr, t)
	if err != nil {
		return nil, err
	}
	// Like promtool, the query is not closed: closing returns the result's
	// memory to a pool while the caller still reads it.
	res := qry.Exec(ctx)
	if res.Err != nil {
		return nil, res.Err
	}
	switch v := res.Value.(type) {
	case promql.Vector:
		return v, nil
	case promql.Scalar:
		return promql.Vector{promql.Sample{T: v.T, F: v.V, Metric: labels.Labels{}}}, nil
	default:
		return nil, errors.New("rule result is not a vector or scalar")
	}
}
