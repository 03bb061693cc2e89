#!/usr/bin/env bash
# bench-test.sh: the 30-day SLO scenario (one SLO, its burn-rate alerts and
# period budget rule, 31 days of 1-minute input, assertions before and
# after an outage), timed with `slo test` and, when installed, with
# `promtool test rules` on the same file without the budget rule. Prints
# the figures and the ratio measured in this run. A benchmark reports; it
# never fails on a figure.
#
# Environment: RUNS (5), PROMTOOL (promtool; empty to skip it).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
PROMTOOL=${PROMTOOL-promtool}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/slo-bench-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/slo" ./cmd/slo
cp "$tmp/slo" "$tmp/slo.installed" && mv "$tmp/slo.installed" "$tmp/slo" # timed as an installed binary is, from a copy (as_installed in lib.sh; this script measures no RSS)
go test -count=1 ./internal/simulate/promtool -run '^TestWriteBenchScenario$' -scenario-dir "$tmp" >/dev/null

# seconds CMD...: wall seconds of one run; fails if CMD fails.
seconds() {
	local start end
	start=$(date +%s.%N)
	"$@" >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; return 1; }
	end=$(date +%s.%N)
	printf "%.3f\n" "$(echo "$end - $start" | bc)"
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

for variant in with-budget without-budget; do
	for ((i = 0; i < RUNS; i++)); do
		seconds "$tmp/slo" test "$tmp/$variant/slo_test.yml"
	done | median >"$tmp/$variant.s"
done
slo_budget=$(cat "$tmp/with-budget.s")
slo_plain=$(cat "$tmp/without-budget.s")
echo "slo test, 30-day scenario with the budget rule:    ${slo_budget} s (median of $RUNS)"
echo "slo test, same scenario without the budget rule:   ${slo_plain} s (median of $RUNS)"

if [[ -n $PROMTOOL ]] && command -v "$PROMTOOL" >/dev/null; then
	(cd "$tmp/without-budget" && seconds "$PROMTOOL" test rules slo_test.yml) >"$tmp/promtool.s"
	pt=$(cat "$tmp/promtool.s")
	echo "promtool test rules, without the budget rule:      ${pt} s (one run)"
	awk -v p="$pt" -v s="$slo_plain" -v b="$slo_budget" 'BEGIN {
		printf "ratio promtool / slo on the same file:  %.0fx\n", p / s
		printf "ratio promtool / slo with budget rule:  %.0fx (goal: >= 150x, slo under 0.5 s)\n", p / b
	}'
	echo "verdicts: both passed (a failing run would have stopped this script)"
else
	echo "promtool not installed: no ratio (apt-get install prometheus)"
fi
