#!/usr/bin/env bash
# bench-compile.sh: time `slo compile` on generated specs and report the
# median wall time and the peak RSS against the issue's goals.
#
#   scripts/bench-compile.sh            # 1,000 specs, 5 timed runs
#   N=100 RUNS=9 scripts/bench-compile.sh
#
# It builds slo and scripts/maxrss (a portable stand-in for GNU time's
# '%e %M') into a temporary folder, generates N specs with
# scripts/gen-bench-specs (one service and one ratio SLO each), runs
# `slo compile` once untimed, then RUNS times, each into a fresh output
# folder, and also RUNS times `slo validate` (the same work without writing
# the files), so the cost of the file system shows apart from the
# compiler's.
#
# A missed goal is reported, not fatal: the script exits 0. It exits
# non-zero when a build fails or slo fails.
#
# Environment: N (1000), RUNS (5), GOAL_WALL seconds (0.15), GOAL_RSS_MIB
# (80), KEEP=1 to keep the temporary folder.
set -euo pipefail

N=${N:-1000}
RUNS=${RUNS:-5}
GOAL_WALL=${GOAL_WALL:-0.15}
GOAL_RSS_MIB=${GOAL_RSS_MIB:-80}

cd "$(dirname "$0")/.."

tmp=$(mktemp -d "${TMPDIR:-/tmp}/slo-bench.XXXXXX")
if [[ ${KEEP:-} == 1 ]]; then
	echo "keeping $tmp"
else
	trap 'rm -rf "$tmp"' EXIT
fi

go build -o "$tmp/slo" ./cmd/slo
go build -o "$tmp/maxrss" ./scripts/maxrss
go build -o "$tmp/gen-bench-specs" ./scripts/gen-bench-specs
"$tmp/gen-bench-specs" -n "$N" -out "$tmp/specs"

# measure NAME ARGS...: runs slo ARGS under maxrss and appends
# "WALL KIB USER SYS" to $tmp/NAME.txt; on failure prints slo's stderr and
# exits with its code.
measure() {
	local name=$1
	shift
	local code=0
	"$tmp/maxrss" -o "$tmp/m" "$tmp/slo" "$@" >/dev/null 2>"$tmp/stderr" || code=$?
	if ((code != 0)); then
		echo "bench-compile: slo $* failed (exit $code):" >&2
		cat "$tmp/stderr" >&2
		exit "$code"
	fi
	cat "$tmp/m" >>"$tmp/$name.txt"
}

measure warmup compile --out "$tmp/out.warmup" "$tmp/specs"
for ((i = 1; i <= RUNS; i++)); do
	measure compile compile --out "$tmp/out.$i" "$tmp/specs"
	measure validate validate "$tmp/specs"
done

# median FILE COLUMN: the median of a column (mean of the middle two for
# an even count).
median() {
	sort -g -k"$2,$2" "$1" | awk -v c="$2" '{v[NR] = $c} END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# maxcol FILE COLUMN: the largest value of a column.
maxcol() { awk -v c="$2" 'NR == 1 || $c > m {m = $c} END {print m}' "$1"; }

wall=$(median "$tmp/compile.txt" 1)
user=$(median "$tmp/compile.txt" 3)
sys=$(median "$tmp/compile.txt" 4)
rss_kib=$(maxcol "$tmp/compile.txt" 2)
vwall=$(median "$tmp/validate.txt" 1)
vrss_kib=$(maxcol "$tmp/validate.txt" 2)

awk -v n="$N" -v runs="$RUNS" -v wall="$wall" -v user="$user" -v sys="$sys" \
	-v kib="$rss_kib" -v vwall="$vwall" -v vkib="$vrss_kib" \
	-v gw="$GOAL_WALL" -v gm="$GOAL_RSS_MIB" 'BEGIN {
	mib = kib / 1024
	printf "compile %d SLOs: wall %.2f s (median of %d; cpu user %.2f s, sys %.2f s), peak RSS %.0f MiB (goal < %s s, < %s MiB)\n", n, wall, runs, user, sys, mib, gw, gm
	printf "  without writing files (slo validate): wall %.2f s, peak RSS %.0f MiB\n", vwall, vkib / 1024
	printf "  wall goal: %s\n", (wall < gw ? "met" : sprintf("MISSED (%.1fx the goal)", wall / gw))
	printf "  memory goal: %s\n", (mib < gm ? "met" : sprintf("MISSED (%.1fx the goal)", mib / gm))
}'
