#!/bin/bash
# I/OAT in the guest. QEMU emulates no I/OAT (QuickData) DMA engine: no device model exists for
# it in QEMU, so the guest has no channel and the driver's real-hardware path cannot run here
# (the unit tests run it against tests/models/ioat instead). What runs here is real: the tools on
# the guest's real sysfs and DPDK environment must find no channel, say so and fail, and
# spdkrt-setup must list no I/OAT function (it matches the id table only, never class 0x0880).
# Only verify starts the environment (a DPDK init costs seconds under TCG); perf shares its probe
# code (examples/ioat/ioat_tool.h), so it only shows that it runs.
set -u
rc=0
out=$(bash "$SPDKRT_SETUP" status 2>&1)
if grep -qiE '^ *I/OAT +[0-9a-f]{4}:' <<<"$out"; then
	echo "$out"
	echo "FAIL: spdkrt-setup status lists an I/OAT function in a guest that has none"
	rc=1
else
	echo "ok: spdkrt-setup status lists no I/OAT function"
fi
st=0
err=$("$SPDKRT_BIN/ioat_verify" -t 0.1 2>&1 >/dev/null) || st=$?
if [ "$st" -eq 1 ] && grep -q "no I/OAT channel" <<<"$err"; then
	echo "ok: ioat_verify: no I/OAT channel, exit 1"
else
	echo "$err"
	echo "FAIL: ioat_verify exited $st without saying that there is no I/OAT channel"
	rc=1
fi
if "$SPDKRT_BIN/ioat_perf" --help | grep -q "^Usage: spdkrt-ioat-perf"; then
	echo "ok: ioat_perf --help"
else
	echo "FAIL: ioat_perf --help"
	rc=1
fi
exit $rc
