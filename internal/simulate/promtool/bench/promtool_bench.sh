#!/bin/sh
# Times `promtool test rules` on the 30-day SLO benchmark scenario (without
# the 30-day budget rule, which promtool's 10,000-sample query limit
# rejects) and runs BenchmarkThirtyDaySLO for on-demand and exhaustive
# evaluation of the same scenario.
#
# Usage: internal/simulate/promtool/bench/promtool_bench.sh [promtool binary]
set -eu
promtool=${1:-promtool}
root=$(cd "$(dirname "$0")/../../../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cd "$root"
go test ./internal/simulate/promtool -run '^TestWriteBenchScenario$' -scenario-dir "$dir" >/dev/null
echo "scenario: $dir/without-budget/slo_test.yml"

start=$(date +%s.%N)
(cd "$dir/without-budget" && "$promtool" test rules slo_test.yml)
end=$(date +%s.%N)
echo "promtool: $(echo "$end - $start" | bc) s"

go test ./internal/simulate/promtool -run '^$' -bench '^BenchmarkThirtyDaySLO$/^on-demand$' -benchtime 10x
go test ./internal/simulate/promtool -run '^$' -bench '^BenchmarkThirtyDaySLO$/^exhaustive$' -benchtime 1x
