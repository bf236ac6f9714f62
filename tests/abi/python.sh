#!/usr/bin/env bash
# The Python binding examples/python/spdkrt.py against the built libspdkrt.so.1: its structure
# layouts against the C headers (tests/abi/layout.c), then examples/python/test_spdkrt.py
# (environment without hugepages, threads polled from Python, a malloc bdev written, read back
# and verified through completion callbacks). Under ASan, Python needs the ASan runtime preloaded.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
CC=${CC:-cc}
so=$top_builddir/libspdkrt/.libs/libspdkrt.so.1
command -v python3 >/dev/null || {
	echo "SKIP: python3 not found"
	exit 77
}
[ -f "$so" ] || {
	echo "FAIL: $so not built"
	exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The layout program is built plainly: it only prints offsets.
# shellcheck disable=SC2086
$CC -I"$top_srcdir/include" -I"$top_builddir/include" "$top_srcdir/tests/abi/layout.c" -o "$tmp/layout"
"$tmp/layout" >"$tmp/layout.txt"

version=$(sed -n 's/^#define SPDKRT_VERSION_STRING "\(.*\)"/\1/p' "$top_builddir/include/spdkrt/version.h")
preload=
if readelf -d "$so" | grep 'NEEDED.*libasan' >/dev/null; then
	preload=$($CC -print-file-name=libasan.so)
fi
env SPDKRT_LIBRARY="$so" ${preload:+LD_PRELOAD="$preload"} \
	${preload:+ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0} \
	PYTHONDONTWRITEBYTECODE=1 python3 -B "$top_srcdir/examples/python/test_spdkrt.py" --expect-version "$version" \
	--layout "$tmp/layout.txt"
