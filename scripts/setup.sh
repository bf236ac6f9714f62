#!/bin/bash
# spdkrt-setup: prepares a machine for spdkrt's user-space drivers, and undoes it.
#
#   status   hugepages per NUMA node, hugetlbfs mounts, the IOMMU, and every NVMe and I/OAT PCI
#            function with the driver it is bound to
#   config   reserve hugepages (HUGEMEM MiB, default 2048), mount hugetlbfs when nothing is
#            mounted, and bind NVMe and I/OAT functions to vfio-pci (with an IOMMU) or
#            uio_pci_generic (without)
#   reset    give the functions back to their kernel drivers and release the hugepages
#   help     this text
#
# Installed as spdkrt-setup by `make install` and the spdkrt-tools package; see spdkrt-setup(1).
set -euo pipefail

prog=spdkrt-setup
# Tests point SPDKRT_SETUP_ROOT at a directory holding a fake sys/ and proc/ tree; nothing outside
# it is touched then (no modprobe, no mount).
root=${SPDKRT_SETUP_ROOT:-}
sys=$root/sys
proc=$root/proc
dry_run=${DRY_RUN:-0}

NVME_CLASS=0x010802
INTEL_VENDOR=0x8086
# I/OAT channels are matched by device id, never by class 0x0880 alone: many Intel functions that
# are not DMA engines share that class. The ids are the driver's own table,
# libspdkrt/env/pci_ids.h: substituted here by `make install`, read from the source tree otherwise.
IOAT_DEVICE_IDS="@IOAT_DEVICE_IDS@"
if [ "$IOAT_DEVICE_IDS" = "@IOAT_DEVICE_IDS""@" ]; then
	IOAT_DEVICE_IDS=$(grep -o 'SRT_IOAT_ID(0x[0-9a-f]*)' \
		"$(dirname "$0")/../libspdkrt/env/pci_ids.h" 2>/dev/null |
		sed 's/.*(\(0x[0-9a-f]*\))/\1/' | tr '\n' ' ' || true)
	[ -n "$IOAT_DEVICE_IDS" ] ||
		printf '%s: warning: no I/OAT id table (libspdkrt/env/pci_ids.h): I/OAT functions are ignored\n' \
			"$prog" >&2
fi

usage() {
	cat <<EOF
Usage: $prog [status|config|reset|help]

Prepares this machine for spdkrt's user-space NVMe and I/OAT drivers.

Commands:
  status   show hugepages per NUMA node, hugetlbfs mounts, the IOMMU, and every NVMe
           (class $NVME_CLASS) and I/OAT (vendor 8086, a device id of the driver's table) PCI
           function with its driver (the default command)
  config   reserve hugepages, mount hugetlbfs at /dev/hugepages when no hugetlbfs is mounted,
           and bind the NVMe and I/OAT functions to vfio-pci or uio_pci_generic
  reset    bind the functions back to their kernel drivers and release the hugepages
  help     show this text

Environment:
  HUGEMEM=MiB          memory to reserve as hugepages (default 2048)
  NRHUGE=N             number of hugepages to reserve (overrides HUGEMEM)
  DRIVER_OVERRIDE=drv  vfio-pci or uio_pci_generic (default: vfio-pci when the IOMMU is on,
                       else uio_pci_generic)
  PCI_ALLOWED="BDF..." only touch these functions (e.g. "0000:01:00.0 0000:02:00.0")
  PCI_BLOCKED="BDF..." never touch these functions
  DRY_RUN=1            print what config or reset would do, change nothing

NVMe functions with a mounted, swapped-on or otherwise held block device are left alone.
config and reset must run as root.
EOF
}

say() { printf '%s\n' "$*"; }
warn() { printf '%s: warning: %s\n' "$prog" "$*" >&2; }
die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}

# Writes a value to a sysfs/procfs file, or only says so with DRY_RUN=1.
write_file() {
	local value=$1 file=$2
	if [ "$dry_run" = 1 ]; then
		say "  would write '$value' to $file"
		return 0
	fi
	printf '%s\n' "$value" >"$file" || die "cannot write '$value' to $file"
}

need_root() {
	[ -n "$root" ] || [ "$dry_run" = 1 ] || [ "$(id -u)" -eq 0 ] ||
		die "'$1' changes kernel settings: run it as root (or with DRY_RUN=1 to see what it would do)"
}

read_file() { cat "$1" 2>/dev/null || echo "${2:--}"; }

# ---- hugepages ----

hugepage_kb() {
	local kb
	kb=$(awk '/^Hugepagesize:/ { print $2 }' "$proc/meminfo" 2>/dev/null || true)
	echo "${kb:-2048}"
}

hugetlbfs_mounts() {
	awk '$3 == "hugetlbfs" { print $2 " (" $4 ")" }' "$proc/mounts" 2>/dev/null || true
}

status_hugepages() {
	local kb nodes n dir total=0 free=0
	kb=$(hugepage_kb)
	say "Hugepages (${kb} kB pages):"
	nodes=$(ls -d "$sys"/devices/system/node/node[0-9]* 2>/dev/null || true)
	printf '  %-8s %8s %8s\n' node total free
	if [ -n "$nodes" ]; then
		for n in $nodes; do
			dir=$n/hugepages/hugepages-${kb}kB
			printf '  %-8s %8s %8s\n' "${n##*/}" "$(read_file "$dir/nr_hugepages" 0)" \
				"$(read_file "$dir/free_hugepages" 0)"
		done
	else
		total=$(awk '/^HugePages_Total:/ { print $2 }' "$proc/meminfo" 2>/dev/null || echo 0)
		free=$(awk '/^HugePages_Free:/ { print $2 }' "$proc/meminfo" 2>/dev/null || echo 0)
		printf '  %-8s %8s %8s\n' all "${total:-0}" "${free:-0}"
	fi
	local mounts
	mounts=$(hugetlbfs_mounts)
	if [ -n "$mounts" ]; then
		say "hugetlbfs mounts:"
		printf '%s\n' "$mounts" | sed 's/^/  /'
	else
		say "hugetlbfs mounts: none (config mounts one at /dev/hugepages)"
	fi
}

config_hugepages() {
	local kb pages got
	kb=$(hugepage_kb)
	if [ -n "${NRHUGE:-}" ]; then
		pages=$NRHUGE
	else
		local mem=${HUGEMEM:-2048}
		case $mem in '' | *[!0-9]*) die "HUGEMEM must be a number of MiB, not '$mem'" ;; esac
		pages=$(((mem * 1024 + kb - 1) / kb))
	fi
	case $pages in '' | *[!0-9]*) die "NRHUGE must be a number of pages, not '$pages'" ;; esac
	say "Reserving $pages hugepages of $kb kB ($((pages * kb / 1024)) MiB)"
	write_file "$pages" "$proc/sys/vm/nr_hugepages"
	if [ "$dry_run" != 1 ]; then
		got=$(read_file "$proc/sys/vm/nr_hugepages" 0)
		[ "$got" -ge "$pages" ] ||
			warn "only $got of $pages hugepages could be reserved (memory is fragmented or short)"
	fi
	if [ -z "$(hugetlbfs_mounts)" ]; then
		if [ -n "$root" ]; then
			say "  (test root: not mounting hugetlbfs)"
		elif [ "$dry_run" = 1 ]; then
			say "  would mount hugetlbfs at /dev/hugepages"
		else
			mkdir -p /dev/hugepages
			mount -t hugetlbfs nodev /dev/hugepages || die "cannot mount hugetlbfs at /dev/hugepages"
			say "Mounted hugetlbfs at /dev/hugepages"
		fi
	fi
}

reset_hugepages() {
	local got
	say "Releasing hugepages"
	write_file 0 "$proc/sys/vm/nr_hugepages"
	if [ "$dry_run" != 1 ]; then
		got=$(read_file "$proc/sys/vm/nr_hugepages" 0)
		[ "$got" = 0 ] || warn "$got hugepages are still in use by a running process"
	fi
}

# ---- PCI functions ----

is_ioat_id() {
	local id
	for id in $IOAT_DEVICE_IDS; do [ "$id" = "$1" ] && return 0; done
	return 1
}

# Prints "kind bdf" for every NVMe and I/OAT function.
pci_functions() {
	local dev class vendor
	for dev in "$sys"/bus/pci/devices/*; do
		[ -e "$dev/class" ] || continue
		class=$(read_file "$dev/class")
		vendor=$(read_file "$dev/vendor")
		if [ "$class" = "$NVME_CLASS" ]; then
			echo "NVMe ${dev##*/}"
		elif [ "$vendor" = "$INTEL_VENDOR" ] && is_ioat_id "$(read_file "$dev/device")"; then
			echo "I/OAT ${dev##*/}"
		fi
	done
}

driver_of() {
	local link
	link=$(readlink "$sys/bus/pci/devices/$1/driver" 2>/dev/null || true)
	echo "${link:+${link##*/}}"
}

# Block devices of an NVMe function bound to the kernel's nvme driver.
nvme_block_devices() {
	local ns
	for ns in "$sys/bus/pci/devices/$1"/nvme/nvme*/nvme*n*; do
		[ -e "$ns" ] && echo "${ns##*/}"
	done
	return 0
}

# Why an NVMe function must not be taken from the kernel, or nothing.
nvme_in_use() {
	local bdf=$1 blk part
	for blk in $(nvme_block_devices "$bdf"); do
		for part in "$blk" $(ls "$sys/class/block/$blk" 2>/dev/null | grep "^${blk}p" || true); do
			if awk -v d="/dev/$part" '$1 == d { found = 1 } END { exit !found }' "$proc/mounts" 2>/dev/null; then
				echo "/dev/$part is mounted"
				return 0
			fi
			if awk -v d="/dev/$part" '$1 == d { found = 1 } END { exit !found }' "$proc/swaps" 2>/dev/null; then
				echo "/dev/$part is used as swap"
				return 0
			fi
			if [ -n "$(ls -A "$sys/class/block/$part/holders" 2>/dev/null || true)" ]; then
				echo "/dev/$part is held by $(ls "$sys/class/block/$part/holders" | tr '\n' ' ')"
				return 0
			fi
		done
	done
	return 0
}

selected() {
	local bdf=$1 b
	if [ -n "${PCI_BLOCKED:-}" ]; then
		for b in $PCI_BLOCKED; do [ "$b" = "$bdf" ] && return 1; done
	fi
	if [ -n "${PCI_ALLOWED:-}" ]; then
		for b in $PCI_ALLOWED; do [ "$b" = "$bdf" ] && return 0; done
		return 1
	fi
	return 0
}

iommu_groups() { ls "$sys/kernel/iommu_groups" 2>/dev/null | wc -l; }

status_pci() {
	local groups kind bdf dev drv extra found=0
	groups=$(iommu_groups)
	if [ "$groups" -gt 0 ]; then
		say "IOMMU: on ($groups groups): vfio-pci can be used"
	else
		say "IOMMU: off: uio_pci_generic will be used (IOVA = physical address, needs root)"
	fi
	say "PCI functions:"
	printf '  %-6s %-13s %-6s %-6s %-5s %-16s %s\n' type address vendor device numa driver "block devices"
	while read -r kind bdf; do
		[ -n "$bdf" ] || continue
		found=1
		dev=$sys/bus/pci/devices/$bdf
		drv=$(driver_of "$bdf")
		extra=
		[ "$kind" = NVMe ] && extra=$(nvme_block_devices "$bdf" | tr '\n' ' ')
		printf '  %-6s %-13s %-6s %-6s %-5s %-16s %s\n' "$kind" "$bdf" \
			"$(read_file "$dev/vendor" | sed 's/^0x//')" "$(read_file "$dev/device" | sed 's/^0x//')" \
			"$(read_file "$dev/numa_node")" "${drv:-none}" "${extra:--}"
	done < <(pci_functions)
	[ "$found" = 1 ] || say "  none: no NVMe or I/OAT PCI function on this machine"
}

choose_driver() {
	if [ -n "${DRIVER_OVERRIDE:-}" ]; then
		case $DRIVER_OVERRIDE in
		vfio-pci | uio_pci_generic) echo "$DRIVER_OVERRIDE" ;;
		*) die "DRIVER_OVERRIDE must be vfio-pci or uio_pci_generic, not '$DRIVER_OVERRIDE'" ;;
		esac
	elif [ "$(iommu_groups)" -gt 0 ]; then
		echo vfio-pci
	else
		echo uio_pci_generic
	fi
}

load_module() {
	local mod=$1
	[ -z "$root" ] && [ "$dry_run" != 1 ] || return 0
	[ -d "$sys/bus/pci/drivers/$mod" ] && return 0
	modprobe "$mod" || die "cannot load kernel module $mod"
	[ -d "$sys/bus/pci/drivers/$mod" ] || die "module $mod loaded but its PCI driver is missing"
}

# Binds a function to driver (empty: the kernel's own driver) through driver_override.
bind() {
	local bdf=$1 drv=$2 dev=$sys/bus/pci/devices/$1 cur
	cur=$(driver_of "$bdf")
	write_file "$drv" "$dev/driver_override"
	if [ -n "$cur" ]; then
		write_file "$bdf" "$dev/driver/unbind"
	fi
	write_file "$bdf" "$sys/bus/pci/drivers_probe"
}

config_pci() {
	local drv kind bdf cur why new any=0
	drv=$(choose_driver)
	load_module "$drv"
	while read -r kind bdf; do
		[ -n "$bdf" ] || continue
		any=1
		if ! selected "$bdf"; then
			say "$kind $bdf: skipped (PCI_ALLOWED/PCI_BLOCKED)"
			continue
		fi
		cur=$(driver_of "$bdf")
		if [ "$cur" = "$drv" ]; then
			say "$kind $bdf: already bound to $drv"
			continue
		fi
		if [ "$kind" = NVMe ]; then
			why=$(nvme_in_use "$bdf")
			if [ -n "$why" ]; then
				say "$kind $bdf: left to ${cur:-no driver}: $why"
				continue
			fi
		fi
		say "$kind $bdf: ${cur:-no driver} -> $drv"
		bind "$bdf" "$drv"
		if [ -z "$root" ] && [ "$dry_run" != 1 ]; then
			new=$(driver_of "$bdf")
			[ "$new" = "$drv" ] || die "$bdf did not bind to $drv (now: ${new:-no driver}); see dmesg"
		fi
		if [ "$drv" = vfio-pci ] && [ -z "$root" ] && [ "$dry_run" != 1 ]; then
			local group
			group=$(readlink "$sys/bus/pci/devices/$bdf/iommu_group" 2>/dev/null || true)
			[ -z "$group" ] || [ -e "/dev/vfio/${group##*/}" ] ||
				warn "/dev/vfio/${group##*/} is missing for $bdf"
		fi
	done < <(pci_functions)
	[ "$any" = 1 ] || say "No NVMe or I/OAT PCI function to bind"
}

reset_pci() {
	local kind bdf cur any=0
	while read -r kind bdf; do
		[ -n "$bdf" ] || continue
		selected "$bdf" || continue
		cur=$(driver_of "$bdf")
		case $cur in
		vfio-pci | uio_pci_generic)
			any=1
			say "$kind $bdf: $cur -> kernel driver"
			bind "$bdf" ""
			;;
		esac
	done < <(pci_functions)
	[ "$any" = 1 ] || say "No NVMe or I/OAT PCI function is bound to vfio-pci or uio_pci_generic"
}

cmd=${1:-status}
[ $# -le 1 ] || {
	usage >&2
	exit 2
}
case $cmd in
status)
	status_hugepages
	status_pci
	;;
config)
	need_root config
	config_hugepages
	config_pci
	;;
reset)
	need_root reset
	reset_pci
	reset_hugepages
	;;
help | -h | --help) usage ;;
--version) echo "$prog (spdkrt)" ;;
*)
	usage >&2
	exit 2
	;;
esac
