#!/bin/bash
# The NVMe driver on QEMU's NVMe controller (0000:00:01.0, 64 MiB namespace, serial
# spdkrt-qemu-0001) through the provider's real path: identify (text and JSON), hello world
# (a block written and read back through DMA; QEMU 7.2 reports success even when the IOMMU
# blocked the DMA, so the data is what is checked), a short perf, then attach again; arbitration
# (round robin; weighted round robin refused: QEMU has none).
set -u
rc=0
trid='trtype:PCIe traddr:0000:00:01.0'
opts=(--mem 64)

out=$("$SPDKRT_BIN/nvme_identify" "${opts[@]}" -r "$trid" 2>&1) || {
	echo "$out"
	echo "FAIL: nvme_identify exited non-zero"
	rc=1
}
if grep -q "NVMe controller 0000:00:01.0" <<<"$out" && grep -q "spdkrt-qemu-0001" <<<"$out" &&
	grep -q "Namespace 1" <<<"$out"; then
	echo "ok: nvme_identify: controller, serial and namespace 1"
else
	echo "$out" | head -40
	echo "FAIL: nvme_identify output"
	rc=1
fi
out=$("$SPDKRT_BIN/nvme_hello_world" "${opts[@]}" -r "$trid" 2>&1)
if [ $? -eq 0 ] && grep -q "0000:00:01.0 namespace 1: Hello world!" <<<"$out"; then
	echo "ok: nvme_hello_world wrote and read back block 0"
else
	echo "$out"
	echo "FAIL: nvme_hello_world"
	rc=1
fi
out=$("$SPDKRT_BIN/nvme_perf" "${opts[@]}" -r "$trid" -t 1 -q 16 -o 4096 -w randrw -M 50 -L 2>&1)
if [ $? -eq 0 ] && grep -q "^Total" <<<"$out"; then
	echo "ok: nvme_perf: $(grep '^Total' <<<"$out" | awk '{print $2}') IOPS under TCG"
else
	echo "$out"
	echo "FAIL: nvme_perf"
	rc=1
fi
out=$("$SPDKRT_BIN/nvme_perf" "${opts[@]}" -r "$trid" -t 0.5 -q 4 -o 131072 -w read --json 2>&1)
if [ $? -eq 0 ] && grep -q '"errors": 0}}' <<<"$out"; then
	echo "ok: nvme_perf 128 KiB reads (PRP lists), JSON"
else
	echo "$out"
	echo "FAIL: nvme_perf 128 KiB"
	rc=1
fi
# arbitration: QEMU 7.2's controller has no weighted round robin in CAP.AMS, so -a wrr is
# refused with a message; round robin runs one queue per class (shares are QEMU's, not checked).
uptime_now() { cut -d' ' -f1 /proc/uptime; }
arb_t0=$(uptime_now)
out=$("$SPDKRT_BIN/nvme_arbitration" "${opts[@]}" -r "$trid" -n 3000 -q 8 --json 2>&1)
if [ $? -eq 0 ] && grep -q '"class": "low"' <<<"$out" && grep -q '"total": {"ios": 3000,' <<<"$out" &&
	grep -q '"errors": 0}}' <<<"$out"; then
	echo "ok: nvme_arbitration rr: 3 queues, 3000 I/Os"
else
	echo "$out"
	echo "FAIL: nvme_arbitration rr"
	rc=1
fi
out=$("$SPDKRT_BIN/nvme_arbitration" "${opts[@]}" -r "$trid" -n 100 -a wrr 2>&1)
if [ $? -eq 1 ] && grep -q "does not support weighted round robin" <<<"$out"; then
	echo "ok: nvme_arbitration -a wrr refused (no WRR in QEMU's CAP.AMS); both runs" \
		"$(awk -v a="$arb_t0" -v b="$(uptime_now)" 'BEGIN { printf "%.2f", b - a }') s"
else
	echo "$out"
	echo "FAIL: nvme_arbitration -a wrr on a controller without WRR"
	rc=1
fi
exit $rc
