#!/usr/bin/env bash
# `make doc`: the API reference builds and no public declaration lacks a doc comment (doxygen
# treats every warning as an error, see doc/Doxyfile.in).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)/build}
MAKE=${MAKE:-make}
command -v doxygen >/dev/null || {
	echo "SKIP: doxygen not found"
	exit 77
}
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $MAKE -C "$top_builddir" -s doc; then
	echo "PASS: make doc (every public declaration documented)"
else
	echo "FAIL: make doc: the warnings above name the undocumented declarations"
	exit 1
fi
