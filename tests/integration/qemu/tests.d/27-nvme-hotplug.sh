#!/bin/bash
# Hot insertion and removal with spdkrt-nvme-hotplug: 25-nvme-hotremove.sh left the root port
# rp1 (bus 01) empty. The tool watches 0000:01:00.0 while run.sh puts a new controller there
# (device_add on QEMU's monitor, drive nvm6); the guest kernel's pciehp adds the function,
# spdkrt-setup binds it (PCI_ALLOWED: that function only). The tool only probes, every 20 ms;
# the driver acts on the kernel's uevents in each probe (or its scan finds the function). The
# tool reads; then device_del takes it away and the tool must see the removal, detach, and end
# with exit 0. Which came first is printed: the driver's uevent ("the kernel unbound/removed the
# function (uevent)"; uio: pciehp unbinds the driver before it removes the function), or the
# device itself (uio: the revoked BAR's SIGBUS, all-ones reads; vfio: the device request, which
# the kernel sends before any uevent).
set -u
dev=0000:01:00.0
ok() { echo "ok: nvme-hotplug: $*"; }
fail() {
	echo "FAIL: nvme-hotplug: $*"
	tail -20 /tmp/hotplug.out /tmp/hotplug.err 2>/dev/null
	exit 1
}
# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s.
wait_for() {
	local n=$(($1 * 5))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}
present() { [ -e /sys/bus/pci/devices/$dev ]; }
absent() { ! present; }
tool_says() { grep -q "$1" /tmp/hotplug.out 2>/dev/null; }
driver_says() { grep -q "$1" /tmp/hotplug.err 2>/dev/null; }

absent || fail "$dev is there before the insertion (25-nvme-hotremove.sh should have removed it)"
"$SPDKRT_BIN/nvme_hotplug" -r "trtype:PCIe traddr:$dev" --inserts 1 --removals 1 -t 150 -i 20 \
	>/tmp/hotplug.out 2>/tmp/hotplug.err &
tool=$!
echo "SPDKRT-QEMU: device_add nvme,id=nvme2b,serial=spdkrt-qemu-0005,drive=nvm6,bus=rp1"
wait_for 60 present || fail "$dev did not appear after device_add"
ok "$dev appeared on the guest's PCI bus"
PCI_ALLOWED=$dev HUGEMEM=256 bash "$SPDKRT_SETUP" config >/tmp/hotplug-setup.log 2>&1 ||
	{
		cat /tmp/hotplug-setup.log
		fail "spdkrt-setup config could not bind $dev"
	}
wait_for 60 tool_says "inserted $dev" || fail "the tool did not attach the inserted $dev"
ok "$(grep "inserted $dev" /tmp/hotplug.out)"
sleep 1 # reads run on it
echo "SPDKRT-QEMU: device_del nvme2b"
wait_for 90 tool_says "removed $dev" || fail "the tool did not see $dev go"
st=0
wait_for 30 eval '! kill -0 $tool 2>/dev/null' || {
	kill -9 "$tool"
	fail "the tool did not end after the removal"
}
wait "$tool" || st=$?
[ "$st" = 0 ] || fail "spdkrt-nvme-hotplug exited $st"
ok "$(grep "removed $dev" /tmp/hotplug.out)"
# The driver's own uevent handling, printed (which comes first is a race the kernel sets): the
# bind is drained before each probe's scan, but sysfs shows the driver link for as long as the
# driver's own probe runs before the kernel sends the bind uevent, so the scan may find it first.
if driver_says "$dev: bound to .* (uevent)"; then
	ok "attached on the bind uevent: $(grep -m1 "$dev: bound to" /tmp/hotplug.err)"
else
	ok "attached by the probe's scan (sysfs showed the bound driver before its uevent came)"
fi
# The removal: by uevent, or by the device first (then the later uevents find it detached).
if driver_says "$dev: the kernel .* the function (uevent)"; then
	ok "removal seen by uevent first: $(grep -m1 "$dev: the kernel" /tmp/hotplug.err)"
else
	ok "removal seen by the device first ($SPDKRT_PROVIDER): $(grep -m1 -i "removed\|gone\|request" /tmp/hotplug.err)"
fi
ok "$(tail -1 /tmp/hotplug.out)"
wait_for 30 absent || fail "$dev is still on the guest's PCI bus"
ok "$dev is gone from the guest's PCI bus"
exit 0
