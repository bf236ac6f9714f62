#!/usr/bin/env bash
# The main job on an embedded default: no hugepages, no device. Installs dependencies when
# missing, builds, then runs the demo programs against the freshly built libspdkrt.so.1:
# the environment facts, hello_bdev on a malloc bdev, and a short bdevperf run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/pkgdep.sh
BUILDDIR="$top/build" scripts/build.sh
cd build
echo "=== spdkrt env facts (no hugepages) ==="
./examples/env/env_info --no-huge
echo
echo "=== hello_bdev: write and read back a block of a malloc bdev (no hugepages) ==="
./examples/bdev/hello_bdev --no-huge
echo
echo "=== bdevperf: 3 s of 4 KiB random reads, queue depth 128, on a 128 MiB malloc bdev ==="
./examples/bdev/bdevperf --no-huge -s 512 -q 128 -o 4096 -w randread -t 3 \
	-b malloc:name=Malloc0,size_mb=128
