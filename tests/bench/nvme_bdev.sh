#!/usr/bin/env bash
# nvme bdev benchmark: 4 KiB reads through the nvme bdev (bdev core + module) beside the raw NVMe
# driver, each against its own controller model, in paired rounds of one run
# (tests/bench/nvme_bdev_bench), and instructions per read under callgrind when valgrind is
# installed; at queue depth 1 (every read pays a whole thread poll) and in batches of 32 (as
# bdevperf's deep queues do). The models' work is not counted. Prints figures only.
#
# Usage: tests/bench/nvme_bdev.sh
# Environment: BUILDDIR (default build/), BENCH_IOS reads per round and path (default 100000),
#              BENCH_COUNT_IOS reads per path under callgrind (default 2000).
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
bench=$builddir/tests/bench/nvme_bdev_bench
for qd in 1 32; do
	"$bench" --qd "$qd" "${BENCH_IOS:-100000}"
done

# Instructions per read, counted by callgrind inside each path's submit and reap functions only,
# after a warm-up (exact and load-independent: the figure to compare across runs).
if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
	n=${BENCH_COUNT_IOS:-2000}
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
	total() { callgrind_annotate "$out/$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'; }
	for qd in 1 32; do
		for path in driver bdev; do
			valgrind --tool=callgrind --callgrind-out-file="$out/$path" --collect-atstart=no \
				--zero-before=bench_counting_starts --toggle-collect="bench_${path}_submit" \
				--toggle-collect="bench_${path}_reap" "$bench" --qd "$qd" --count "$n" \
				>/dev/null 2>&1
		done
		awk -v n="$n" -v qd="$qd" -v d="$(total driver)" -v b="$(total bdev)" 'BEGIN {
			printf "instructions per 4 KiB read at queue depth %u (callgrind, %u reads): driver %.0f, bdev %.0f, bdev/drv %.2fx\n",
				qd, n, d / n, b / n, b / d }'
	done
else
	echo "(valgrind not installed: no instruction counts)"
fi
echo "wall time: $(($(date +%s) - start)) s"
