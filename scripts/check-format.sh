#!/usr/bin/env bash
# Checks that the C sources are formatted with the repository's .clang-format (clang-format 14,
# Debian 12's). A stage of scripts/test.sh.
#   scripts/check-format.sh              check every tracked *.c, *.h, *.h.in
#   scripts/check-format.sh --fix FILE…  format FILEs in place (then commit them)
#   scripts/check-format.sh FILE…        check only FILEs
# Files matching a pattern of scripts/format-pending.txt (not yet formatted: reformatting them
# while others change them would make merge conflicts) are reported but do not fail the check;
# format one and remove its line when you next change it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
start=$SECONDS
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$CLANG_FORMAT" >/dev/null; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang-format >/dev/null
	else
		echo "FAIL: clang-format not found (scripts/pkgdep.sh installs it)"
		exit 1
	fi
fi

if [ "${1:-}" = --fix ]; then
	shift
	[ $# -gt 0 ] || {
		echo "usage: $0 --fix FILE..." >&2
		exit 2
	}
	exec "$CLANG_FORMAT" -i --style=file "$@"
fi

if [ $# -gt 0 ]; then
	files=("$@")
elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files '*.c' '*.h' '*.h.in')
else
	mapfile -t files < <(find include libspdkrt examples tests -name '*.c' -o -name '*.h' -o -name '*.h.in' | sort)
fi
pending() {
	local f=$1 pat
	while read -r pat; do
		[ -n "$pat" ] && [ "${pat#\#}" = "$pat" ] || continue
		# shellcheck disable=SC2053
		[[ $f == $pat ]] && return 0
	done <"$top/scripts/format-pending.txt"
	return 1
}

bad=()
waiting=()
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	if ! "$CLANG_FORMAT" --style=file --dry-run -Werror "$f" >/dev/null 2>&1; then
		if pending "$f"; then
			waiting+=("$f")
		else
			bad+=("$f")
		fi
	fi
done
for f in "${bad[@]}"; do
	echo "not formatted: $f  (scripts/check-format.sh --fix $f; the changes:)"
	"$CLANG_FORMAT" --style=file "$f" | diff -u "$f" - | sed -n '3,40p' | sed 's/^/    /' || true
done
if [ ${#waiting[@]} -gt 0 ]; then
	echo "pending (scripts/format-pending.txt, not failing): ${#waiting[@]} files not yet formatted"
fi
checked=$((${#files[@]} - ${#waiting[@]}))
if [ ${#bad[@]} -eq 0 ]; then
	echo "PASS: clang-format: $checked files formatted ($((SECONDS - start)) s)"
else
	echo "FAIL: clang-format: ${#bad[@]} of $checked files not formatted with .clang-format"
	exit 1
fi
