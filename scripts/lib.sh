# lib.sh: shell functions shared by the bench scripts, which source it
# after setting tmp, a temporary folder holding the maxrss binary.

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
