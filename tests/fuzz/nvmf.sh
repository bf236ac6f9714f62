#!/usr/bin/env bash
# libFuzzer over the NVMe/TCP target's receive path, for a bounded time: builds the library's
# objects with clang (-fsanitize=fuzzer-no-link,address) in build-fuzz ($FUZZ_BUILDDIR), links
# tests/fuzz/nvmf_recv.c as a libFuzzer binary and runs it for FUZZ_SECONDS (60) from a copy of
# the committed corpus (tests/fuzz/nvmf_corpus; regenerate the seeds with make_nvmf_corpus.py).
# A crash, a hang or a sanitizer report fails it; the input is kept in $FUZZ_ARTIFACTS (/tmp).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bd=${FUZZ_BUILDDIR:-$top/build-fuzz}
secs=${FUZZ_SECONDS:-60}
artifacts=${FUZZ_ARTIFACTS:-/tmp}
start=$SECONDS
if ! command -v clang >/dev/null; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang >/dev/null
	else
		echo "FAIL: clang not found (scripts/pkgdep.sh installs it)"
		exit 1
	fi
fi
[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh >/dev/null)
mkdir -p "$bd"
cd "$bd"
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address"
if [ ! -f Makefile ] || [ "$(cat .fuzz-flags 2>/dev/null)" != "$flags" ]; then
	"$top/configure" -q CC=clang CFLAGS="$flags"
	echo "$flags" >.fuzz-flags
fi
make -s -j"$(nproc)" libspdkrt/libspdkrt_internal.la
deps=$(sed -n 's/^\(DPDK_LIBS\|NUMA_LIBS\|AIO_LIBS\|URING_LIBS\|CRYPTO_LIBS\) = //p' Makefile | tr '\n' ' ')
# shellcheck disable=SC2086
clang -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address -std=gnu11 \
	-include "$bd/config.h" -I"$top/include" -I"$bd/include" -I"$top/libspdkrt" -I"$top" \
	"$top/tests/fuzz/nvmf_recv.c" libspdkrt/.libs/libspdkrt_internal.a $deps -lpthread -ldl \
	-o nvmf_recv_fuzz
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp "$top"/tests/fuzz/nvmf_corpus/* "$corpus/"
echo "fuzzing the NVMe/TCP receive path for $secs s (build $((SECONDS - start)) s)"
# The target is set up once and kept: leak checks per input would count it.
rc=0
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 ./nvmf_recv_fuzz -max_total_time="$secs" \
	-max_len=65536 -timeout=30 -print_final_stats=1 -artifact_prefix="$artifacts/nvmf-fuzz-" \
	"$corpus" >fuzz.log 2>&1 || rc=$?
grep -E '^(#[0-9]+ +(INITED|DONE)|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)' \
	fuzz.log || true
if [ "$rc" -ne 0 ]; then
	tail -n 40 fuzz.log
	echo "FAIL: NVMe/TCP receive-path fuzzing (exit $rc; the input is in $artifacts/nvmf-fuzz-*)"
	exit 1
fi
echo "PASS: NVMe/TCP receive-path fuzzing, $secs s ($((SECONDS - start)) s wall)"
