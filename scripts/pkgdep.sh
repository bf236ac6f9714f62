#!/usr/bin/env bash
# Installs every build and test dependency of spdkrt. Idempotent. Debian/Ubuntu (apt) and
# Fedora/RHEL (dnf). Usage: scripts/pkgdep.sh  (as root, or with sudo available)
set -euo pipefail

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

debian_packages=(
	build-essential autoconf automake libtool pkg-config
	libdpdk-dev libaio-dev libssl-dev libnuma-dev liburing-dev libcmocka-dev libjson-c-dev
	python3 fio abigail-tools doxygen clang-format clang libclang-rt-14-dev
	debhelper dpkg-dev lintian apt-utils fakeroot rpm rpmlint help2man man-db
	dh-python pybuild-plugin-pyproject python3-all python3-setuptools python3-pytest
	golang-go rustc
	qemu-system-x86 busybox-static cpio kmod
)
fedora_packages=(
	gcc make autoconf automake libtool pkgconf-pkg-config
	dpdk-devel libaio-devel openssl-devel numactl-devel liburing-devel libcmocka-devel json-c-devel
	python3 fio libabigail doxygen clang-tools-extra clang compiler-rt rpm-build rpmlint
	help2man man-db
	python3-setuptools python3-pytest golang rust
	qemu-system-x86 busybox cpio kmod
)

if command -v apt-get >/dev/null 2>&1; then
	missing=()
	for p in "${debian_packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		export DEBIAN_FRONTEND=noninteractive
		$SUDO apt-get update -qq
		$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
	fi
elif command -v dnf >/dev/null 2>&1; then
	$SUDO dnf install -y "${fedora_packages[@]}"
else
	echo "pkgdep.sh: neither apt-get nor dnf found; install the equivalents of: ${debian_packages[*]}" >&2
	exit 1
fi
