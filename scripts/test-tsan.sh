#!/usr/bin/env bash
# ThreadSanitizer pass over the thread layer, the app runner and bdev completions made on another
# thread: builds a separate tree (build-tsan, or $BUILDDIR) with --enable-tsan --enable-werror,
# builds only the test programs below, runs them, prints their cmocka summaries and exits non-zero
# if any fails or TSan reports anything. The app test's DPDK scenarios run on real lcores: TSan cannot see DPDK's
# own launch and wait, so the app hands data over with its own release/acquire atomics and
# TSan is clean. Should a DPDK update make TSan report DPDK internals, set
# SPDKRT_TEST_HEAP_ENV=1 to run those scenarios on the env's pthread backend instead.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build-tsan}
cd "$top"

programs=(
	tests/unit/thread/thread_test
	tests/unit/thread/poller_test
	tests/unit/thread/io_channel_test
	tests/unit/thread/channel_walk_test
	tests/unit/thread/msg_ring_test
	tests/unit/thread/ticks_test
	tests/unit/thread/msg_stress_test
	tests/unit/thread/send_exit_race_test
	tests/unit/bdev/foreign_completion_test
	tests/unit/app/reactor_test
	tests/unit/app/app_test
	tests/unit/env/dma_test
	tests/unit/env/pci_model_test
	tests/unit/models/nvme_model_test
	tests/unit/nvme/reset_test
	tests/unit/nvme/probe_uevent_test
	tests/unit/nvme/tcp_host_test
	tests/unit/ioat/completion_test
	tests/unit/copy/engine_test
	tests/unit/api/misuse_test
	tests/unit/nvmf/tcp_target_test
	tests/unit/nvmf/tcp_mt_test
)

echo "=== build (ThreadSanitizer, -Werror) in $builddir ==="
BUILDDIR="$builddir" scripts/build.sh --enable-tsan --enable-werror
make -C "$builddir" -s -j"$(nproc)" "${programs[@]}"

# halt_on_error: the first report fails the program; exitcode 66 tells it from a test failure.
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1 exitcode=66 second_deadlock_stack=1}"

failed=()
for p in "${programs[@]}"; do
	log="$builddir/$p.tsan.log"
	rc=0
	start=$(date +%s%N)
	"$builddir/$p" >"$log" 2>&1 || rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	summary=$(grep -E '^\[  (PASSED|FAILED)  \]' "$log" | tail -n 1 || true)
	printf '  %-40s %-28s %4d.%03d s\n' "$p" "${summary:-[ no cmocka summary ]}" \
		$((ms / 1000)) $((ms % 1000))
	if [ "$rc" -ne 0 ] || grep -q "WARNING: ThreadSanitizer" "$log"; then
		failed+=("$p")
		echo "--- $p: exit status $rc; last lines of $log:"
		tail -n 60 "$log"
	fi
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "ThreadSanitizer pass failed: ${failed[*]}"
	exit 1
fi
echo "ThreadSanitizer pass: ${#programs[@]} programs clean"
