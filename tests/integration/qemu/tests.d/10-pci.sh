#!/bin/bash
# The PCI layer and spdkrt-setup on the guest's real sysfs: status lists QEMU's NVMe function,
# config (run by init) bound it to the provider's driver, and pci_guest drives it through that
# provider (enumeration, config space, BAR0, Identify DMAs, attach after detach, and with uio a
# removal under an attached device, after which the function is rescanned and bound again).
set -u
drv=vfio-pci
[ "$SPDKRT_PROVIDER" = uio ] && drv=uio_pci_generic
rc=0
out=$(bash "$SPDKRT_SETUP" status 2>&1)
if grep -qE "NVMe +0000:00:01.0 +1b36 +0010 .* $drv" <<<"$out"; then
	echo "ok: spdkrt-setup status: 0000:00:01.0 bound to $drv"
else
	echo "$out"
	echo "FAIL: spdkrt-setup status does not show 0000:00:01.0 on $drv"
	rc=1
fi
if [ "$drv" = vfio-pci ] && grep -q '^IOMMU: on' <<<"$out"; then
	echo "ok: spdkrt-setup status sees the IOMMU"
elif [ "$drv" = uio_pci_generic ] && grep -q '^IOMMU: off' <<<"$out"; then
	echo "ok: spdkrt-setup status: no IOMMU, uio_pci_generic"
else
	echo "FAIL: spdkrt-setup status IOMMU line"
	rc=1
fi
"$SPDKRT_BIN/pci_guest" "$SPDKRT_PROVIDER" || rc=1
if [ "$SPDKRT_PROVIDER" = uio ]; then
	# pci_guest removed the function: bring it back and bind it again for the scripts after us.
	echo 1 >/sys/bus/pci/rescan
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -e /sys/bus/pci/devices/0000:00:01.0 ] && break
		sleep 0.5
	done
	HUGEMEM=256 bash "$SPDKRT_SETUP" config >/tmp/setup-rebind.log 2>&1 || rc=1
	if [ "$(basename "$(readlink /sys/bus/pci/devices/0000:00:01.0/driver)")" = "$drv" ]; then
		echo "ok: rescanned and bound to $drv again"
	else
		cat /tmp/setup-rebind.log
		echo "FAIL: 0000:00:01.0 did not come back on $drv"
		rc=1
	fi
fi
exit $rc
