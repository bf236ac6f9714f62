#!/usr/bin/env bash
# Device-DMA translation figures: spdkrt_vtophys per PRP page and per 128 KiB SGL run over
# DPDK without hugepages, as ratios to spdkrt_dma_iova in the same run. Builds the benchmark.
# Usage: tests/bench/vtophys.sh [iterations]   (BUILDDIR: build tree, default build/)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${BUILDDIR:-$top/build}
[ -f "$builddir/Makefile" ] || BUILDDIR="$builddir" "$top/scripts/build.sh"
make -C "$builddir" -s tests/bench/vtophys_bench
if grep -q -- '--enable-[at]san' "$builddir/.configure-args" 2>/dev/null; then
	echo "note: $builddir is a sanitizer build; its figures are not representative" >&2
fi
"$builddir/tests/bench/vtophys_bench" "$@"
