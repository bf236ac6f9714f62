#!/usr/bin/env bash
# nvme bdev benchmark: 4 KiB reads at queue depth 1 through the nvme bdev (bdev core + module)
# beside the raw NVMe driver, each against its own controller model, in paired rounds of one run
# (tests/bench/nvme_bdev_bench). The models' work is not counted. Prints figures only.
#
# Usage: tests/bench/nvme_bdev.sh
# Environment: BUILDDIR (default build/), BENCH_IOS reads per round and path (default 100000).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${BUILDDIR:-$top/build}

if [ ! -f "$builddir/Makefile" ]; then
	echo "building in $builddir"
	BUILDDIR="$builddir" "$top/scripts/build.sh"
fi
make -s -C "$builddir" tests/bench/nvme_bdev_bench >/dev/null
start=$(date +%s)
echo "($(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'))"
"$builddir/tests/bench/nvme_bdev_bench" "${BENCH_IOS:-100000}"
echo "wall time: $(($(date +%s) - start)) s"
