#!/usr/bin/env bash
# The whole test suite on a bare machine: installs dependencies, builds with -Werror and runs
# every test, then rebuilds with AddressSanitizer+UBSan and runs every test again.
# Usage: scripts/test.sh        (SPDKRT_TEST_QUICK=1 skips the sanitizer pass)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/pkgdep.sh

passed=0
failed=0
failures=()

# Runs `make check` in a build tree and adds its results to the totals.
run_check() {
	local label=$1 builddir=$2
	local rc=0
	echo "=== $label: make check ==="
	make -C "$builddir" -s -j"$(nproc)" check >"$builddir/check.out" 2>&1 || rc=$?
	# cmocka's own summaries, then automake's.
	grep -hE '^\[  (PASSED|FAILED)  \]|^\[==========\] .* test\(s\) run' "$builddir"/tests/*/*.log \
		"$builddir"/tests/*/*/*.log 2>/dev/null | sort | uniq -c | sed 's/^/  /' || true
	grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' "$builddir/check.out" || true
	local p f
	p=$(grep -cE '^PASS:' "$builddir/check.out" || true)
	f=$(grep -cE '^(FAIL|ERROR|XPASS):' "$builddir/check.out" || true)
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
		failures+=("$label")
		[ -f "$builddir/test-suite.log" ] && tail -n 80 "$builddir/test-suite.log"
		tail -n 30 "$builddir/check.out"
	fi
}

echo "=== build (-Werror) ==="
BUILDDIR="$top/build" scripts/build.sh --enable-werror
run_check "werror" "$top/build"

if [ "${SPDKRT_TEST_QUICK:-0}" != 1 ]; then
	echo "=== build (ASan+UBSan, -Werror) ==="
	BUILDDIR="$top/build-asan" scripts/build.sh --enable-werror --enable-asan --enable-debug
	run_check "asan" "$top/build-asan"
fi

# Further stages, each a script that prints its own results and exits non-zero on failure.
run_stage() {
	local label=$1 script=$2
	[ -x "$script" ] || return 0
	echo "=== $label ==="
	if "$script"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$label")
	fi
}
run_stage "formatting (clang-format)" scripts/check-format.sh
run_stage "ThreadSanitizer stress" scripts/test-tsan.sh
run_stage "NVMe driver fuzzing (libFuzzer, through the model)" scripts/fuzz-nvme.sh
run_stage "installed packages" scripts/test-packages.sh
run_stage "fio plugin" scripts/test-fio.sh
run_stage "fuzz (libFuzzer)" scripts/test-fuzz.sh
run_stage "QEMU guests (vfio-pci, uio_pci_generic)" tests/integration/qemu/run.sh

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed passes: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#failures[@]} -eq 0 ]
