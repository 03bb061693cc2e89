#!/usr/bin/env bash
# bench-sloth-specs.sh: slo compile against sloth generate on a folder of
# Sloth specs someone else wrote (a real project's, or copies of it), where
# bench-compile.sh uses generated ones.
#
#   scripts/bench-sloth-specs.sh DIR            # 5 runs of each
#   RUNS=9 SLOTH_BIN=/tmp/sloth-bin/sloth scripts/bench-sloth-specs.sh DIR
#
# DIR holds Sloth specs (version: prometheus/v1, or the Kubernetes
# PrometheusServiceLevel) that sloth generate and slo both accept. The
# script imports them once (slo import, into a temporary folder), then runs,
# in turn so that every command sees the same load, RUNS times:
#
#   - slo compile of DIR as it is (slo reads Sloth specs beside its own),
#     cold with --cache off, cold with a fresh cache folder, and warm (the
#     cache filled by an earlier run); each into a fresh output folder;
#   - slo compile of the imported slo/v1 specs, cold (fresh cache) and warm;
#   - sloth generate -i DIR -o a fresh folder.
#
# It prints, per command, the median wall time, the range (min to max) as a
# measure of noise, the median CPU time (user + system) and the peak RSS,
# and the ratios sloth / slo of the medians. Sloth is installed with go
# install into the temporary folder unless SLOTH_BIN names a binary.
# Environment: RUNS (5), SLOTH_BIN, SLOTH_VERSION (v0.16.0), KEEP=1.
set -euo pipefail

dir=${1:?usage: bench-sloth-specs.sh DIR}
RUNS=${RUNS:-5}
SLOTH_VERSION=${SLOTH_VERSION:-v0.16.0}
dir=$(cd "$dir" && pwd)

cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh # the script runs at the repository's root
bench_setup slo-bench-sloth
sloth=${SLOTH_BIN:-}
if [[ -z $sloth ]]; then
	GOBIN="$tmp/gobin" go install "github.com/slok/sloth/cmd/sloth@$SLOTH_VERSION"
	sloth="$tmp/gobin/sloth"
fi

# The import's diagnostics go to a log that the trap removes: print them when
# it fails, or set -e would end the script without a word.
if ! "$tmp/slo" import --out "$tmp/imported" "$dir" >/dev/null 2>"$tmp/import.log"; then
	echo "bench-sloth-specs: slo import $dir failed:" >&2
	cat "$tmp/import.log" >&2
	exit 1
fi
nspecs=$(find "$dir" -name '*.y*ml' | wc -l)
# cat | grep: grep -c of a file without a match exits 1, which pipefail and
# set -e would turn into a silent exit.
nslos=$(cat "$tmp"/imported/*.yaml | grep -c -E '^ *- *name:' || true)

# measure and median are in lib.sh.

# Warm-ups: fill the warm caches, and bring the binaries and specs into the
# page cache.
measure warmup env SLO_CACHE="$tmp/cache.warm" "$tmp/slo" compile --out "$tmp/o.w" "$dir"
measure warmup env SLO_CACHE="$tmp/cache.iwarm" "$tmp/slo" compile --out "$tmp/o.iw" "$tmp/imported"
mkdir -p "$tmp/s.w"
measure warmup "$sloth" generate --no-log -i "$dir" -o "$tmp/s.w"
for ((i = 1; i <= RUNS; i++)); do
	measure off "$tmp/slo" --cache off compile --out "$tmp/o.off.$i" "$dir"
	measure cold env SLO_CACHE="$tmp/cache.cold.$i" "$tmp/slo" compile --out "$tmp/o.cold.$i" "$dir"
	measure warm env SLO_CACHE="$tmp/cache.warm" "$tmp/slo" compile --out "$tmp/o.warm.$i" "$dir"
	measure icold env SLO_CACHE="$tmp/cache.icold.$i" "$tmp/slo" compile --out "$tmp/o.icold.$i" "$tmp/imported"
	measure iwarm env SLO_CACHE="$tmp/cache.iwarm" "$tmp/slo" compile --out "$tmp/o.iwarm.$i" "$tmp/imported"
	mkdir -p "$tmp/s.$i"
	measure sloth "$sloth" generate --no-log -i "$dir" -o "$tmp/s.$i"
	rm -rf "$tmp"/o.*."$i" "$tmp"/cache.*."$i" "$tmp/s.$i"
done

# stat NAME: "median min max cpu-median rss-max" of NAME's runs.
stat() {
	awk '{print $1}' "$tmp/$1.txt" >"$tmp/$1.wall"
	awk '{print $3 + $4}' "$tmp/$1.txt" >"$tmp/$1.cpu"
	echo "$(median "$tmp/$1.wall") $(sort -g "$tmp/$1.wall" | head -1) $(sort -g "$tmp/$1.wall" | tail -1) $(median "$tmp/$1.cpu") $(awk '$2 > r {r = $2} END {print r}' "$tmp/$1.txt")"
}
echo
echo "$nspecs Sloth specs ($nslos SLOs) in $dir; medians of $RUNS runs, interleaved; wall (min to max), CPU (user + system), peak RSS:"
for name in off cold warm icold iwarm sloth; do
	case $name in
	off) what="slo compile, Sloth specs, --cache off" ;;
	cold) what="slo compile, Sloth specs, fresh cache" ;;
	warm) what="slo compile, Sloth specs, warm cache" ;;
	icold) what="slo compile, imported, fresh cache" ;;
	iwarm) what="slo compile, imported, warm cache" ;;
	sloth) what="sloth generate $SLOTH_VERSION" ;;
	esac
	read -r m lo hi c r < <(stat "$name")
	printf "  %-40s %6.3f s (%5.3f to %5.3f)  cpu %6.2f s  %4.0f MiB\n" "$what" "$m" "$lo" "$hi" "$c" "$((r / 1024))"
	echo "$m $c" >"$tmp/$name.med"
done
read -r sw sc <"$tmp/sloth.med"
for name in off cold warm icold iwarm; do
	read -r w c <"$tmp/$name.med"
	awk -v n="$name" -v w="$w" -v c="$c" -v sw="$sw" -v sc="$sc" 'BEGIN {
		printf "  sloth / slo (%-5s)  %5.2fx wall  %5.2fx cpu\n", n, sw / w, sc / c }'
done
