#!/usr/bin/env bash
# scripts/setup.sh (spdkrt-setup) against a fake sysfs/procfs tree (SPDKRT_SETUP_ROOT): status
# lists the NVMe and I/OAT functions and hugepages; config reserves HUGEMEM and binds through
# driver_override (uio_pci_generic without an IOMMU, vfio-pci with one), leaves an NVMe with a
# mounted namespace alone and honours PCI_BLOCKED; reset gives the functions back and releases
# the hugepages; bad input fails with a message. Nothing outside the fake tree is touched.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
setup=$top_srcdir/scripts/setup.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() {
	echo "FAIL: $*"
	failed=1
}
pass() { echo "ok: $*"; }

make_root() {
	local r=$1
	rm -rf "$r"
	mkdir -p "$r/proc/sys/vm" "$r/sys/bus/pci/devices" "$r/sys/kernel/iommu_groups" \
		"$r/sys/devices/system/node/node0/hugepages/hugepages-2048kB"
	printf 'MemTotal: 8000000 kB\nHugePages_Total: 0\nHugePages_Free: 0\nHugepagesize: 2048 kB\n' \
		>"$r/proc/meminfo"
	echo 0 >"$r/proc/sys/vm/nr_hugepages"
	echo "/dev/nvme1n1 /data ext4 rw 0 0" >"$r/proc/mounts"
	: >"$r/proc/swaps"
	echo 0 >"$r/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"
	echo 0 >"$r/sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages"
	: >"$r/sys/bus/pci/drivers_probe"
	for d in nvme ioatdma virtio-pci vfio-pci uio_pci_generic; do
		mkdir -p "$r/sys/bus/pci/drivers/$d"
		: >"$r/sys/bus/pci/drivers/$d/unbind"
	done
	# bdf class vendor device driver
	while read -r bdf class vendor device drv; do
		local dev=$r/sys/bus/pci/devices/$bdf
		mkdir -p "$dev"
		echo "$class" >"$dev/class"
		echo "$vendor" >"$dev/vendor"
		echo "$device" >"$dev/device"
		echo 0 >"$dev/numa_node"
		: >"$dev/driver_override"
		ln -s "../../drivers/$drv" "$dev/driver"
	done <<EOF
0000:01:00.0 0x010802 0x1b36 0x0010 nvme
0000:02:00.0 0x010802 0x1b36 0x0010 nvme
0000:00:04.0 0x088000 0x8086 0x2021 ioatdma
0000:00:05.0 0x020000 0x1af4 0x1000 virtio-pci
0000:00:05.2 0x088000 0x8086 0x2025 none
0000:80:04.3 0x088000 0x8086 0x6f23 ioatdma
EOF
	mkdir -p "$r/sys/bus/pci/devices/0000:01:00.0/nvme/nvme0/nvme0n1" \
		"$r/sys/bus/pci/devices/0000:02:00.0/nvme/nvme1/nvme1n1"
}

root=$tmp/root
make_root "$root"
export SPDKRT_SETUP_ROOT=$root

out=$("$setup" status)
if grep -q 'NVMe   0000:01:00.0.*nvme  *nvme0n1' <<<"$out" &&
	grep -q 'I/OAT  0000:00:04.0.*ioatdma' <<<"$out" &&
	grep -q 'I/OAT  0000:80:04.3.*ioatdma' <<<"$out" &&
	! grep -q '0000:00:05.0' <<<"$out" && ! grep -q '0000:00:05.2' <<<"$out" &&
	grep -q 'node0' <<<"$out"; then
	pass "status lists the NVMe and I/OAT functions (by id, not the other Intel class-0880 function), their drivers and the hugepages per node"
else
	echo "$out"
	fail "status output"
fi

out=$(HUGEMEM=64 PCI_BLOCKED="0000:00:04.0 0000:80:04.3" "$setup" config)
ovr() { tr -d '\n' <"$root/sys/bus/pci/devices/$1/driver_override"; }
if [ "$(cat "$root/proc/sys/vm/nr_hugepages")" = 32 ] &&
	[ "$(ovr 0000:01:00.0)" = uio_pci_generic ] &&
	[ "$(tr -d '\n' <"$root/sys/bus/pci/drivers/nvme/unbind")" = 0000:01:00.0 ] &&
	[ "$(tr -d '\n' <"$root/sys/bus/pci/drivers_probe")" = 0000:01:00.0 ] &&
	[ -z "$(ovr 0000:02:00.0)" ] && grep -q '0000:02:00.0.*/dev/nvme1n1 is mounted' <<<"$out" &&
	[ -z "$(ovr 0000:00:04.0)" ] && [ -z "$(ovr 0000:00:05.0)" ]; then
	pass "config: 32 x 2 MiB hugepages, NVMe to uio_pci_generic, mounted NVMe and blocked I/OAT left alone"
else
	echo "$out"
	fail "config (uio_pci_generic)"
fi

make_root "$root"
mkdir -p "$root/sys/kernel/iommu_groups/7"
out=$(NRHUGE=10 "$setup" config)
if [ "$(cat "$root/proc/sys/vm/nr_hugepages")" = 10 ] && [ "$(ovr 0000:01:00.0)" = vfio-pci ] &&
	[ "$(ovr 0000:00:04.0)" = vfio-pci ] && [ -z "$(ovr 0000:00:05.2)" ]; then
	pass "config with an IOMMU: NRHUGE=10, NVMe and I/OAT to vfio-pci, the non-DMA class-0880 function untouched"
else
	echo "$out"
	fail "config (vfio-pci)"
fi

# As if the kernel had bound them: reset gives them back.
for bdf in 0000:01:00.0 0000:00:04.0; do
	ln -sfn ../../drivers/vfio-pci "$root/sys/bus/pci/devices/$bdf/driver"
done
out=$("$setup" reset)
if [ "$(cat "$root/proc/sys/vm/nr_hugepages")" = 0 ] && [ -z "$(ovr 0000:01:00.0)" ] &&
	[ -z "$(ovr 0000:00:04.0)" ] &&
	[ "$(tr -d '\n' <"$root/sys/bus/pci/drivers/vfio-pci/unbind")" = 0000:01:00.0 ]; then
	pass "reset: driver_override cleared, functions unbound and reprobed, hugepages released"
else
	echo "$out"
	fail "reset"
fi

before=$(cat "$root/sys/bus/pci/devices/0000:01:00.0/driver_override")
out=$(DRY_RUN=1 DRIVER_OVERRIDE=uio_pci_generic "$setup" config)
if [ "$(cat "$root/sys/bus/pci/devices/0000:01:00.0/driver_override")" = "$before" ] &&
	grep -q "would write 'uio_pci_generic'" <<<"$out"; then
	pass "DRY_RUN=1 changes nothing and says what it would do"
else
	echo "$out"
	fail "DRY_RUN"
fi

rc=0
HUGEMEM=lots "$setup" config >"$tmp/err" 2>&1 || rc=$?
if [ "$rc" = 1 ] && grep -q 'HUGEMEM must be a number' "$tmp/err"; then
	pass "a bad HUGEMEM fails with a message"
else
	cat "$tmp/err"
	fail "bad HUGEMEM: status $rc"
fi
rc=0
"$setup" frobnicate >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] && pass "an unknown command exits 2" || fail "unknown command: status $rc"
"$setup" help | grep -q '^Usage: spdkrt-setup' && pass "help" || fail "help"

# The installed script carries the id table itself (make install substitutes it).
ids=$(grep -o 'SRT_IOAT_ID(0x[0-9a-f]*)' "$top_srcdir/libspdkrt/env/pci_ids.h" | sed 's/.*(\(0x[0-9a-f]*\))/\1/' | tr '\n' ' ')
sed "s/@IOAT_DEVICE_IDS@/$ids/" "$setup" >"$tmp/spdkrt-setup"
out=$(bash "$tmp/spdkrt-setup" status 2>&1)
if grep -q 'I/OAT  0000:80:04.3' <<<"$out" && ! grep -q 'no I/OAT id table' <<<"$out" &&
	[ "$(wc -w <<<"$ids")" -ge 40 ]; then
	pass "an installed copy (ids substituted, no source tree) matches I/OAT by the same table"
else
	echo "$out"
	fail "installed copy's I/OAT table"
fi

[ "$failed" = 0 ] && echo "PASS: spdkrt-setup"
exit "$failed"
