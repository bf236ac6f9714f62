#!/usr/bin/env bash
# I/OAT benchmark: the driver's own cost per descriptor and per copy (build, flush, completion)
# against the register-level channel model, beside CPU memcpy of the same sizes in the same run
# (tests/bench/ioat_bench). There is no I/OAT hardware on these machines and no emulator of it:
# the model stands in for the device, and its work is not counted. Prints figures only.
#
# Usage: tests/bench/ioat.sh
# Environment: BUILDDIR (default build/), BENCH_TIME seconds per size (default 1).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${BUILDDIR:-$top/build}
bench=$builddir/tests/bench/ioat_bench

if [ ! -f "$builddir/Makefile" ]; then
	echo "building in $builddir"
	BUILDDIR="$builddir" "$top/scripts/build.sh"
fi
make -s -C "$builddir" tests/bench/ioat_bench >/dev/null
start=$(date +%s)
echo "($(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'))"
"$bench" "${BENCH_TIME:-1}"
echo "wall time: $(($(date +%s) - start)) s"
