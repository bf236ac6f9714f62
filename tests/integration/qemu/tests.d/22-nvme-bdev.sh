#!/bin/bash
# The nvme bdev module over PCIe (issue 17's guest part): bdevperf verify on every namespace of
# the first two controllers (Nvme0n1; Nvme1n1 with 4 KiB blocks, Nvme1n2 with PI the controller
# inserts), a reset workload (a controller reset per job each second during reads), the crypto
# vbdev stacked on Nvme0n1, and a hot removal during I/O: bdevperf on the controller behind the
# second root port (QEMU id nvme3), `device_del nvme3` through run.sh; the bdev must go away and
# bdevperf end, no crash or hang.
# Runs before 23-nvme-data.sh: verify overwrites the namespaces whose images run.sh checks.
set -u
rc=0
bad() {
	echo "FAIL: nvme-bdev: $*"
	rc=1
}
good() { echo "ok: nvme-bdev: $*"; }
spec() { echo "nvme:name=$1,trtype=pcie,traddr=$2"; }
bdevperf() { timeout 120 "$SPDKRT_BIN/bdevperf" -s 128 "$@"; }

if out=$(bdevperf -q 16 -o 4096 -w verify -t 2 -b "$(spec Nvme0 0000:00:01.0)" \
	-b "$(spec Nvme1 0000:00:02.0)" -b Nvme1n2 2>&1) && grep -q "^Total" <<<"$out"; then
	for b in Nvme0n1 Nvme1n1 Nvme1n2; do
		grep -q "^$b " <<<"$out" || bad "bdevperf verify ran no job on $b"
	done
	good "bdevperf verify on Nvme0n1, Nvme1n1 (4 KiB), Nvme1n2 (PI): $(grep '^Total' <<<"$out" | tr -s ' ')"
	[ "$rc" = 0 ] || echo "$out" | tail -30
else
	echo "$out" | tail -30
	bad "bdevperf verify over PCIe"
fi
if out=$(bdevperf -q 8 -o 4096 -w reset -t 3 -b "$(spec Nvme1 0000:00:02.0)" 2>&1) &&
	grep -q "^Total" <<<"$out"; then
	good "bdevperf reset workload (controller resets during reads): $(grep '^Total' <<<"$out" | tr -s ' ')"
else
	echo "$out" | tail -30
	bad "bdevperf reset workload over PCIe"
fi

# The crypto vbdev stacked on an nvme bdev: verify through AES-XTS on Nvme0n1, which it claims.
crypto="crypto:name=Crypt0,base=Nvme0n1,cipher=AES_XTS"
crypto+=",key=00112233445566778899aabbccddeeff,key2=ffeeddccbbaa99887766554433221100"
if out=$(bdevperf -q 8 -o 4096 -w verify -t 2 -b "$(spec Nvme0 0000:00:01.0)" -b "$crypto" 2>&1) &&
	grep -q "^Crypt0 " <<<"$out" && ! grep -q "^Nvme0n1 " <<<"$out"; then
	good "bdevperf verify on a crypto bdev over Nvme0n1: $(grep '^Total' <<<"$out" | tr -s ' ')"
else
	echo "$out" | tail -30
	bad "bdevperf verify on a crypto bdev over an nvme bdev"
fi

# Hot removal under the bdev layer.
dev=
for d in /sys/bus/pci/devices/0000:00:04.0/0000:*:00.0; do
	[ -e "$d" ] && dev=${d##*/}
done
if [ -z "$dev" ]; then
	bad "no function behind the root port 00:04.0"
	exit 1
fi
bdevperf -q 8 -o 4096 -w randread -t 60 -S 1 -b "$(spec Nvme3 "$dev")" \
	>/tmp/bdev-hotremove.log 2>&1 &
perf=$!
for _ in $(seq 300); do # the first interim line: I/O is running
	grep -q "s\] Total:" /tmp/bdev-hotremove.log && break
	sleep 0.2
done
echo "SPDKRT-QEMU: device_del nvme3"
st=0
wait "$perf" || st=$?
if [ "$st" = 124 ]; then
	bad "bdevperf still ran 120 s after the removal of $dev (hang)"
elif [ "$st" -gt 1 ]; then
	bad "bdevperf ended with status $st after the removal of $dev"
elif ! grep -q "is being removed" /tmp/bdev-hotremove.log; then
	bad "bdevperf (status $st) never heard that the bdev was removed"
else
	good "hot removal of $dev during bdevperf: the bdev was removed, bdevperf ended (status $st)"
fi
[ "$rc" = 0 ] || tail -30 /tmp/bdev-hotremove.log
for _ in $(seq 60); do
	[ -e "/sys/bus/pci/devices/$dev" ] || break
	sleep 0.5
done
if [ -e "/sys/bus/pci/devices/$dev" ]; then
	bad "$dev is still on the guest's PCI bus"
else
	good "$dev is gone from the guest's PCI bus"
fi
exit $rc
