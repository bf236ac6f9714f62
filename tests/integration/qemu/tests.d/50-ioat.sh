#!/bin/bash
# I/OAT in the guest. QEMU emulates no I/OAT (QuickData) DMA engine: no device model exists for
# it in QEMU, so the guest has no channel and the driver's real-hardware path cannot run here
# (the unit tests run it against tests/models/ioat instead). What runs here is real: the tools on
# the guest's real sysfs and DPDK environment must find no channel, say so and fail, and
# spdkrt-setup must list no I/OAT function (it matches the id table only, never class 0x0880).
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
for tool in ioat_verify ioat_perf; do
	prog=$SPDKRT_BIN/$tool
	if [ ! -x "$prog" ]; then
		echo "FAIL: $prog is not in the guest"
		rc=1
		continue
	fi
	st=0
	err=$("$prog" -t 0.1 2>&1 >/dev/null) || st=$?
	if [ "$st" -eq 1 ] && grep -q "no I/OAT channel" <<<"$err"; then
		echo "ok: $tool: no I/OAT channel, exit 1"
	else
		echo "$err"
		echo "FAIL: $tool exited $st without saying that there is no I/OAT channel"
		rc=1
	fi
done
exit $rc
