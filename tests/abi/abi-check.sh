#!/usr/bin/env bash
# ABI compatibility of the built libspdkrt.so.1 with the released ABI, tests/abi/libspdkrt.abi
# (an abidw dump of the public types and functions, taken from the public headers only).
#
#   abi-check.sh            compare (make abi-check; also part of make check): fails on any
#                           incompatible change: a removed or re-versioned symbol, a changed
#                           function signature, a changed public structure that is not opaque
#                           (appending to a size-prefixed options structure is allowed: abi.suppr).
#                           Added functions pass, but only in the version node of the release being
#                           developed (LIBSPDKRT_<major>.<minor> of configure's version): a node in
#                           the baseline that is not that one is released, so frozen.
#   abi-check.sh --update   rewrite the baseline from the built library (make abi-baseline)
#
# Inputs can be overridden (the self-test uses that): ABI_LIB, ABI_BASELINE, ABI_HEADERS (dirs),
# ABI_DEV_NODE, ABI_SUPPRESSIONS.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
lib=${ABI_LIB:-$top_builddir/libspdkrt/.libs/libspdkrt.so.1}
baseline=${ABI_BASELINE:-$top_srcdir/tests/abi/libspdkrt.abi}
headers=${ABI_HEADERS:-"$top_srcdir/include $top_builddir/include"}
suppr=${ABI_SUPPRESSIONS:-$top_srcdir/tests/abi/abi.suppr}
if [ -z "${ABI_DEV_NODE:-}" ]; then
	vh=$top_builddir/include/spdkrt/version.h
	ABI_DEV_NODE=LIBSPDKRT_$(sed -n 's/^#define SPDKRT_VERSION_MAJOR \([0-9]*\).*/\1/p' "$vh").$(sed -n 's/^#define SPDKRT_VERSION_MINOR \([0-9]*\).*/\1/p' "$vh")
fi

for tool in abidw abidiff; do
	command -v $tool >/dev/null || {
		echo "SKIP: $tool not found (install abigail-tools on Debian, libabigail on Fedora)"
		exit 77
	}
done
[ -f "$lib" ] || {
	echo "FAIL: $lib not built"
	exit 1
}
hd_args=()
for d in $headers; do hd_args+=(--headers-dir "$d"); done

if [ "${1:-}" = --update ]; then
	abidw "${hd_args[@]}" --drop-private-types --no-corpus-path --no-comp-dir-path --short-locs \
		--no-elf-needed --type-id-style hash --out-file "$baseline.tmp" "$lib"
	# Keep the header file of each declaration (libabigail tells public types from private ones
	# by it) but not the line and column, so that the baseline changes only when the ABI does.
	sed -E "s/ line='[0-9]+' column='[0-9]+'/ line='1' column='1'/g" "$baseline.tmp" >"$baseline"
	rm -f "$baseline.tmp"
	echo "wrote $baseline from $lib"
	exit 0
fi

[ -f "$baseline" ] || {
	echo "FAIL: no baseline $baseline (make abi-baseline writes one)"
	exit 1
}
# A baseline of another architecture cannot be compared.
arch=$(sed -n "s/.*<abi-corpus[^>]* architecture='\([^']*\)'.*/\1/p" "$baseline" | head -n1)
here=$( (abidw "$lib" 2>/dev/null || true) | sed -n "s/.*<abi-corpus[^>]* architecture='\([^']*\)'.*/\1/p" | head -n1)
if [ -n "$arch" ] && [ -n "$here" ] && [ "$arch" != "$here" ]; then
	echo "SKIP: the baseline is for $arch, this library is $here"
	exit 77
fi

failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. abidiff: every bit of its status is a failure once added symbols are left out of the report.
hd2_args=()
for d in $headers; do hd2_args+=(--headers-dir2 "$d"); done
rc=0
abidiff --no-added-syms --drop-private-types --fail-no-debug-info "${hd2_args[@]}" \
	${suppr:+--suppressions "$suppr"} "$baseline" "$lib" >"$tmp/abidiff" 2>&1 || rc=$?
if [ "$rc" -eq 0 ]; then
	echo "ok: abidiff: no incompatible change against ${baseline##*/}"
else
	cat "$tmp/abidiff"
	what="ABI changes"
	[ $((rc & 8)) -eq 0 ] || what="incompatible ABI changes"
	[ $((rc & 3)) -eq 0 ] || what="an abidiff error (status $rc)"
	echo "FAIL: $what against ${baseline##*/} (abidiff status $rc; see above)"
	failed=1
fi

# 2. New functions go into the version node of the release being developed.
readelf -W --dyn-syms "$lib" | awk '$1 ~ /^[0-9]+:$/ && $7 != "UND" && $8 ~ /@/ { print $8 }' |
	sed 's/@@*/ /' | sort >"$tmp/now"
python3 - "$baseline" >"$tmp/base" <<'PY'
import sys, xml.etree.ElementTree as ET
for s in ET.parse(sys.argv[1]).getroot().iter("elf-symbol"):
    print(s.get("name"), s.get("version", ""))
PY
sort -o "$tmp/base" "$tmp/base"
added=$(comm -13 "$tmp/base" "$tmp/now")
bad=$(echo "$added" | awk -v dev="$ABI_DEV_NODE" 'NF == 2 && $2 != dev { print "  " $1 " in " $2 }')
if [ -n "$bad" ]; then
	echo "FAIL: functions added to a released version node; put them in $ABI_DEV_NODE:"
	echo "$bad"
	failed=1
else
	n=$(echo "$added" | grep -c . || true)
	echo "ok: $n function(s) added since the baseline, all in $ABI_DEV_NODE"
fi

[ "$failed" = 0 ] && echo "PASS: ABI compatible with ${baseline##*/}"
exit "$failed"
