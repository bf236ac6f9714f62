#!/bin/bash
# Data through the driver on the second controller (0000:00:02.0): a write of many times its
# 16 KiB MDTS in one call (the driver splits it), read back and compared; the same on the
# namespace with separate metadata carrying type 1 PI (our PI, checked by the controller);
# PI the controller inserts (PRACT) and writes with a bad guard or reference tag refused.
# run.sh checks the images on the host after the guest exits (check-image lines).
set -u
rc=0
trid='trtype:PCIe traddr:0000:00:02.0'
"$SPDKRT_BIN/nvme_guest" pattern "$trid" 1 100 40 || rc=1
echo "SPDKRT-QEMU: check-image nvm1 4096 0 100 40"
"$SPDKRT_BIN/nvme_guest" pattern "$trid" 2 300 96 || rc=1
echo "SPDKRT-QEMU: check-image nvm2 512 8 300 96"
"$SPDKRT_BIN/nvme_guest" pi "$trid" 2 || rc=1
exit $rc
