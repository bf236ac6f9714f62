#!/bin/bash
# Hot removal during I/O: nvme_guest runs reads and writes on the third controller
# (0000:01:00.0, QEMU id nvme2, behind a PCIe root port), then asks run.sh for `device_del nvme2`
# on QEMU's monitor. The guest kernel's pciehp removes the function: with uio its BAR mapping is
# revoked (a SIGBUS, which the driver's handler turns into all-ones reads); with vfio the kernel
# asks for the device back through the device request notifier. Either way the driver must fail
# the I/O, call the remove callback and detach, with no crash or hang; then the function is gone.
set -u
rc=0
dev=0000:01:00.0
if [ ! -e /sys/bus/pci/devices/$dev ]; then
	echo "FAIL: nvme-hotremove: no $dev in the guest"
	exit 1
fi
st=0
timeout 150 "$SPDKRT_BIN/nvme_guest" hotremove "trtype:PCIe traddr:$dev" nvme2 \
	2>/tmp/hotremove.err || st=$?
if [ "$st" != 0 ]; then
	cat /tmp/hotremove.err
	echo "FAIL: nvme-hotremove: nvme_guest hotremove exited $st"
	rc=1
fi
# How the driver learnt of it (information: which comes first depends on timing).
if grep -q "raised SIGBUS" /tmp/hotremove.err; then
	echo "ok: nvme-hotremove: a BAR access raised SIGBUS; the handler made it read all ones"
elif grep -q "asks for the device back" /tmp/hotremove.err; then
	echo "ok: nvme-hotremove: the VFIO device request notifier announced the removal"
else
	echo "ok: nvme-hotremove: the removal was seen in config space or registers (all ones)"
fi
for _ in $(seq 60); do
	[ -e /sys/bus/pci/devices/$dev ] || break
	sleep 0.5
done
if [ -e /sys/bus/pci/devices/$dev ]; then
	echo "FAIL: nvme-hotremove: $dev is still on the guest's PCI bus"
	rc=1
else
	echo "ok: nvme-hotremove: $dev is gone from the guest's PCI bus"
fi
exit $rc
