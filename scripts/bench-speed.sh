#!/usr/bin/env bash
# bench-speed.sh: the speed goals of `slo test` and `slo check` on this
# repository, each figure printed next to its goal and as a ratio against
# the same command with --exhaustive (promtool's every-rule-every-step
# evaluation), measured in this run on this machine:
#
#   - every generated scenario under 50 ms: each scenario's median over
#     RUNS runs of `slo test --format json`, then their max and median and
#     how many are at or over 50 ms; once alone (`--parallel 1`: one
#     scenario at a time, with both cores, which is the goal's figure), and
#     once as `slo test` runs them, two at a time, where a scenario's time
#     includes waiting for a core;
#   - `slo test` over the repository under 5 s wall;
#   - one spec, `slo test specs/dubbing/system-health.yaml`, under 1 s;
#   - `slo check` over the repository under 8 s (no --exhaustive: its
#     ratio is against the exhaustive `slo test` of the repository).
#
# And, with no goal, larger projects than this repository's: `slo test` of
# PROJECT_SLOS (100) generated services of one ratio SLO each
# (scripts/gen-bench-specs), and of a real one, REAL_PROJECT (the 109
# Pyrra objectives of rhobs/configuration, in
# internal/input/testdata/pyrra-rhobs-project/, an environment a folder,
# each folder a `slo test` of its own, in turn), each one's CPU per
# scenario against the repository's in the same run.
#
# Wall times are medians of RUNS runs; CPU (user+sys) and peak RSS are
# printed beside them, since on a shared machine CPU time is the steadier
# figure. A benchmark reports; it never fails on a figure.
#
# Environment: RUNS (3), EXHAUSTIVE_RUNS (1; the exhaustive run over the
# repository takes many minutes; 0 skips it and prints no ratio for the
# repository-wide figures), SPEC (specs/dubbing/system-health.yaml),
# PROJECT_SLOS (100; 0 skips the larger project), REAL_PROJECT (a folder of
# folders, each tested as a project; 0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
EXHAUSTIVE_RUNS=${EXHAUSTIVE_RUNS:-1}
SPEC=${SPEC:-specs/dubbing/system-health.yaml}
PROJECT_SLOS=${PROJECT_SLOS:-100}
REAL_PROJECT=${REAL_PROJECT:-internal/input/testdata/pyrra-rhobs-project}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/slo-bench-speed.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/slo" ./cmd/slo
cp "$tmp/slo" "$tmp/slo.installed" && mv "$tmp/slo.installed" "$tmp/slo" # its RSS as an installed binary's: see as_installed in lib.sh

# measure NAME RUNS CMD...: runs CMD RUNS times; writes the median wall
# seconds, median CPU seconds and largest RSS (MB) to $tmp/NAME.{wall,cpu,rss}
# and the last run's stdout to $tmp/NAME.out. Fails if CMD fails.
measure() {
	local name=$1 runs=$2
	shift 2
	: >"$tmp/$name.runs"
	for ((i = 0; i < runs; i++)); do
		if ! /usr/bin/time -f "%e %U %S %M" -o "$tmp/$name.time" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
			cat "$tmp/$name.out" "$tmp/$name.err" >&2
			return 1
		fi
		cat "$tmp/$name.time" >>"$tmp/$name.runs"
		cp "$tmp/$name.out" "$tmp/$name.out.$i"
	done
	awk '{print $1}' "$tmp/$name.runs" | median >"$tmp/$name.wall"
	awk '{print $2 + $3}' "$tmp/$name.runs" | median >"$tmp/$name.cpu"
	awk '{if ($4 > m) m = $4} END {printf "%.0f\n", m / 1024}' "$tmp/$name.runs" >"$tmp/$name.rss"
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# line LABEL NAME ANCHOR GOAL: one figure, its goal and its ratio to the
# anchor's wall and CPU time.
line() {
	local label=$1 name=$2 anchor=$3 goal=$4
	awk -v l="$label" -v w="$(cat "$tmp/$name.wall")" -v c="$(cat "$tmp/$name.cpu")" -v r="$(cat "$tmp/$name.rss")" \
		-v aw="$(cat "$tmp/$anchor.wall")" -v ac="$(cat "$tmp/$anchor.cpu")" -v g="$goal" 'BEGIN {
		printf "%-34s %7.2f s wall (goal < %s s, %s)  %7.2f s CPU  %5d MB   ", l, w, g, (w < g ? "met" : "NOT met"), c, r
		if (aw == "nan") print "(exhaustive not run)"; else printf "%5.3fx wall, %5.3fx CPU of exhaustive\n", w / aw, c / ac
	}'
}

# scenarios NAME: per-scenario figures of NAME's --format json runs: each
# scenario's median duration over the runs, then the max and median of
# those and how many are at or over 50 ms, for generated and hand-written
# scenarios.
scenarios() {
	jq -s -r 'def med: sort | if length == 0 then 0 elif length % 2 == 1 then .[(length - 1) / 2] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
		[.[] | .scenarios? // empty | .[]] | group_by([.file, .name])
		| map({generated: .[0].generated, ms: (map(.duration_ms) | med)}) as $all
		| ($all | map(select(.generated)) | map(.ms)) as $g
		| ($all | map(select(.generated | not)) | map(.ms)) as $h
		| "\($g | length) \($g | max // 0) \($g | med) \($g | map(select(. >= 50)) | length) \($h | length) \($h | max // 0) \($h | med)"' "$tmp/$1".out.*
}

measure repo "$RUNS" "$tmp/slo" test --format json
measure alone "$RUNS" "$tmp/slo" test --format json --parallel 1
if ((EXHAUSTIVE_RUNS > 0)); then
	measure repo-exh "$EXHAUSTIVE_RUNS" "$tmp/slo" test --format json --exhaustive
else
	echo nan >"$tmp/repo-exh.wall"
	echo nan >"$tmp/repo-exh.cpu"
	echo '{"scenarios": []}' >"$tmp/repo-exh.out.0"
fi
measure spec "$RUNS" "$tmp/slo" test "$SPEC"
measure spec-exh "$((EXHAUSTIVE_RUNS > 0 ? EXHAUSTIVE_RUNS : 1))" "$tmp/slo" test --exhaustive "$SPEC"
measure check "$RUNS" "$tmp/slo" check
if ((PROJECT_SLOS > 0)); then
	go build -o "$tmp/gen-bench-specs" ./scripts/gen-bench-specs
	"$tmp/gen-bench-specs" -n "$PROJECT_SLOS" -out "$tmp/project" >/dev/null
	measure project "$RUNS" "$tmp/slo" test --format json "$tmp/project"
fi
real_envs=()
if [[ $REAL_PROJECT != 0 ]]; then
	for d in "$REAL_PROJECT"/*/; do
		env=$(basename "$d")
		real_envs+=("$env")
		measure "real-$env" "$RUNS" "$tmp/slo" test --format json "$d"
	done
fi

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; wall: median of $RUNS runs, exhaustive of $EXHAUSTIVE_RUNS"
line "slo test (repository)" repo repo-exh 5
line "slo test $(basename "$SPEC")" spec spec-exh 1
line "slo check (repository)" check repo-exh 8
echo "exhaustive anchors: slo test $(cat "$tmp/repo-exh.wall") s wall, $(cat "$tmp/repo-exh.cpu") s CPU; one spec $(cat "$tmp/spec-exh.wall") s wall, $(cat "$tmp/spec-exh.cpu") s CPU"
read -r n gmax gmed over hn hmax hmed <<<"$(scenarios repo)"
read -r an agmax agmed aover _ ahmax ahmed <<<"$(scenarios alone)"
read -r _ xgmax xgmed _ _ xhmax xhmed <<<"$(scenarios repo-exh)"
awk -v n="$an" -v max="$agmax" -v med="$agmed" -v over="$aover" -v runs="$RUNS" 'BEGIN {
	printf "generated scenarios (%d), each alone (--parallel 1), its median of %d runs: max %.1f ms, median %.1f ms (goal: every one < 50 ms, %s; %d at or over)\n",
		n, runs, max, med, (over == 0 ? "met" : "NOT met"), over
}'
awk -v n="$n" -v max="$gmax" -v med="$gmed" -v over="$over" -v xmax="$xgmax" -v xmed="$xgmed" 'BEGIN {
	printf "generated scenarios (%d), two at a time as slo test runs them: max %.1f ms, median %.1f ms (%d at or over 50 ms)   ",
		n, max, med, over
	if (xmax == 0) print "exhaustive: not run"; else printf "exhaustive: max %.1f ms, median %.1f ms (%.3fx, %.3fx)\n", xmax, xmed, max / xmax, med / xmed
}'
awk -v n="$hn" -v max="$hmax" -v med="$hmed" -v xmax="$xhmax" -v xmed="$xhmed" 'BEGIN {
	printf "hand-written scenarios (%d): max %.1f ms, median %.1f ms   ", n, max, med
	if (xmax == 0) print "exhaustive: not run"; else printf "exhaustive: max %.1f ms, median %.1f ms\n", xmax, xmed
}'
if ((PROJECT_SLOS > 0)); then
	awk -v k="$PROJECT_SLOS" -v n="$(jq '.scenarios | length' "$tmp/project.out")" -v w="$(cat "$tmp/project.wall")" \
		-v c="$(cat "$tmp/project.cpu")" -v r="$(cat "$tmp/project.rss")" -v rn="$(jq '.scenarios | length' "$tmp/repo.out")" \
		-v rc="$(cat "$tmp/repo.cpu")" 'BEGIN {
		printf "larger project: slo test of %d generated SLO specs (%d scenarios): %.2f s wall, %.2f s CPU, %d MB; %.1f ms CPU a scenario, %.2fx the repository'"'"'s %.1f ms (no goal)\n",
			k, n, w, c, r, 1000 * c / n, (c / n) / (rc / rn), 1000 * rc / rn
	}'
fi
if ((${#real_envs[@]} > 0)); then
	# Per environment: name, scenarios, objectives, median wall, median
	# CPU, peak RSS; then the sums, the slowest and the ratio.
	for env in "${real_envs[@]}"; do
		echo "$env $(jq '.scenarios | length' "$tmp/real-$env.out") $(jq '[.scenarios[] | select(.status != "passed")] | length' "$tmp/real-$env.out") $(cat "$tmp/real-$env.wall" "$tmp/real-$env.cpu" "$tmp/real-$env.rss" | tr '\n' ' ')"
	done >"$tmp/real.txt"
	awk -v dir="$REAL_PROJECT" -v rn="$(jq '.scenarios | length' "$tmp/repo.out")" -v rc="$(cat "$tmp/repo.cpu")" '
		{ n += $2; bad += $3; w += $4; c += $5; if ($6 > r) r = $6; if ($4 > mw) { mw = $4; me = $1 } }
		END {
			printf "real project: slo test of the %d folders of %s in turn (%d scenarios, %d not passed): %.2f s wall, %.2f s CPU, %d MB at most; slowest %s %.2f s; %.1f ms CPU a scenario, %.2fx the repository'"'"'s (no goal)\n",
				NR, dir, n, bad, w, c, r, me, mw, 1000 * c / n, (c / n) / (rc / rn)
		}' "$tmp/real.txt"
fi
