#!/usr/bin/env bash
# The real PCI path on a machine without devices: boots a q35 QEMU guest (TCG) with QEMU's NVMe
# controller, once per provider (vfio: vfio-pci behind the emulated Intel IOMMU; uio:
# uio_pci_generic without an IOMMU), and runs every tests.d/*.sh inside. A stage of
# scripts/test.sh.
#
#   tests/integration/qemu/run.sh [vfio] [uio]      (default: both)
#
# The guest: Debian's linux-image-amd64 kernel (the uncompressed vmlinux, booted directly), a
# busybox initramfs holding bash, spdkrt-setup, the programs of qemu_guest_programs
# (tests/integration/qemu/Makefile.inc) with their shared libraries, libspdkrt.so.1 (in
# /spdkrt/lib, on LD_LIBRARY_PATH), tests.d/, and the kernel modules of modules.<provider> and
# tests.d/*.modules (one module name per word, loaded in order with their dependencies).
# init loads them, runs `spdkrt-setup config`, then each tests.d/*.sh with bash; a script passes
# by exiting 0. In scripts: $SPDKRT_PROVIDER (vfio|uio), $SPDKRT_BIN (the programs),
# $SPDKRT_SETUP (spdkrt-setup). The first NVMe function is 0000:00:01.0 (more in
# nvme_controllers); the guest has no network card.
# A missing pass line, a panic or a hang (timeout) fails the boot.
#
# Needs root (apt-get, and the kernel cache). Installs qemu-system-x86, busybox-static, cpio and
# kmod when missing; the kernel package is fetched with `apt-get download` and unpacked once
# into /var/cache/spdkrt-qemu/<package> (SPDKRT_QEMU_CACHE). BUILDDIR: the build tree to take the
# programs from (default build/, built when needed).
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
here=$top/tests/integration/qemu
builddir=${BUILDDIR:-$top/build}
cache=${SPDKRT_QEMU_CACHE:-/var/cache/spdkrt-qemu}
boot_timeout=${SPDKRT_QEMU_TIMEOUT:-600} # a hang guard: a loaded host slows TCG a lot
# tests.d/26-nvme-fio.sh runs it (scripts/test-fio.sh builds it in build-fio/ first).
fio_plugin=${SPDKRT_FIO_PLUGIN:-$top/build-fio/examples/fio/.libs/spdkrt_fio.so}
providers=("$@")
[ ${#providers[@]} -gt 0 ] || providers=(vfio uio)
t0=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

need_packages() {
	local missing=() p
	for p in qemu-system-x86 busybox-static cpio kmod; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

# The uncompressed kernel inside a vmlinuz (decompressing under TCG is slow: boot it as ELF).
extract_vmlinux() {
	local in=$1 out=$2 magic tool off
	for magic in '\xfd\x37\x7a\x58\x5a\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -dc' \
		'\x1f\x8b\x08:gzip -dc'; do
		tool=${magic#*:}
		for off in $(LC_ALL=C grep -obUaP "${magic%%:*}" "$in" | cut -d: -f1 | head -5); do
			tail -c +$((off + 1)) "$in" | $tool >"$out" 2>/dev/null || true
			if [ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
				return 0
			fi
		done
	done
	return 1
}

# Resolves linux-image-amd64 to its versioned package and unpacks it into the cache once.
kernel_cache() {
	local pkg dir tmp
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
	if [ -z "$pkg" ]; then
		apt-get update -qq >/dev/null
		pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ { print $2; exit }')
	fi
	[ -n "$pkg" ] || {
		echo "FAIL: cannot resolve linux-image-amd64" >&2
		return 1
	}
	dir=$cache/$pkg
	if [ ! -f "$dir/ready" ]; then
		echo "unpacking $pkg into $dir (once)" >&2
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get download -qq "$pkg" >/dev/null && dpkg-deb -x ./*.deb root)
		rm -rf "$dir"
		mkdir -p "$dir"
		extract_vmlinux "$tmp"/root/boot/vmlinuz-* "$dir/vmlinux" || {
			echo "FAIL: no ELF kernel inside vmlinuz" >&2
			rm -rf "$tmp"
			return 1
		}
		mv "$tmp/root/lib" "$dir/lib"
		depmod -b "$dir" "${pkg#linux-image-}"
		rm -rf "$tmp"
		touch "$dir/ready"
	fi
	echo "$dir"
}

# Copies an executable or library into the staging tree with every library it needs.
copy_with_libs() {
	local file=$1 dest=$2 lib
	mkdir -p "$(dirname "$stage$dest")"
	cp -L "$file" "$stage$dest"
	for lib in $(ldd "$file" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'); do
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}

# libtool leaves a wrapper script where a program links the shared library: take the binary.
real_program() {
	local p=$builddir/$1
	if [ "$(head -c 4 "$p" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
		echo "$p"
	else
		echo "$(dirname "$p")/.libs/$(basename "$p")"
	fi
}

build_initramfs() {
	local kdir=$1 kver=$2 p m
	stage=$work/stage
	mkdir -p "$stage/bin" "$stage/spdkrt/bin" "$stage/spdkrt/lib" "$stage/spdkrt/scripts" \
		"$stage/spdkrt/libspdkrt/env" "$stage/lib/modules"
	cp /bin/busybox "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh"
	copy_with_libs /bin/bash /bin/bash
	for p in /lib/x86_64-linux-gnu/libgcc_s.so.1; do
		[ -e "$p" ] && copy_with_libs "$p" "$p"
	done
	cp "$here/init" "$stage/init"
	cp -r "$here/tests.d" "$stage/spdkrt/tests.d"
	cp "$here"/modules.* "$stage/spdkrt/"
	cp "$top/scripts/setup.sh" "$stage/spdkrt/scripts/setup.sh"
	cp "$top/libspdkrt/env/pci_ids.h" "$stage/spdkrt/libspdkrt/env/pci_ids.h"
	for p in $(cat "$builddir/qemu-guest-programs.list"); do
		copy_with_libs "$(real_program "$p")" "/spdkrt/bin/$(basename "$p")"
	done
	for p in "$builddir"/libspdkrt/.libs/libspdkrt.so.1*; do
		copy_with_libs "$p" "/spdkrt/lib/$(basename "$p")"
	done
	# The fio plugin, when the "fio plugin" stage built it, with the installed fio.
	if [ -f "$fio_plugin" ] && command -v fio >/dev/null; then
		copy_with_libs "$(command -v fio)" /spdkrt/bin/fio
		copy_with_libs "$fio_plugin" /spdkrt/lib/spdkrt_fio.so
	fi
	# Modules with their dependencies, at their paths, and the kernel's index of them.
	mkdir -p "$stage/lib/modules/$kver"
	cp "$kdir/lib/modules/$kver"/modules.* "$stage/lib/modules/$kver/"
	for m in $(cat "$here"/modules.* "$here"/tests.d/*.modules 2>/dev/null); do
		for p in $(modprobe -d "$kdir" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'); do
			mkdir -p "$stage$(dirname "${p#"$kdir"}")"
			cp "$p" "$stage${p#"$kdir"}"
		done
	done
	(cd "$stage" && find . | cpio -o -H newc --quiet) >"$work/initramfs.cpio"
}

# More NVMe controllers, after 0000:00:01.0 (left as the PCI tests expect it):
# 0000:00:02.0 (serial spdkrt-qemu-0002) in an NVM subsystem (namespace attachment), MDTS 16 KiB
# (mdts=2: 2^2 pages), a 1 MiB controller memory buffer, namespace 1 with 4 KiB blocks,
# namespace 2 with 512 + 8 bytes of separate metadata carrying type 1 protection information,
# namespace 3 created detached. 0000:01:00.0 (serial spdkrt-qemu-0003, id nvme2, one 4 MiB
# namespace) behind a PCIe root port, so that it can be hot removed (device_del); the same
# behind a second root port (00:04.0) for the nvme bdev's hot removal (id nvme3). Drive nvm6 is
# no device's: the hot insertion test puts a controller on it (device_add). The image of
# drive nvmN is $work/nvmN.img; QEMU keeps a namespace's metadata after its data in the image.
nvme_controllers() {
	local d
	for d in nvm1:16M nvm2:8M nvm3:4M nvm4:4M nvm5:4M nvm6:4M; do
		rm -f "$work/${d%%:*}.img" # each boot starts from zeros
		truncate -s "${d#*:}" "$work/${d%%:*}.img"
		qemu+=(-drive "file=$work/${d%%:*}.img,if=none,id=${d%%:*},format=raw")
	done
	qemu+=(-device nvme-subsys,id=subsys0,nqn=nqn.2026-12.io.spdkrt:qemu-subsys0
		-device nvme,id=nvme1,serial=spdkrt-qemu-0002,subsys=subsys0,mdts=2,cmb_size_mb=1,addr=0x02
		-device nvme-ns,bus=nvme1,drive=nvm1,nsid=1,logical_block_size=4096,physical_block_size=4096
		-device nvme-ns,bus=nvme1,drive=nvm2,nsid=2,ms=8,mset=0,pi=1
		-device nvme-ns,bus=nvme1,drive=nvm3,nsid=3,detached=on
		-device pcie-root-port,id=rp1,chassis=1,slot=1,addr=0x03
		-device nvme,id=nvme2,serial=spdkrt-qemu-0003,drive=nvm4,bus=rp1
		-device pcie-root-port,id=rp2,chassis=2,slot=2,addr=0x04
		-device nvme,id=nvme3,serial=spdkrt-qemu-0004,drive=nvm5,bus=rp2)
}

# QEMU's human monitor on two FIFOs ($work/mon.in, $work/mon.out), for answer_monitor.
monitor() {
	rm -f "$work/mon.in" "$work/mon.out"
	mkfifo "$work/mon.in" "$work/mon.out"
	qemu+=(-chardev "pipe,id=mon0,path=$work/mon" -mon chardev=mon0,mode=readline)
}

# While QEMU runs: a console line "SPDKRT-QEMU: device_del ID" from a guest test (hot removal),
# or "SPDKRT-QEMU: device_add nvme,id=ID,serial=S,drive=D,bus=B" (hot insertion), is answered
# once with that command on the monitor (only letters, digits and , = _ . - pass). QEMU holds
# both FIFOs open read-write, so neither side blocks; its few lines of answer stay in mon.out's
# pipe buffer.
answer_monitor() {
	local provider=$1 log=$2 sent="|" cmd
	while sleep 0.3; do
		while read -r cmd; do
			case $sent in *"|$cmd|"*) continue ;; esac
			echo "$cmd" >"$work/mon.in"
			sent+="$cmd|"
			echo "  [$provider] host: $cmd sent to QEMU's monitor"
		done < <(tr -d '\r' <"$log" 2>/dev/null |
			sed -n -e 's/^SPDKRT-QEMU: \(device_del [A-Za-z0-9_-]*\)$/\1/p' \
				-e 's/^SPDKRT-QEMU: \(device_add nvme,[A-Za-z0-9_,=.-]*\)$/\1/p')
	done
}

# One QEMU run with the monitor answerer beside it; QEMU's exit status.
run_qemu() {
	local provider=$1 log=$2 rc=0 answerer
	: >"$log"
	answer_monitor "$provider" "$log" &
	answerer=$!
	timeout "$boot_timeout" "${qemu[@]}" </dev/null >"$log" 2>&1 || rc=$?
	kill "$answerer" 2>/dev/null || true
	wait "$answerer" 2>/dev/null || true
	return "$rc"
}

# The guest asks for its writes to be checked here, after it exits, with console lines
# "SPDKRT-QEMU: check-image DRIVE BLOCK_SIZE MD_SIZE LBA COUNT": nvme_guest's check mode reads
# the drive's image and verifies the pattern (and protection information) it wrote there.
check_images() {
	local provider=$1 log=$2 drive bs ms lba count n=0 rc=0 checker
	checker=$(real_program tests/integration/qemu/nvme_guest)
	while read -r drive bs ms lba count; do
		n=$((n + 1))
		if LD_LIBRARY_PATH=$builddir/libspdkrt/.libs "$checker" check "$work/$drive.img" \
			"$bs" "$ms" "$lba" "$count"; then
			echo "  [$provider] ok: host: $drive.img holds the guest's $count blocks at LBA $lba"
		else
			echo "  [$provider] FAIL: host: $drive.img differs from what the guest wrote"
			rc=1
		fi
	done < <(tr -d '\r' <"$log" | sed -n 's/^SPDKRT-QEMU: check-image //p')
	if [ "$n" -lt 2 ]; then
		echo "  [$provider] FAIL: host: the guest asked for $n image checks (2 expected)"
		rc=1
	fi
	return $rc
}

boot() {
	local provider=$1 kdir=$2 log=$work/$1.log rc=0 start
	local qemu=(qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 1024 -smp 2
		-nodefaults -nic none -display none -serial stdio -monitor none -no-reboot
		-device isa-debug-exit,iobase=0xf4,iosize=0x04)
	# no_timer_check: on a loaded host TCG is too slow for the kernel's IO-APIC timer check,
	# which then panics ("timer doesn't work through Interrupt-remapped IO-APIC").
	local append="console=ttyS0 panic=1 quiet no_timer_check spdkrt.provider=$provider"
	if [ "$provider" = vfio ]; then
		# aw-bits=48: IOVA = VA needs 48-bit IOVAs; intremap=off makes VFIO_SET_IOMMU fail.
		qemu+=(-device intel-iommu,intremap=on,aw-bits=48)
		append+=" intel_iommu=on"
	fi
	truncate -s 64M "$work/nvme.img"
	qemu+=(-drive "file=$work/nvme.img,if=none,id=nvm0,format=raw"
		-device nvme,serial=spdkrt-qemu-0001,drive=nvm0)
	nvme_controllers
	monitor
	qemu+=(-kernel "$kdir/vmlinux" -initrd "$work/initramfs.cpio" -append "$append")
	start=$(date +%s.%N)
	run_qemu "$provider" "$log" || rc=$?
	if ! grep -q 'SPDKRT-QEMU: guest up' "$log"; then
		# The kernel never reached init: nothing of spdkrt ran. Say so and boot once more.
		echo "  [$provider] the kernel did not reach init (QEMU exit $rc): booting again"
		tr -d '\r' <"$log" | grep -iE 'panic|error' | head -3 | sed "s/^/  [$provider] /" || true
		rc=0
		run_qemu "$provider" "$log" || rc=$?
	fi
	tr -d '\r' <"$log" | grep -E '^(ok|PASS|FAIL|SPDKRT-QEMU):' | sed "s/^/  [$provider] /" || true
	if [ "$rc" = 33 ] && grep -q "SPDKRT-QEMU: ALL PASSED ($provider)" "$log" &&
		check_images "$provider" "$log"; then
		echo "PASS: QEMU guest, $provider provider ($(elapsed "$start") s)"
		return 0
	fi
	case $rc in
	124) echo "FAIL: QEMU guest, $provider provider: no result within ${boot_timeout} s (hang)" ;;
	33 | 35) echo "FAIL: QEMU guest, $provider provider: tests failed" ;;
	*) echo "FAIL: QEMU guest, $provider provider: QEMU exited with $rc (a panic or no init)" ;;
	esac
	echo "--- last lines of the $provider guest's console ---"
	tr -d '\r' <"$log" | tail -n 60
	return 1
}

need_packages
kdir=$(kernel_cache)
kver=$(ls "$kdir/lib/modules")
echo "=== build the guest programs in $builddir ==="
[ -f "$builddir/Makefile" ] || BUILDDIR="$builddir" "$top/scripts/build.sh" --enable-werror
make -C "$builddir" -s -j"$(nproc)" libspdkrt/libspdkrt.la qemu-guest-programs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build_initramfs "$kdir" "$kver"
echo "initramfs: $(($(stat -c %s "$work/initramfs.cpio") / 1024 / 1024)) MiB, kernel $kver ($(elapsed "$t0") s)"
failed=0
for p in "${providers[@]}"; do
	case $p in
	vfio | uio) boot "$p" "$kdir" || failed=1 ;;
	*)
		echo "unknown provider '$p' (vfio or uio)" >&2
		exit 2
		;;
	esac
done
echo "QEMU guest tests: $([ "$failed" = 0 ] && echo passed || echo FAILED) in $(elapsed "$t0") s wall"
exit "$failed"
