#!/usr/bin/env bash
# Runs the installed fio with the spdkrt ioengine plugin. The first run fetches fio's source
# (scripts/fio-source.sh) and builds the plugin in build-fio/; later runs start at once.
#
# Usage: scripts/fio.sh                 a crc32c write+verify job on a 256 MiB malloc bdev
#        scripts/fio.sh FIO-ARGS...     fio with the plugin loaded, thread=1, and FIO-ARGS, e.g.
#          scripts/fio.sh --spdkrt_no_huge=1 --spdkrt_bdev=null:name=Null0,size_mb=1024 \
#              --filename=Null0 --name=j --rw=randread --bs=4k --iodepth=128 --runtime=10
# Environment: FIO_BUILDDIR (default build-fio/).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${FIO_BUILDDIR:-$top/build-fio}
plugin=$builddir/examples/fio/.libs/spdkrt_fio.so

command -v fio >/dev/null 2>&1 || {
	echo "fio.sh: fio is not installed (scripts/pkgdep.sh installs it)" >&2
	exit 1
}
if [ ! -f "$plugin" ]; then
	fio_src=$("$top/scripts/fio-source.sh")
	echo "fio.sh: building the plugin in $builddir" >&2
	BUILDDIR="$builddir" "$top/scripts/build.sh" --enable-werror --with-fio="$fio_src" >&2
fi

args=("$@")
if [ ${#args[@]} -eq 0 ]; then
	args=(--spdkrt_no_huge=1 --spdkrt_mem_mb=512
		--spdkrt_bdev=malloc:name=Malloc0,size_mb=256 --filename=Malloc0 --name=malloc-verify
		--rw=randwrite --bs=4k --iodepth=32 --size=256M --verify=crc32c --do_verify=1
		--verify_fatal=1 --verify_state_save=0)
fi
echo "+ fio --thread=1 --ioengine=external:$plugin ${args[*]}" >&2
exec fio --thread=1 "--ioengine=external:$plugin" "${args[@]}"
