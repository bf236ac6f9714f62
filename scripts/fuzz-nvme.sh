#!/usr/bin/env bash
# libFuzzer pass over the NVMe driver through the controller model (tests/fuzz/nvme_fuzz.c):
# links it over the fuzz build it shares with scripts/test-fuzz.sh (scripts/fuzz-build.sh:
# clang coverage and ASan+UBSan, in build-fuzz or $BUILDDIR; UBSan halts here), replays the
# committed corpus (tests/fuzz/corpus/nvme), then fuzzes for
# NVME_FUZZ_SECONDS (default 60) from a copy of it. Any crash, leak, hang (-timeout) or
# sanitizer report fails the stage; the input that did it is left in $BUILDDIR/fuzz-artifacts.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build-fuzz}
seconds=${NVME_FUZZ_SECONDS:-60}
start=$(date +%s)
cd "$top"

# shellcheck source=scripts/fuzz-build.sh
. "$top/scripts/fuzz-build.sh"
fuzz_build
# shellcheck disable=SC2086 # flag and library lists
clang $fuzz_flags -fsanitize=fuzzer -include "$builddir/config.h" -I"$top/include" \
	-I"$builddir/include" -I"$top/libspdkrt" tests/fuzz/nvme_fuzz.c \
	"$builddir/tests/models/nvme/.libs/libnvme_model.a" \
	"$builddir/libspdkrt/.libs/libspdkrt_internal.a" $fuzz_libs -o "$builddir/nvme_fuzz"

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
