#!/usr/bin/env bash
# libFuzzer pass over the NVMe driver through the controller model (tests/fuzz/nvme_fuzz.c):
# builds the library and the model with clang's coverage and ASan+UBSan in build-fuzz (or
# $BUILDDIR), replays the committed corpus (tests/fuzz/corpus/nvme), then fuzzes for
# NVME_FUZZ_SECONDS (default 60) from a copy of it. Any crash, leak, hang (-timeout) or
# sanitizer report fails the stage; the input that did it is left in $BUILDDIR/fuzz-artifacts.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build-fuzz}
seconds=${NVME_FUZZ_SECONDS:-60}
start=$(date +%s)
cd "$top"

command -v clang >/dev/null || { echo "clang is needed (scripts/pkgdep.sh installs it)"; exit 1; }
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p "$builddir"
if [ ! -f "$builddir/Makefile" ]; then
	(cd "$builddir" && "$top/configure" -q CC=clang CFLAGS="$flags -fsanitize=fuzzer-no-link")
fi
make -C "$builddir" -s -j"$(nproc)" libspdkrt/libspdkrt_internal.la \
	tests/models/nvme/libnvme_model.la
# the libraries the library needs, as its Makefile expands them
libs=$(printf 'print-spdkrt-libs:\n\t@echo $(SPDKRT_DEP_LIBS)\n' |
	make -s -C "$builddir" --no-print-directory -f Makefile -f /dev/stdin print-spdkrt-libs)
# shellcheck disable=SC2086 # flag and library lists
clang $flags -fsanitize=fuzzer -include "$builddir/config.h" -I"$top/include" \
	-I"$builddir/include" -I"$top/libspdkrt" tests/fuzz/nvme_fuzz.c \
	"$builddir/tests/models/nvme/.libs/libnvme_model.a" \
	"$builddir/libspdkrt/.libs/libspdkrt_internal.a" $libs -o "$builddir/nvme_fuzz"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
artifacts="$builddir/fuzz-artifacts/"
mkdir -p "$artifacts"
rc=0
echo "--- replaying $(find tests/fuzz/corpus/nvme -type f | wc -l) corpus inputs"
"$builddir/nvme_fuzz" -artifact_prefix="$artifacts" -timeout=10 tests/fuzz/corpus/nvme/* \
	>"$builddir/fuzz-replay.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
	tail -n 60 "$builddir/fuzz-replay.log"
	echo "nvme fuzz: a corpus input failed (exit $rc), wall time $(($(date +%s) - start)) s"
	exit "$rc"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp tests/fuzz/corpus/nvme/* "$work/"
echo "--- fuzzing for ${seconds}s"
"$builddir/nvme_fuzz" -artifact_prefix="$artifacts" -timeout=10 -rss_limit_mb=4096 \
	-max_total_time="$seconds" -print_final_stats=1 "$work" >"$builddir/fuzz.log" 2>&1 || rc=$?
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::new_units_added)' \
	"$builddir/fuzz.log" || true
[ "$rc" -eq 0 ] || tail -n 60 "$builddir/fuzz.log"
echo "nvme fuzz: exit $rc, wall time $(($(date +%s) - start)) s"
exit "$rc"
