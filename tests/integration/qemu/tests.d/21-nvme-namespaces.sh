#!/bin/bash
# The second QEMU NVMe controller (0000:00:02.0, serial spdkrt-qemu-0002, run.sh's
# nvme_controllers): identify lists each namespace with its format (1: 4 KiB blocks, 2: 512-byte
# blocks with 8 bytes of separate metadata and type 1 protection information; 3 is detached),
# the 16 KiB MDTS and the controller memory buffer; hello_world and perf run on its namespaces
# (namespace 2 through PRACT: the controller inserts and strips the PI), also with the I/O SQ
# and hello_world's data buffer in the controller memory buffer.
set -u
rc=0
trid='trtype:PCIe traddr:0000:00:02.0'
opts=(--mem 64 -r "$trid")
bad() {
	echo "FAIL: nvme-namespaces: $*"
	rc=1
}

if ! out=$("$SPDKRT_BIN/nvme_identify" "${opts[@]}" 2>&1); then
	echo "$out"
	bad "nvme_identify exited non-zero"
fi
ns() { sed -n "/^Namespace $1\$/,/^Namespace /p" <<<"$out"; }
if grep -q "spdkrt-qemu-0002" <<<"$out" && grep -q "Max transfer: *16384 bytes" <<<"$out"; then
	echo "ok: nvme-namespaces: identify: serial spdkrt-qemu-0002, max transfer 16 KiB (MDTS)"
else
	bad "identify: serial or max transfer"
fi
if ns 1 | grep -q "blocks of 4096 bytes" && ns 1 | grep -q "Metadata: *0 bytes"; then
	echo "ok: nvme-namespaces: identify: namespace 1 has 4 KiB blocks"
else
	bad "identify: namespace 1 is not 4 KiB without metadata"
fi
if ns 2 | grep -q "blocks of 512 bytes" && ns 2 | grep -q "Metadata: *8 bytes$" &&
	ns 2 | grep -q "Protection info: *enabled"; then
	echo "ok: nvme-namespaces: identify: namespace 2 has 512 + 8 bytes separate metadata, PI on"
else
	bad "identify: namespace 2 lacks its separate metadata or PI"
fi
if grep -q "^Namespace 3$" <<<"$out"; then
	bad "identify lists the detached namespace 3"
else
	echo "ok: nvme-namespaces: identify: detached namespace 3 is not active"
fi
if grep -q "Memory buffer (CMB): *1048576 bytes" <<<"$out"; then
	echo "ok: nvme-namespaces: identify: 1 MiB controller memory buffer (CMBSZ valid after CMBMSC.CRE)"
else
	bad "identify: $(grep 'Memory buffer' <<<"$out" | tr -s ' ') (1 MiB expected)"
fi
[ "$rc" = 0 ] || echo "$out" | head -80

if out=$("$SPDKRT_BIN/nvme_hello_world" "${opts[@]}" 2>&1) &&
	grep -q "0000:00:02.0 namespace 1: Hello world!" <<<"$out" &&
	grep -q "0000:00:02.0 namespace 2: Hello world!" <<<"$out"; then
	echo "ok: nvme-namespaces: hello_world on the 4 KiB namespace and the PI namespace"
else
	echo "$out"
	bad "hello_world"
fi
if out=$("$SPDKRT_BIN/nvme_perf" "${opts[@]}" -t 1 -q 8 -o 4096 -w randrw -M 50 --json 2>&1) &&
	[ "$(grep -o '"errors": 0' <<<"$out" | wc -l)" -ge 3 ]; then
	echo "ok: nvme-namespaces: perf 4 KiB randrw on both namespaces, no errors"
else
	echo "$out"
	bad "perf 4 KiB randrw"
fi
if out=$("$SPDKRT_BIN/nvme_perf" "${opts[@]}" -t 0.5 -q 4 -o 65536 -w read --json 2>&1) &&
	[ "$(grep -o '"errors": 0' <<<"$out" | wc -l)" -ge 3 ]; then
	echo "ok: nvme-namespaces: perf 64 KiB reads (4 x MDTS, split by the driver), no errors"
else
	echo "$out"
	bad "perf 64 KiB reads"
fi
# The controller memory buffer (QEMU 7.2: CMBMSC.CMSE with CBA = BAR2's bus address): the I/O
# SQ there and hello_world's data buffer too (written, read back, compared), then perf with
# its SQs there. The driver logs (level info) where each SQ lives.
cmb_start=$SECONDS
if out=$(SPDKRT_LOG_LEVEL=info "$SPDKRT_BIN/nvme_hello_world" "${opts[@]}" --cmb-sqs --cmb-buffer 2>&1) &&
	grep -q "queue 1's SQ in the controller memory buffer" <<<"$out" &&
	grep -q "0000:00:02.0 namespace 1 (data in the CMB): Hello world!" <<<"$out" &&
	grep -q "0000:00:02.0 namespace 2 (data in the CMB): Hello world!" <<<"$out"; then
	echo "ok: nvme-namespaces: hello_world with its SQ and data buffer in the CMB ($(grep -o 'CMB of [0-9]* KiB in BAR[0-9] at controller address 0x[0-9a-f]*' <<<"$out"))"
else
	echo "$out"
	bad "hello_world --cmb-sqs --cmb-buffer"
fi
if out=$(SPDKRT_LOG_LEVEL=info "$SPDKRT_BIN/nvme_perf" "${opts[@]}" --cmb-sqs -t 1 -q 8 -o 4096 -w randrw -M 50 --json 2>&1) &&
	grep -q "queue 1's SQ in the controller memory buffer" <<<"$out" &&
	[ "$(grep -o '"errors": 0' <<<"$out" | wc -l)" -ge 3 ]; then
	echo "ok: nvme-namespaces: perf --cmb-sqs 4 KiB randrw, SQ in the CMB, no errors ($((SECONDS - cmb_start)) s for the CMB checks)"
else
	echo "$out"
	bad "perf --cmb-sqs"
fi
exit $rc
