#!/usr/bin/env bash
# bench-compile.sh: how fast slo compiles, against the goals of issue 10
# (item 4) and against Sloth v0.16 on the same SLOs, and how it copes with
# 40,000 threshold alerts (issue 9).
#
#   scripts/bench-compile.sh              # 1,000 SLOs, 5 runs of each
#   N=100 RUNS=9 scripts/bench-compile.sh
#   SLOTH=0 scripts/bench-compile.sh      # without Sloth
#
# It builds slo, scripts/maxrss (a portable stand-in for GNU time's
# '%e %M %U %S') and scripts/gen-bench-specs into a temporary folder and
# generates N specs (one service and one ratio SLO each), the same SLOs in
# Sloth's format, and ALERT_FILES files of ALERTS_PER_FILE threshold alerts.
# Then it reports, as medians of RUNS runs:
#
#   - in process: BenchmarkCompile1000SLOs (the compile slo compile runs,
#     app.CompileWith with FilesOnly: read, decode, validate, compile,
#     render and the read-back of every file, without writing) cold, every run with an empty read-back cache (see
#     docs/target-prometheus.md: every file goes through Prometheus's rule
#     loader), and BenchmarkCompile1000SLOsWarm, warm (the cache holds the
#     1,000 files from an earlier run); BenchmarkCompile1000SLOsNoCache
#     (--cache off: cold less the cache's own hashing and index); with
#     BenchmarkCompile1SLO, the anchor (without a cache), from the same
#     run, and BenchmarkReadBack1000SLOs, the read-back alone
#     (Prometheus's rule loader on the 1,000 rendered files), the part a
#     cold compile cannot make cheaper;
#   - through the CLI: `slo compile` into a fresh folder with a cold cache
#     (a cache folder of its own each run) and with a warm one, `slo
#     compile` into a folder already up to date (nothing written, warm),
#     the peak RSS of each (and how far above `slo --help`'s it is: the
#     binary's file-backed pages are most of --help's peak; slo and Sloth
#     are run from a copy of the file the linker wrote, as an installed
#     binary is, see as_installed in lib.sh), `slo validate` (the same work without writing)
#     cold and warm, `slo --help` (process start-up, the floor of any
#     command), and `cp -r` of the 1,000 rule files into a fresh folder
#     (what creating the files costs on this disk, the floor of a compile
#     into a fresh folder); and the warm compile and the cp -r again into
#     a folder on tmpfs (SHM), which is slo's own cost without the disk's:
#     on this VM's disk (ext4 without a journal) creating 1,000 files took
#     from under 0.05 s to over 0.3 s from one hour to the next, with what
#     had been created and removed there before;
#   - Sloth v0.16 (`sloth generate`) on the same SLOs, run in turn with slo
#     so that both see the same load, and the ratios of the two.
#
# Sloth is installed with `go install` into the temporary folder (the
# first time this downloads and builds it, a minute or two); SLOTH_BIN
# names a sloth binary to use instead, SLOTH=0 skips it. When it cannot be
# installed the script says so and goes on without it.
#
# The machine may be shared: wall times move with its load, CPU times
# (user + system, every core) less so. Both are printed; compare figures
# of one run, and with the anchor, not across machines. A missed goal is
# reported, not fatal: the script exits 0. It exits non-zero when a build
# fails or slo fails.
#
# Environment: N (1000), RUNS (5), GOAL_INPROC seconds (0.15), GOAL_CLI
# seconds (0.3), GOAL_RSS_MIB (80), ALERT_FILES (40), ALERTS_PER_FILE
# (1000), ALERT_RUNS (3; 0 skips the alerts), SLOTH (1), SLOTH_BIN,
# SLOTH_VERSION (v0.16.0), SHM (/dev/shm; 0 skips it), KEEP=1 to keep the
# temporary folder.
set -euo pipefail

N=${N:-1000}
RUNS=${RUNS:-5}
GOAL_INPROC=${GOAL_INPROC:-0.15}
GOAL_CLI=${GOAL_CLI:-0.3}
GOAL_RSS_MIB=${GOAL_RSS_MIB:-80}
ALERT_FILES=${ALERT_FILES:-40}
ALERTS_PER_FILE=${ALERTS_PER_FILE:-1000}
ALERT_RUNS=${ALERT_RUNS:-3}
SLOTH=${SLOTH:-1}
SLOTH_VERSION=${SLOTH_VERSION:-v0.16.0}
SHM=${SHM:-/dev/shm}

cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib.sh
. scripts/lib.sh # the script runs at the repository's root
bench_setup slo-bench
go build -o "$tmp/gen-bench-specs" ./scripts/gen-bench-specs
"$tmp/gen-bench-specs" -n "$N" -out "$tmp/specs"
"$tmp/gen-bench-specs" -n "$N" -format sloth -out "$tmp/sloth-specs"
if ((ALERT_RUNS > 0)); then
	"$tmp/gen-bench-specs" -n "$ALERT_FILES" -alerts "$ALERTS_PER_FILE" -out "$tmp/alert-specs"
fi

# Sloth: a given binary, or go install into the temporary folder.
sloth=""
sloth_note=""
if [[ $SLOTH != 1 ]]; then
	sloth_note="skipped (SLOTH=$SLOTH)"
elif [[ -n ${SLOTH_BIN:-} ]]; then
	sloth=$SLOTH_BIN
elif GOBIN="$tmp/gobin" go install "github.com/slok/sloth/cmd/sloth@$SLOTH_VERSION" >"$tmp/sloth-install.log" 2>&1; then
	sloth="$tmp/gobin/sloth"
	as_installed "$sloth" # see lib.sh: measured as slo is
else
	sloth_note="skipped: go install github.com/slok/sloth/cmd/sloth@$SLOTH_VERSION failed: $(tail -n 1 "$tmp/sloth-install.log")"
fi

# measure and median are in lib.sh.

# maxcol FILE COLUMN: the largest value of a column.
maxcol() { awk -v c="$2" 'NR == 1 || $c > m {m = $c} END {print m}' "$1"; }
# cpu FILE: the median of user + system seconds.
cpu() { awk '{print $3 + $4}' "$1" >"$1.cpu" && median "$1.cpu" 1; }

# In process, with the anchor from the same run.
go test -run '^$' -bench '^Benchmark(Compile1000SLOs|Compile1000SLOsWarm|Compile1000SLOsNoCache|Compile1SLO|ReadBack1000SLOs)$' -benchmem -count="$RUNS" ./internal/app/ | tee "$tmp/gotest.txt"
# benchfield NAME UNIT: the values of UNIT of benchmark NAME, one a line.
benchfield() {
	awk -v name="$1" -v unit="$2" '$1 ~ "^Benchmark" name "(-[0-9]+)?$" {
		for (i = 2; i <= NF; i++) if ($(i) == unit) print $(i - 1) }' "$tmp/gotest.txt"
}
benchfield Compile1000SLOs ns/op >"$tmp/inproc.txt"
benchfield Compile1000SLOs cpu-ms/op >"$tmp/inproc-cpu.txt"
benchfield Compile1000SLOsWarm ns/op >"$tmp/inproc-warm.txt"
benchfield Compile1000SLOsWarm cpu-ms/op >"$tmp/inproc-warm-cpu.txt"
benchfield Compile1000SLOsNoCache ns/op >"$tmp/inproc-off.txt"
benchfield Compile1000SLOsNoCache cpu-ms/op >"$tmp/inproc-off-cpu.txt"
benchfield Compile1SLO ns/op >"$tmp/anchor.txt"
benchfield ReadBack1000SLOs ns/op >"$tmp/readback.txt"
benchfield ReadBack1000SLOs cpu-ms/op >"$tmp/readback-cpu.txt"
inproc=$(median "$tmp/inproc.txt" 1)
inproc_cpu=$(median "$tmp/inproc-cpu.txt" 1)
inproc_warm=$(median "$tmp/inproc-warm.txt" 1)
inproc_warm_cpu=$(median "$tmp/inproc-warm-cpu.txt" 1)
inproc_off=$(median "$tmp/inproc-off.txt" 1)
inproc_off_cpu=$(median "$tmp/inproc-off-cpu.txt" 1)
anchor=$(median "$tmp/anchor.txt" 1)
readback=$(median "$tmp/readback.txt" 1)
readback_cpu=$(median "$tmp/readback-cpu.txt" 1)

# Through the CLI, slo and Sloth in turn. Every slo run names its cache:
# a folder of its own (cold) or the one the warm-up filled (warm).
warm="$tmp/cache.warm"
measure warmup env SLO_CACHE="$warm" "$tmp/slo" compile --out "$tmp/out.warmup" "$tmp/specs"
if [[ -n $sloth ]]; then
	mkdir -p "$tmp/sloth-out.warmup"
	measure sloth-warmup "$sloth" generate --no-log -i "$tmp/sloth-specs" -o "$tmp/sloth-out.warmup"
fi
# A folder on tmpfs, for the warm compile without the disk (see the header).
shm=""
if [[ $SHM != 0 && -d $SHM && -w $SHM ]]; then
	shm=$(mktemp -d "$SHM/slo-bench.XXXXXX")
	if [[ ${KEEP:-} == 1 ]]; then
		trap 'rm -rf "$shm"' EXIT # memory, not worth keeping
	else
		trap 'rm -rf "$tmp" "$shm"' EXIT
	fi
fi
for ((i = 1; i <= RUNS; i++)); do
	measure compile env SLO_CACHE="$tmp/cache.cold.$i" "$tmp/slo" compile --out "$tmp/out.$i" "$tmp/specs"
	measure compile-warm env SLO_CACHE="$warm" "$tmp/slo" compile --out "$tmp/outw.$i" "$tmp/specs"
	measure uptodate env SLO_CACHE="$warm" "$tmp/slo" compile --out "$tmp/out.warmup" "$tmp/specs"
	measure validate env SLO_CACHE="$tmp/cache.vcold.$i" "$tmp/slo" validate "$tmp/specs"
	measure validate-warm env SLO_CACHE="$warm" "$tmp/slo" validate "$tmp/specs"
	measure help "$tmp/slo" --help
	measure copy cp -r "$tmp/out.warmup/rules" "$tmp/copy.$i"
	if [[ -n $shm ]]; then
		measure compile-warm-shm env SLO_CACHE="$warm" "$tmp/slo" compile --out "$shm/outw.$i" "$tmp/specs"
		measure copy-shm cp -r "$tmp/out.warmup/rules" "$shm/copy.$i"
	fi
	if [[ -n $sloth ]]; then
		mkdir -p "$tmp/sloth-out.$i"
		measure sloth "$sloth" generate --no-log -i "$tmp/sloth-specs" -o "$tmp/sloth-out.$i"
	fi
done
for ((i = 1; i <= ALERT_RUNS; i++)); do
	measure alerts env SLO_CACHE="$tmp/cache.alerts.$i" "$tmp/slo" compile --out "$tmp/alerts-out.$i" "$tmp/alert-specs"
done
# Removed only after every measured run: on ext4 without a journal (this
# VM's disk), every new file's inode is allocated past the inodes freed in
# the last seconds, so removing thousands of files between runs slowed the
# next runs' file creation (measured with perf: 40% of a warm compile's CPU
# in ext4's recently_deleted) and measured the bench's own clean-up.
for ((i = 1; i <= RUNS; i++)); do
	rm -rf "$tmp/out.$i" "$tmp/outw.$i" "$tmp/copy.$i" "$tmp/sloth-out.$i" "$tmp/cache.cold.$i" "$tmp/cache.vcold.$i"
	[[ -z $shm ]] || rm -rf "$shm/outw.$i" "$shm/copy.$i"
done
for ((i = 1; i <= ALERT_RUNS; i++)); do
	rm -rf "$tmp/alerts-out.$i" "$tmp/cache.alerts.$i"
done

wall=$(median "$tmp/compile.txt" 1)
wall_cpu=$(cpu "$tmp/compile.txt")
rss_kib=$(maxcol "$tmp/compile.txt" 2)
wwall=$(median "$tmp/compile-warm.txt" 1)
wwall_cpu=$(cpu "$tmp/compile-warm.txt")
wrss_kib=$(maxcol "$tmp/compile-warm.txt" 2)
uwall=$(median "$tmp/uptodate.txt" 1)
uwall_cpu=$(cpu "$tmp/uptodate.txt")
urss_kib=$(maxcol "$tmp/uptodate.txt" 2)
vwall=$(median "$tmp/validate.txt" 1)
vcpu=$(cpu "$tmp/validate.txt")
vwwall=$(median "$tmp/validate-warm.txt" 1)
vwcpu=$(cpu "$tmp/validate-warm.txt")
hwall=$(median "$tmp/help.txt" 1)
hrss_kib=$(maxcol "$tmp/help.txt" 2)
cwall=$(median "$tmp/copy.txt" 1)
ccpu=$(cpu "$tmp/copy.txt")
shwall="" shcpu="" shcwall=""
if [[ -n $shm ]]; then
	shwall=$(median "$tmp/compile-warm-shm.txt" 1)
	shcpu=$(cpu "$tmp/compile-warm-shm.txt")
	shcwall=$(median "$tmp/copy-shm.txt" 1)
fi
swall="" scpu="" srss_kib=""
if [[ -n $sloth ]]; then
	swall=$(median "$tmp/sloth.txt" 1)
	scpu=$(cpu "$tmp/sloth.txt")
	srss_kib=$(maxcol "$tmp/sloth.txt" 2)
fi
awall="" acpu="" arss_kib=""
if ((ALERT_RUNS > 0)); then
	awall=$(median "$tmp/alerts.txt" 1)
	acpu=$(cpu "$tmp/alerts.txt")
	arss_kib=$(maxcol "$tmp/alerts.txt" 2)
fi

echo
awk -v n="$N" -v runs="$RUNS" -v inproc="$inproc" -v inproc_cpu="$inproc_cpu" \
	-v inproc_warm="$inproc_warm" -v inproc_warm_cpu="$inproc_warm_cpu" -v anchor="$anchor" \
	-v inproc_off="$inproc_off" -v inproc_off_cpu="$inproc_off_cpu" \
	-v readback="$readback" -v readback_cpu="$readback_cpu" \
	-v wall="$wall" -v wall_cpu="$wall_cpu" -v kib="$rss_kib" \
	-v wwall="$wwall" -v wwall_cpu="$wwall_cpu" -v wkib="$wrss_kib" \
	-v uwall="$uwall" -v uwall_cpu="$uwall_cpu" -v ukib="$urss_kib" \
	-v vwall="$vwall" -v vcpu="$vcpu" -v vwwall="$vwwall" -v vwcpu="$vwcpu" \
	-v hwall="$hwall" -v hkib="$hrss_kib" -v cwall="$cwall" -v ccpu="$ccpu" \
	-v shm="$SHM" -v shwall="$shwall" -v shcpu="$shcpu" -v shcwall="$shcwall" \
	-v swall="$swall" -v scpu="$scpu" -v skib="$srss_kib" -v snote="$sloth_note" -v sver="$SLOTH_VERSION" \
	-v gi="$GOAL_INPROC" -v gc="$GOAL_CLI" -v gm="$GOAL_RSS_MIB" \
	-v afiles="$ALERT_FILES" -v aper="$ALERTS_PER_FILE" -v aruns="$ALERT_RUNS" \
	-v awall="$awall" -v acpu="$acpu" -v akib="$arss_kib" 'BEGIN {
	printf "compile %d SLOs, medians of %d runs; wall time, then CPU time (user + system, all cores);\n", n, runs
	printf "cold: an empty read-back cache, every file through Prometheus'"'"'s rule loader; warm: the cache holds the files:\n"
	s = inproc / 1e9
	printf "  in process, cold         %6.3f s  (cpu %5.2f s)   goal < %s s: %s%s\n", s, inproc_cpu / 1000, gi, goal(s, gi), (n == 1000 ? "" : " (always 1,000 SLOs)")
	s = inproc_warm / 1e9
	printf "  in process, warm         %6.3f s  (cpu %5.2f s)   goal < %s s: %s\n", s, inproc_warm_cpu / 1000, gi, goal(s, gi)
	printf "    without a cache (--cache off): %.3f s (cpu %.2f s); anchor: BenchmarkCompile1SLO, without a cache, %.2f ms;\n", inproc_off / 1e9, inproc_off_cpu / 1000, anchor / 1e6
	printf "    per SLO the 1,000 cost %.2fx the anchor cold, %.2fx warm\n", inproc / 1000 / anchor, inproc_warm / 1000 / anchor
	printf "    the read-back alone (Prometheus'"'"'s rule loader on the 1,000 files): %.3f s (cpu %.2f s), %.0f%% of the cold cpu\n", readback / 1e9, readback_cpu / 1000, 100 * readback_cpu / inproc_cpu
	printf "  slo compile, cold        %6.3f s  (cpu %5.2f s)   goal < %s s: %s (into a fresh folder)\n", wall, wall_cpu, gc, goal(wall, gc)
	printf "  slo compile, warm        %6.3f s  (cpu %5.2f s)   goal < %s s: %s (into a fresh folder)\n", wwall, wwall_cpu, gc, goal(wwall, gc)
	printf "  slo compile, up to date  %6.3f s  (cpu %5.2f s)   goal < %s s: %s (warm, every file already there)\n", uwall, uwall_cpu, gc, goal(uwall, gc)
	printf "    creating the 1,000 files on this disk (cp -r of the rule files into a fresh folder): %.3f s (cpu %.2f s)\n", cwall, ccpu
	if (shwall != "") {
		printf "  slo compile, warm, tmpfs %6.3f s  (cpu %5.2f s)   goal < %s s: %s (into a fresh folder in %s; cp -r there: %.3f s)\n", shwall, shcpu, gc, goal(shwall, gc), shm, shcwall
	}
	printf "  peak RSS, cold           %6.0f MiB                  goal < %s MiB: %s\n", kib / 1024, gm, goal(kib / 1024, gm)
	printf "  peak RSS, warm           %6.0f MiB                  goal < %s MiB: %s (up to date: %.0f MiB)\n", wkib / 1024, gm, goal(wkib / 1024, gm), ukib / 1024
	printf "    above slo --help'"'"'s peak: cold %.0f MiB, warm %.0f MiB (--help'"'"'s is mostly the binary'"'"'s file-backed pages)\n", (kib - hkib) / 1024, (wkib - hkib) / 1024
	printf "  slo validate, cold       %6.3f s  (cpu %5.2f s)   (the same work, no files written)\n", vwall, vcpu
	printf "  slo validate, warm       %6.3f s  (cpu %5.2f s)\n", vwwall, vwcpu
	printf "  slo --help               %6.3f s, %.0f MiB         (process start-up, the floor)\n", hwall, hkib / 1024
	if (swall == "") {
		printf "  sloth %s: %s\n", sver, snote
	} else {
		printf "  sloth %s          %6.3f s  (cpu %5.2f s), peak RSS %.0f MiB (sloth generate on the same SLOs)\n", sver, swall, scpu, skib / 1024
		printf "  sloth / slo, cold        %5.2fx wall, %5.2fx cpu   goal > 1 (slo ahead of Sloth): %s\n", swall / wall, scpu / wall_cpu, (swall / wall > 1 ? "met" : "MISSED")
		printf "  sloth / slo, warm        %5.2fx wall, %5.2fx cpu   goal > 1 (slo ahead of Sloth): %s\n", swall / wwall, scpu / wwall_cpu, (swall / wwall > 1 ? "met" : "MISSED")
	}
	if (aruns > 0) {
		printf "compile %d threshold alerts (%d files of %d), median of %d runs, cold:\n", afiles * aper, afiles, aper, aruns
		printf "  slo compile     %6.2f s  (cpu %5.2f s), peak RSS %.0f MiB (issue 9 measured 60 s and 0.5 GB)\n", awall, acpu, akib / 1024
	}
}
function goal(v, g) { return v < g ? "met" : sprintf("MISSED (%.1fx the goal)", v / g) }'
