#!/usr/bin/env bash
# Configures and builds spdkrt in a build directory (default: build/). Extra arguments go to
# configure. Reconfigures only when the arguments change.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build}
cd "$top"
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p "$builddir"
cd "$builddir"
want="$*"
if [ ! -f Makefile ] || [ "$(cat .configure-args 2>/dev/null)" != "$want" ]; then
	"$top/configure" -q "$@"
	echo "$want" > .configure-args
fi
make -s -j"$(nproc)"
