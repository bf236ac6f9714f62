#!/usr/bin/env bash
# NVMe benchmark: the driver's own cost per read (submit + completion) against the register-level
# controller model, beside a raw loop (SQE, doorbell, CQE by phase, doorbell) on another queue of
# the same controller, in the same run (tests/bench/nvme_bench). The model's work is not counted
# in either. Queue depth 1, 4 KiB and 64 KiB (PRP list). Prints figures only.
#
# Usage: tests/bench/nvme.sh
# Environment: BUILDDIR (default build/), BENCH_IOS reads per size (default 200000).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${BUILDDIR:-$top/build}

if [ ! -f "$builddir/Makefile" ]; then
	echo "building in $builddir"
	BUILDDIR="$builddir" "$top/scripts/build.sh"
fi
make -s -C "$builddir" tests/bench/nvme_bench >/dev/null
start=$(date +%s)
echo "($(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'))"
"$builddir/tests/bench/nvme_bench" "${BENCH_IOS:-200000}"
echo "wall time: $(($(date +%s) - start)) s"
