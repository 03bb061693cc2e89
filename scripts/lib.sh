# lib.sh: shell functions shared by the bench scripts, which source it
# from the repository's root and call bench_setup first.

# bench_setup NAME: makes tmp, a temporary folder named after NAME that is
# removed on exit (kept, and named, with KEEP=1), and builds slo and
# scripts/maxrss (measure's stand-in for GNU time) into it.
bench_setup() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	if [[ ${KEEP:-} == 1 ]]; then
		echo "keeping $tmp"
	else
		trap 'rm -rf "$tmp"' EXIT
	fi
	go build -o "$tmp/slo" ./cmd/slo
	as_installed "$tmp/slo"
	go build -o "$tmp/maxrss" ./scripts/maxrss
}

# as_installed FILE: rewrites FILE with cp, so that the peak RSS of a
# program run from it is that of an installed binary. The Go linker writes
# its output through a memory mapping, and the kernel then maps a freshly
# linked file's pages into each process that runs it in larger blocks than
# a file written with write(2) or read back from disk: measured on Linux
# 6.18, `slo --help` peaked at 50 MiB from the file go build wrote, at 38 to
# 39 MiB from a cp of it, and at 38 to 39 MiB from the same file once the
# page cache had been dropped. An installed binary is a copy, or read from
# disk; the ~11 MiB of a just-linked one was most of the "binary floor"
# that moved from build to build.
as_installed() {
	cp "$1" "$1.installed" && mv "$1.installed" "$1"
}

# measure NAME CMD ARGS...: runs CMD ARGS under maxrss and appends
# "WALL KIB USER SYS" to $tmp/NAME.txt; on failure prints CMD's stderr and
# exits with its code.
measure() {
	local name=$1
	shift
	local code=0
	"$tmp/maxrss" -o "$tmp/m" "$@" >/dev/null 2>"$tmp/stderr" || code=$?
	if ((code != 0)); then
		echo "$(basename "$0" .sh): $* failed (exit $code):" >&2
		cat "$tmp/stderr" >&2
		exit "$code"
	fi
	cat "$tmp/m" >>"$tmp/$name.txt"
}

# median FILE [COLUMN]: the median of a column (the first by default; mean
# of the middle two for an even count).
median() {
	local c=${2:-1}
	sort -g -k"$c,$c" "$1" | awk -v c="$c" '{v[NR] = $c} END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
