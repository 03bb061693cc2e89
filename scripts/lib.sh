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
	go build -o "$tmp/maxrss" ./scripts/maxrss
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
