#!/bin/bash
# The PCI layer and spdkrt-setup on the guest's real sysfs: status lists QEMU's NVMe function,
# config (run by init) bound it to the provider's driver, and pci_guest drives it through that
# provider (enumeration, config space, BAR0, an Identify DMA, attach after detach).
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
exit $rc
