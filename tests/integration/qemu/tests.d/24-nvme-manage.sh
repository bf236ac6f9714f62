#!/bin/bash
# Namespace attachment and Format NVM through spdkrt-nvme-manage on the second controller
# (0000:00:02.0, in an NVM subsystem): namespace 3, created detached by run.sh, is attached,
# formatted to 512-byte and back to 4 KiB blocks (QEMU's LBA formats 0 and 4), then detached.
# QEMU 7.2's device has no namespace create/delete (Namespace Management): create-ns must fail
# cleanly with the controller's status.
# Runs in both boots. (It ran in the vfio boot only while spdkrt-nvme-manage under uio died with
# glibc's "double free or corruption" after attach-ns or format: the IOVA translation cache,
# withdrawn in 8ffc64b; since then 7 of 7 uio runs passed, 5 of them in one boot.)
set -u
rc=0
trid='trtype:PCIe traddr:0000:00:02.0'
manage() { "$SPDKRT_BIN/nvme_manage" --mem 32 -r "$trid" "$@" 2>&1; }
bad() {
	echo "FAIL: nvme-manage: $*"
	rc=1
}
good() { echo "ok: nvme-manage: $*"; }
has_ns() { grep -q "^$1 " <<<"$(manage list)"; }

has_ns 3 && bad "namespace 3 is active before attach-ns"
if out=$(manage attach-ns 3) && has_ns 3; then
	good "attach-ns 3: namespace 3 is active"
else
	bad "attach-ns 3: $out"
fi
for f in 0:512 4:4096; do
	if out=$(manage format 3 "${f%%:*}") && manage list | grep -q "^3 [0-9]* ${f#*:}$"; then
		good "format 3 with LBA format ${f%%:*}: ${f#*:}-byte blocks"
	else
		bad "format 3 with LBA format ${f%%:*}: $out / $(manage list | tr '\n' ' ')"
	fi
done
if out=$(manage detach-ns 3) && ! has_ns 3; then
	good "detach-ns 3: namespace 3 is inactive again"
else
	bad "detach-ns 3: $out"
fi
st=0
out=$(manage create-ns 2048 0) || st=$?
if [ "$st" = 1 ] && grep -q "create-ns: " <<<"$out"; then
	good "create-ns fails cleanly: QEMU 7.2 has no namespace create ($(tail -1 <<<"$out"))"
else
	bad "create-ns exited $st: $out"
fi
exit $rc
