#!/usr/bin/env bash
# NVMe benchmark: the driver's own cost per read (submit + completion) against the register-level
# controller model, beside a raw loop (SQE, doorbell, CQE by phase, doorbell) on another queue of
# the same controller, in the same run (tests/bench/nvme_bench). The model's work is not counted
# in either. Queue depth 1, 4 KiB and 64 KiB (PRP list). Prints ns per I/O (medians of rounds,
# the ratio per round) and, when valgrind is installed, instructions per I/O counted by callgrind
# inside the timed functions only (exact and load-independent: the figure to compare across runs).
#
# Usage: tests/bench/nvme.sh
# Environment: BUILDDIR (default build/), BENCH_IOS reads per size (default 200000),
#              BENCH_COUNT_IOS reads per size under callgrind (default 2000).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${BUILDDIR:-$top/build}

if [ ! -f "$builddir/Makefile" ]; then
	echo "building in $builddir"
	BUILDDIR="$builddir" "$top/scripts/build.sh"
fi
make -s -C "$builddir" tests/bench/nvme_bench >/dev/null
bench=$builddir/tests/bench/nvme_bench
start=$(date +%s)
echo "($(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'))"
"$bench" "${BENCH_IOS:-200000}"

# Instructions per I/O: callgrind collects only inside one path's two timed functions (submit and
# reap, with everything they call); its total divided by the reads is that path's count.
count_instructions() { # size path
	valgrind --tool=callgrind --callgrind-out-file="$out/cg" --collect-atstart=no \
		--toggle-collect="bench_$2_submit" --toggle-collect="bench_$2_reap" \
		"$bench" --count "$1" "$n" >/dev/null 2>&1
	callgrind_annotate "$out/cg" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}
if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
	n=${BENCH_COUNT_IOS:-2000}
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
	printf '%-10s %14s %14s %8s   (callgrind, %u reads)\n' "read size" "driver instr/IO" \
		"raw instr/IO" "ratio" "$n"
	for size in 4096 65536; do
		d=$(count_instructions "$size" driver)
		r=$(count_instructions "$size" raw)
		awk -v size="$size" -v n="$n" -v d="$d" -v r="$r" \
			'BEGIN { printf "%-10u %14.0f %14.0f %7.2fx\n", size, d / n, r / n, d / r }'
	done
else
	echo "(valgrind not installed: no instruction counts)"
fi
echo "wall time: $(($(date +%s) - start)) s"
