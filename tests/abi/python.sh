#!/usr/bin/env bash
# The Python package python/spdkrt against the built libspdkrt.so.1, with pytest (python/tests):
# the structure layouts against the C headers (tests/abi/layout.c), the environment without
# hugepages, threads polled from Python, malloc/null/aio bdevs through the full I/O set,
# exceptions out of poll(), finalizers, app_run in a child, and examples/bdevperf.py; then
# test_nvme.py again with the tests' library that carries the NVMe controller model
# (tests/python/libspdkrt_nvme_model.so), so spdkrt.nvme drives the real driver against it.
# Under ASan, Python needs the ASan runtime preloaded.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
CC=${CC:-cc}
so=$top_builddir/libspdkrt/.libs/libspdkrt.so.1
# The interpreter with pytest: the distribution's (python3-pytest), or the first python3.
py=
for candidate in /usr/bin/python3 python3; do
	if command -v "$candidate" >/dev/null && "$candidate" -c 'import pytest' 2>/dev/null; then
		py=$candidate
		break
	fi
done
[ -n "$py" ] || {
	echo "SKIP: no python3 with pytest (install python3-pytest: scripts/pkgdep.sh)"
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
model_so=$top_builddir/tests/python/.libs/libspdkrt_nvme_model.so
[ -f "$model_so" ] || {
	echo "FAIL: $model_so not built (make check builds it)"
	exit 1
}
cd "$top_srcdir/python"
# $1: the library; the rest: pytest's arguments.
run_pytest() {
	local lib=$1
	shift
	env SPDKRT_LIBRARY="$lib" SPDKRT_EXPECT_VERSION="$version" SPDKRT_LAYOUT_FILE="$tmp/layout.txt" \
		PYTHONPATH="$top_srcdir/python" PYTHONDONTWRITEBYTECODE=1 \
		${preload:+LD_PRELOAD="$preload"} \
		${preload:+ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0} \
		"$py" -B -m pytest -p no:cacheprovider -ra "$@"
}
run_pytest "$so" tests
run_pytest "$model_so" tests/test_nvme.py
