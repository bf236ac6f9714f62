#!/bin/bash
# Last: spdkrt-setup reset gives the NVMe function back (the nvme module is not loaded, so it
# ends with no driver), clears driver_override and releases the hugepages.
set -u
dev=/sys/bus/pci/devices/0000:00:01.0
out=$(bash "$SPDKRT_SETUP" reset 2>&1)
drv=$(readlink "$dev/driver" 2>/dev/null || true)
case ${drv##*/} in
vfio-pci | uio_pci_generic)
	echo "$out"
	echo "FAIL: spdkrt-setup reset left 0000:00:01.0 on ${drv##*/}"
	exit 1
	;;
esac
if [ -n "$(tr -d '\n' <"$dev/driver_override")" ] && [ "$(cat "$dev/driver_override")" != "(null)" ]; then
	echo "FAIL: driver_override is '$(cat "$dev/driver_override")'"
	exit 1
fi
echo "ok: spdkrt-setup reset: 0000:00:01.0 released (driver: ${drv##*/}), hugepages $(cat /proc/sys/vm/nr_hugepages)"
