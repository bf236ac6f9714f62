#!/bin/bash
# The fio plugin on an nvme bdev over PCIe (issue 17's guest part): the installed fio with
# spdkrt's ioengine writes the 4 KiB namespace of 0000:00:02.0 (Nvme1n1) with crc32c checksums
# and verifies every block it wrote (in its second half: 23-nvme-data.sh's pattern, which run.sh
# checks, is in the first). run.sh puts fio and the plugin in the guest when the
# "fio plugin" stage has built it (build-fio/, or SPDKRT_FIO_PLUGIN); without it this says so.
# Runs in both boots: with vfio the plugin's DMA goes through the guest's IOMMU.
set -u
if [ ! -x "$SPDKRT_BIN/fio" ] || [ ! -f /spdkrt/lib/spdkrt_fio.so ]; then
	echo "ok: nvme-fio: skipped: no fio plugin was built (scripts/test-fio.sh builds it)"
	exit 0
fi
st=0
timeout 180 "$SPDKRT_BIN/fio" --output-format=json --output=/tmp/fio.json --thread=1 \
	--ioengine=external:/spdkrt/lib/spdkrt_fio.so --spdkrt_mem_mb=128 \
	--spdkrt_log_level=warn --spdkrt_bdev=nvme:name=Nvme1,trtype=pcie,traddr=0000:00:02.0 \
	--filename=Nvme1n1 --name=verify --rw=randwrite --bs=16k --iodepth=8 --offset=8M --size=8M \
	--verify=crc32c --do_verify=1 --verify_fatal=1 >/tmp/fio.err 2>&1 || st=$?
if [ "$st" = 0 ] && grep -q '"error" : 0' /tmp/fio.json; then
	echo "ok: nvme-fio: fio randwrite 16 KiB + crc32c verify of 8 MiB on Nvme1n1 over PCIe ($SPDKRT_PROVIDER)"
	exit 0
fi
cat /tmp/fio.err
tail -40 /tmp/fio.json 2>/dev/null
echo "FAIL: nvme-fio: fio exited $st"
exit 1
