#!/usr/bin/env bash
# The main job on an embedded default: no hugepages, no device. Installs dependencies when
# missing, builds, then runs the demo programs against the freshly built libspdkrt.so.1.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
command -v autoreconf >/dev/null && pkg-config --exists libdpdk cmocka 2>/dev/null || scripts/pkgdep.sh
BUILDDIR="$top/build" scripts/build.sh
cd build
echo "=== spdkrt env facts (no hugepages) ==="
./examples/env/env_info --no-huge
