#!/usr/bin/env bash
# Thread layer figures: cross-thread message throughput and round-trip latency of
# spdkrt_thread_send_msg against a mutex+condvar queue measured in the same run (with the
# ratio), and the cost of an idle spdkrt_thread_poll. Builds the benchmark if needed.
# Usage: tests/bench/thread.sh [messages [round_trips]]   (BUILDDIR: build tree, default build/)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${BUILDDIR:-$top/build}
[ -f "$builddir/Makefile" ] || BUILDDIR="$builddir" "$top/scripts/build.sh"
make -C "$builddir" -s tests/bench/thread_bench
if grep -q -- '--enable-[at]san' "$builddir/.configure-args" 2>/dev/null; then
	echo "note: $builddir is a sanitizer build; its figures are not representative" >&2
fi
"$builddir/tests/bench/thread_bench" "$@"
