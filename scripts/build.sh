#!/usr/bin/env bash
# Configures and builds spdkrt in a build directory (default: build/). Extra arguments go to
# configure. Reconfigures only when the arguments change.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build}
cd "$top"
[ -x configure ] || ./autogen.sh >/dev/null
# Autotools cannot build out of tree once the source tree itself has been configured.
if [ -f "$top/config.status" ] && [ "$(cd "$(dirname "$builddir")" 2>/dev/null && pwd)/$(basename "$builddir")" != "$top" ]; then
	echo "build.sh: $top was configured in place (./configure was run there), so it cannot also" >&2
	echo "build in $builddir. Either clean the source tree:  make -C '$top' distclean" >&2
	echo "or keep building there with make. (README, Manual build, uses a build directory.)" >&2
	exit 1
fi
mkdir -p "$builddir"
cd "$builddir"
want="$*"
if [ ! -f Makefile ] || [ "$(cat .configure-args 2>/dev/null)" != "$want" ]; then
	"$top/configure" -q "$@"
	echo "$want" > .configure-args
fi
make -s -j"$(nproc)"
