# Sourced by the shell tests that run spdkrt's programs and check their behaviour (exit codes,
# messages, JSON): a scratch directory $tmp removed on exit, a failure count, and three checks.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# run NAME EXPECTED_RC CMD...: runs CMD (bounded by a timeout), keeps its output in $tmp/NAME.{out,err}.
run() {
	local name=$1 want=$2 rc=0
	shift 2
	timeout 120 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit $rc, expected $want: $*"
		sed 's/^/  stdout: /' "$tmp/$name.out" | tail -n 20
		sed 's/^/  stderr: /' "$tmp/$name.err" | tail -n 20
		return 1
	fi
	echo "ok: $name"
	return 0
}

# expect_in NAME out|err PATTERN: the output of run NAME contains PATTERN.
expect_in() {
	local name=$1 file=$2 pattern=$3
	grep -q -- "$pattern" "$tmp/$name.$file" || fail "$name: '$pattern' not in its $file"
}
