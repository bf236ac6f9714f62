#!/usr/bin/env bash
# spdkrt-ioat-perf and spdkrt-ioat-verify: their whole logic over two channel models (the test
# builds, which register tests/models/ioat as PCI functions; no emulator of I/OAT exists), and
# the real programs on this machine, which has no I/OAT channel: they must say so and fail.
# bdevperf's verify on a malloc bdev with copy=ioat, over a model, too.
# Behaviour only (exit codes, messages, JSON); no timing is asserted.
set -uo pipefail
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$(dirname "$0")/../../common/tool_checks.sh"

perf_model=$top_builddir/tests/unit/ioat/ioat_perf_model
verify_model=$top_builddir/tests/unit/ioat/ioat_verify_model
perf=$top_builddir/examples/ioat/ioat_perf
verify=$top_builddir/examples/ioat/ioat_verify

# Over the models: every request checked, results per channel and in total.
run verify_model 0 "$verify_model" -t 0.5 -q 4 -S 42 && {
	expect_in verify_model out "PASSED"
	expect_in verify_model out "^0000:80:00.0"
	expect_in verify_model out "^0000:80:00.1"
}
run perf_model 0 "$perf_model" -t 0.3 -s 64k -q 8 && expect_in perf_model out "^Total"
run perf_model_json 0 "$perf_model" -t 0.2 -s 4k -q 4 -n 1 --json &&
	if command -v python3 >/dev/null; then
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
assert len(d["channels"]) == 1 and d["total"]["ops_per_sec"] > 0 and d["total"]["errors"] == 0' \
			"$tmp/perf_model_json.out" || fail "perf_model_json: bad JSON"
	fi
SPDKRT_IOAT_TOOL_MODELS=0 run verify_no_model 1 "$verify_model" -t 0.1 &&
	expect_in verify_no_model err "no I/OAT channel"

# bdevperf, unmodified, over a channel model: verify on a malloc bdev that copies with I/OAT.
bdevperf_model=$top_builddir/tests/unit/ioat/bdevperf_model
run bdevperf_verify_ioat 0 "$bdevperf_model" -q 16 -o 4096 -w verify -t 1 \
	-b malloc:name=M0,size_mb=16,copy=ioat && {
	expect_in bdevperf_verify_ioat out "^Total"
	expect_in bdevperf_verify_ioat err "channel model 0 ran [1-9][0-9]* descriptors"
}
SPDKRT_IOAT_MODELS=0 run bdevperf_no_ioat 1 "$bdevperf_model" -q 1 -o 4096 -w verify -t 1 \
	-b malloc:name=M0,size_mb=16,copy=ioat && expect_in bdevperf_no_ioat err "copy=ioat is not available"

# The installed programs: usage, and a clear failure on a machine without I/OAT.
for tool in perf verify; do
	prog=${!tool}
	run "${tool}_noargs" 1 "$prog" && expect_in "${tool}_noargs" err "Usage:"
	run "${tool}_help" 0 "$prog" --help && expect_in "${tool}_help" out "Usage:"
	run "${tool}_badopt" 1 "$prog" -t 1 -q 0
	run "${tool}_no_ioat" 1 "$prog" --no-huge -t 0.1 &&
		expect_in "${tool}_no_ioat" err "no I/OAT channel"
done

[ "$failures" -eq 0 ] || exit 1
