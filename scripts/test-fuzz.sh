#!/usr/bin/env bash
# Fuzz stage: builds each fuzz target with clang's libFuzzer (+ASan/UBSan) over the fuzz build
# it shares with scripts/fuzz-nvme.sh (scripts/fuzz-build.sh, build-fuzz or $BUILDDIR), then
# fuzzes each target for SPDKRT_FUZZ_SECONDS (default 20) from its committed corpus
# tests/fuzz/corpus/<name>/ (copied: new inputs stay out of the source tree).
# A crash, a hang (-timeout), a leak or a target's own check (spec_fuzz: key material in a log
# line) fails the stage; the input that did it is kept in $builddir/fuzz-findings/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build-fuzz}
seconds=${SPDKRT_FUZZ_SECONDS:-20}
cd "$top"
start=$(date +%s)

# shellcheck source=scripts/fuzz-build.sh
. "$top/scripts/fuzz-build.sh"
fuzz_build

failed=()
for target in spec nvmf; do
	bin="$builddir/tests/fuzz/${target}_fuzz"
	mkdir -p "$(dirname "$bin")" "$builddir/fuzz-findings/$target"
	# shellcheck disable=SC2086
	clang $fuzz_flags -fsanitize=fuzzer -std=gnu11 -include "$builddir/config.h" \
		-I"$top/include" -I"$builddir/include" -I"$top/libspdkrt" \
		"$top/tests/fuzz/${target}_fuzz.c" "$builddir/libspdkrt/.libs/libspdkrt_internal.a" \
		$fuzz_libs -o "$bin"
	work=$(mktemp -d)
	cp "$top/tests/fuzz/corpus/$target/"* "$work/"
	log="$builddir/tests/fuzz/${target}_fuzz.log"
	rc=0
	ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$builddir/fuzz-findings/$target/" "$work" >"$log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	printf '  %-12s %s runs in %s s, corpus %s -> %s inputs, exit %s\n' "$target" "${runs:-?}" \
		"$seconds" "$(ls "$top/tests/fuzz/corpus/$target" | wc -l)" "$(ls "$work" | wc -l)" "$rc"
	rm -rf "$work"
	if [ "$rc" -ne 0 ]; then
		failed+=("$target")
		tail -n 40 "$log"
	fi
done

echo "fuzz stage wall time: $(($(date +%s) - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz targets with findings: ${failed[*]} (inputs in $builddir/fuzz-findings/)"
	exit 1
fi
echo "fuzz: no finding"
